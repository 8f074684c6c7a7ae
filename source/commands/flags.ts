import meow, {type Flag, type Result} from 'meow';
import {UsageError} from '../core/errors.js';

/** meow's flag table type, spelled out because meow does not export its name. */
export type AnyFlags = Record<
	string,
	| Flag<'string', string>
	| Flag<'string', string[], true>
	| Flag<'boolean', boolean>
	| Flag<'boolean', boolean[], true>
	| Flag<'number', number>
	| Flag<'number', number[], true>
>;
type FlagShape = {type?: string; shortFlag?: string; aliases?: string[]};

export type CommandSpec<Flags extends AnyFlags> = {
	/** Subcommand name, for messages: `list`, `who`… (empty for the bare `portui`). */
	name: string;
	/** Help text printed by `--help` (meow adds the description above it). */
	help: string;
	flags: Flags;
	argv: string[];
};

/**
 * Parses one subcommand's flags with meow and rejects anything meow would
 * silently accept: unknown flags and value flags given without a value.
 * Errors are `UsageError`s (exit code 2, one line).
 */
export function parseCommand<Flags extends AnyFlags>(
	spec: CommandSpec<Flags>,
): Result<Flags> {
	const cli = meow(spec.help, {
		importMeta: import.meta,
		argv: spec.argv,
		flags: spec.flags,
		allowUnknownFlags: true,
		autoHelp: true,
		autoVersion: true,
		booleanDefault: undefined,
	});
	const known = new Set<string>(['help', 'version']);
	for (const [name, flag] of Object.entries(spec.flags) as Array<[string, FlagShape]>) {
		known.add(name);
		if (flag.shortFlag) known.add(flag.shortFlag);
		for (const alias of flag.aliases ?? []) known.add(alias);
	}
	const command = spec.name ? `portui ${spec.name}` : 'portui';
	for (const name of Object.keys(cli.unnormalizedFlags)) {
		const dashed = kebab(name);
		if (!known.has(name) && !known.has(dashed)) {
			const shown = name.length === 1 ? `-${name}` : `--${dashed}`;
			throw new UsageError(`unknown flag ${shown} (see ${command} --help)`);
		}
	}
	for (const [name, flag] of Object.entries(spec.flags) as Array<[string, FlagShape]>) {
		const value = (cli.flags as Record<string, unknown>)[camel(name)];
		if (flag.type === 'string' && value === '') {
			throw new UsageError(`--${name} needs a value (see ${command} --help)`);
		}
	}
	return cli;
}

function kebab(name: string): string {
	return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function camel(name: string): string {
	return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Parses a decimal integer flag value within bounds, or throws a UsageError naming the flag. */
export function integerFlag(
	name: string,
	value: string | undefined,
	{min, max}: {min: number; max: number},
): number | undefined {
	if (value === undefined) return undefined;
	if (!/^\d+$/.test(value.trim()))
		throw new UsageError(`--${name}: "${value}" is not a number`);
	const number = Number(value);
	if (number < min || number > max) {
		throw new UsageError(`--${name}: ${value} is out of range ${min}-${max}`);
	}
	return number;
}
