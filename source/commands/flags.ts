import {parseArgs} from 'node:util';
import type {Flag, Result} from 'meow';
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
type FlagShape = {
	type?: string;
	shortFlag?: string;
	aliases?: string[];
	isMultiple?: boolean;
};

export type CommandSpec<Flags extends AnyFlags> = {
	/** Subcommand name, for messages: `list`, `who`… (empty for the bare `portui`). */
	name: string;
	/** Help text printed by `--help` (meow adds the description above it). */
	help: string;
	flags: Flags;
	argv: string[];
};

/** What a command reads from its parsed command line (meow's Result, in part). */
export type ParsedCommand<Flags extends AnyFlags> = Pick<
	Result<Flags>,
	'flags' | 'input' | 'showHelp' | 'showVersion'
>;

/**
 * Parses one subcommand's flags and rejects anything meow would silently
 * accept: unknown flags and value flags given without a value. Errors are
 * `UsageError`s (exit code 2, one line).
 *
 * meow takes ~55 ms to import here, more than some commands' own work, so
 * an everyday command line is parsed with Node's util.parseArgs from the same
 * flag table; meow is loaded only for --help, --version, and anything
 * parseArgs refuses, so that help and every error message still come from
 * one place.
 */
export async function parseCommand<Flags extends AnyFlags>(
	spec: CommandSpec<Flags>,
): Promise<ParsedCommand<Flags>> {
	const quick = quickParse(spec);
	if (quick) {
		checkValues(spec, quick.flags as Record<string, unknown>);
		return quick;
	}
	const {default: meow} = await import('meow');
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
	for (const name of Object.keys(cli.unnormalizedFlags)) {
		const dashed = kebab(name);
		if (!known.has(name) && !known.has(dashed)) {
			const shown = name.length === 1 ? `-${name}` : `--${dashed}`;
			throw new UsageError(`unknown flag ${shown} (see ${commandName(spec)} --help)`);
		}
	}
	checkValues(spec, cli.flags as Record<string, unknown>);
	return cli;
}

function commandName(spec: {name: string}): string {
	return spec.name ? `portui ${spec.name}` : 'portui';
}

/** A value flag given as `--flag ''` (or `--flag=`) is a mistake, not a value. */
function checkValues(spec: CommandSpec<AnyFlags>, flags: Record<string, unknown>): void {
	for (const [name, flag] of Object.entries(spec.flags) as Array<[string, FlagShape]>) {
		const value = flags[camel(name)];
		if (flag.type === 'string' && value === '') {
			throw new UsageError(
				`--${kebab(name)} needs a value (see ${commandName(spec)} --help)`,
			);
		}
	}
}

/**
 * The command line through util.parseArgs (strict), or undefined for meow to
 * handle: --help, --version, aliases, number flags, and every mistake.
 * `--no-NAME` sets a boolean flag false, as meow does.
 */
function quickParse<Flags extends AnyFlags>(
	spec: CommandSpec<Flags>,
): ParsedCommand<Flags> | undefined {
	type Option = {type: 'string' | 'boolean'; short?: string; multiple?: boolean};
	const options: Record<string, Option> = {};
	for (const [name, flag] of Object.entries(spec.flags) as Array<[string, FlagShape]>) {
		if ((flag.type !== 'string' && flag.type !== 'boolean') || flag.aliases?.length)
			return undefined;
		const option: Option = {type: flag.type};
		if (flag.shortFlag) option.short = flag.shortFlag;
		if (flag.isMultiple) option.multiple = true;
		options[kebab(name)] = option;
	}
	const negated = new Map<string, false>();
	const args: string[] = [];
	for (const [index, argument] of spec.argv.entries()) {
		if (argument === '--') {
			args.push(...spec.argv.slice(index));
			break;
		}
		if (argument === '--help' || argument === '--version' || argument === '-h')
			return undefined;
		const negation = /^--no-(.+)$/.exec(argument);
		if (negation && options[negation[1]!]?.type === 'boolean')
			negated.set(negation[1]!, false);
		else args.push(argument);
	}
	let parsed: ReturnType<typeof parseArgs>;
	try {
		parsed = parseArgs({args, options, strict: true, allowPositionals: true});
	} catch {
		return undefined;
	}
	const flags: Record<string, unknown> = {};
	// meow gives a multiple flag that is absent as [].
	for (const [name, option] of Object.entries(options))
		if (option.multiple) flags[camel(name)] = [];
	for (const [name, value] of Object.entries(parsed.values)) flags[camel(name)] = value;
	for (const [name, value] of negated) flags[camel(name)] = value;
	const notMeow = (): never => {
		throw new Error('help and version are shown by meow');
	};
	return {
		flags: flags as Result<Flags>['flags'],
		input: parsed.positionals,
		showHelp: notMeow,
		showVersion: notMeow,
	};
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
