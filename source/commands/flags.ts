/**
 * The one command-line parser of every command, strict by design: portui
 * runs as root and changes files and processes, so a command line it does
 * not understand exactly is refused (one line, exit 2) before anything
 * happens. `--dry-run=yes` is not a dry run, so it is a mistake, not a guess.
 *
 * Each command describes its command line as data, a `CommandTable`: its
 * flags (switches and value flags, a short spelling, whether a switch has a
 * `--no-` form, whether a value flag may be repeated), the words after them,
 * and the flags that contradict or need each other. Refused, each with a
 * line naming the flag: a switch given a value, a value flag without one, an
 * unknown or mis-cased flag, a word too many, a single-value flag given
 * twice, two flags that conflict, a flag without the one it needs. `--`
 * ends the flags.
 *
 * meow prints --help and --version (help.ts); it takes ~55 ms to import, more
 * than some commands' own work, so it is loaded only for those.
 */
import {PortSpecError, UsageError} from '../core/errors.js';
import type {Protocol} from '../core/sockets/listener.js';
import {safeText} from '../format/safe-text.js';

export type SwitchSpec = {
	readonly type: 'boolean';
	/** One letter: `-y`. */
	readonly short?: string;
	/** Also spelt `--no-NAME`, which sets it false. */
	readonly negatable?: boolean;
};
export type ValueSpec = {
	readonly type: 'string';
	readonly short?: string;
	/** May be given more than once; the values are kept in order. */
	readonly multiple?: boolean;
};
export type FlagSpec = SwitchSpec | ValueSpec;

/**
 * Flags are spelt as on the command line (`--dry-run`, `--no-restart`,
 * `--4`); `why` reads after their names: "--udp and --syn are different
 * scans: pick one".
 */
export type Conflict = {readonly flags: readonly [string, string]; readonly why: string};
/** `flag` means nothing without `needs`; `why` reads after the flag's name. */
export type Requirement = {
	readonly flag: string;
	readonly needs: string;
	readonly why: string;
};

export type CommandTable = {
	/** Subcommand name, for messages: `list`, `who`… (empty for the bare `portui`). */
	readonly name: string;
	/** Help text printed by `--help` (meow adds the description above it). */
	readonly help: string;
	/** Keyed by the name the command reads (`dryRun`), spelt kebab-case (`--dry-run`). */
	readonly flags: Readonly<Record<string, FlagSpec>>;
	/** The words after the flags; none when absent. */
	readonly words?: {
		readonly name: string;
		readonly min: number;
		readonly max: number;
		/** What is missing when there are too few: "a target, e.g. …"; default "a NAME". */
		readonly missing?: string;
	};
	readonly conflicts?: readonly Conflict[];
	readonly requires?: readonly Requirement[];
};

type FlagValue<Spec> = Spec extends {type: 'boolean'}
	? boolean | undefined
	: Spec extends {multiple: true}
		? string[]
		: string | undefined;

export type ParsedFlags<Flags extends CommandTable['flags']> = {
	-readonly [Name in keyof Flags]: FlagValue<Flags[Name]>;
};

export type ParsedCommand<Table extends CommandTable> = {
	flags: ParsedFlags<Table['flags']>;
	/** The words, in order. */
	input: string[];
};

/** What the command line asks for: a command to run, or help or version only. */
export type CommandLine<Table extends CommandTable> =
	({show?: undefined} & ParsedCommand<Table>) | {show: 'help' | 'version'};

/** Parses and checks one command line; --help and --version print (meow) and exit. */
export async function parseCommand<Table extends CommandTable>(
	table: Table,
	argv: readonly string[],
): Promise<ParsedCommand<Table>> {
	const line = parseCommandLine(table, argv);
	if (line.show === undefined) return line;
	const help = await import('./help.js');
	return line.show === 'help' ? help.showHelp(table.help) : help.showVersion();
}

type Spelling = {key: string; spec: FlagSpec; long: string; value: boolean};

/** The command line against its table, without printing anything: throws UsageError. */
export function parseCommandLine<Table extends CommandTable>(
	table: Table,
	argv: readonly string[],
): CommandLine<Table> {
	const flagsEnd = argv.indexOf('--');
	const flagPart = flagsEnd === -1 ? argv : argv.slice(0, flagsEnd);
	// Asked for help, portui helps, whatever else the line holds.
	if (flagPart.includes('--help') || flagPart.includes('-h')) return {show: 'help'};
	if (flagPart.includes('--version')) return {show: 'version'};

	const spellings = new Map<string, Spelling>();
	const values: Record<string, unknown> = {};
	for (const [key, spec] of Object.entries(table.flags)) {
		const long = `--${kebab(key)}`;
		spellings.set(long, {key, spec, long, value: true});
		if (spec.type === 'boolean' && spec.negatable)
			spellings.set(`--no-${kebab(key)}`, {key, spec, long, value: false});
		if (spec.short) spellings.set(`-${spec.short}`, {key, spec, long, value: true});
		if (spec.type === 'string' && spec.multiple) values[key] = [];
	}
	const fail = (message: string): never => {
		throw new UsageError(`${message} (see ${commandName(table)} --help)`);
	};
	/** The spelling each flag was first given as, and each form (`--restart`, `--no-restart`) given. */
	const firstSpelt = new Map<string, string>();
	const formsGiven = new Map<string, string>();
	const words: string[] = [];

	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index]!;
		if (argument === '--') {
			words.push(...argv.slice(index + 1));
			break;
		}
		if (!looksLikeFlag(argument)) {
			words.push(argument);
			continue;
		}
		const long = argument.startsWith('--');
		const equals = long ? argument.indexOf('=') : -1;
		const name = long
			? equals === -1
				? argument
				: argument.slice(0, equals)
			: argument.slice(0, 2);
		const attached = long
			? equals === -1
				? undefined
				: argument.slice(equals + 1)
			: argument.length > 2
				? argument.slice(2)
				: undefined;
		const flag = spellings.get(name);
		if (!flag) fail(unknownFlag(long ? name : argument, spellings));
		const {key, spec} = flag!;
		const shown = safeText(name);

		const earlier = firstSpelt.get(key);
		if (earlier !== undefined && !(spec.type === 'string' && spec.multiple)) {
			fail(
				earlier === name
					? `${shown} is given twice`
					: `${safeText(earlier)} and ${shown} are one flag, given twice`,
			);
		}
		firstSpelt.set(key, name);
		formsGiven.set(flag!.value ? flag!.long : `--no-${flag!.long.slice(2)}`, name);

		if (spec.type === 'boolean') {
			if (attached !== undefined)
				fail(`${shown} takes no value, got "${safeText(argument)}"`);
			values[key] = flag!.value;
			continue;
		}
		let value = attached;
		if (value === undefined) {
			const next = argv[index + 1];
			if (next === undefined) fail(`${shown} needs a value`);
			if (looksLikeFlag(next!) || next === '--')
				fail(
					`${shown} needs a value before ${safeText(next!)}; a value that starts with - is written ${flag!.long}=VALUE`,
				);
			value = next;
			index++;
		}
		if (value === '') fail(`${shown} needs a value`);
		if (spec.multiple) (values[key] as string[]).push(value!);
		else values[key] = value;
	}

	const expected = table.words ?? {name: '', min: 0, max: 0};
	if (words.length > expected.max) {
		const takes =
			expected.max === 0
				? 'takes no arguments'
				: `takes ${expected.max === 1 ? 'one' : `at most ${expected.max}`} ${expected.name}`;
		fail(
			`unexpected argument "${safeText(words[expected.max]!)}": ${commandName(table)} ${takes}`,
		);
	}
	if (words.length < expected.min)
		fail(`${table.name} needs ${expected.missing ?? `a ${expected.name}`}`);

	for (const {flags, why} of table.conflicts ?? []) {
		const [first, second] = flags.map((form) => formsGiven.get(form));
		if (first !== undefined && second !== undefined)
			fail(`${safeText(first)} and ${safeText(second)} ${why}`);
	}
	for (const {flag, needs, why} of table.requires ?? []) {
		const given = formsGiven.get(flag);
		if (given !== undefined && !formsGiven.has(needs)) fail(`${safeText(given)} ${why}`);
	}
	return {flags: values as ParsedFlags<Table['flags']>, input: words};
}

/** `-x`, `--x`: a flag; `-` alone (stdin, or every port) and words are not. */
function looksLikeFlag(argument: string): boolean {
	return argument.length > 1 && argument.startsWith('-') && argument !== '--';
}

function unknownFlag(name: string, spellings: Map<string, Spelling>): string {
	const lower = name.toLowerCase();
	const meant = [...spellings.keys()].find((known) => known.toLowerCase() === lower);
	return `unknown flag ${safeText(name)}${meant ? `: did you mean ${meant}?` : ''}`;
}

/** Every spelling a table accepts, for tests and the help text checks. */
export function flagSpellings(table: CommandTable): string[] {
	return Object.entries(table.flags).flatMap(([key, spec]) => [
		`--${kebab(key)}`,
		...(spec.type === 'boolean' && spec.negatable ? [`--no-${kebab(key)}`] : []),
		...(spec.short ? [`-${spec.short}`] : []),
	]);
}

function commandName(table: {name: string}): string {
	return table.name ? `portui ${table.name}` : 'portui';
}

function kebab(name: string): string {
	return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Parses a decimal integer flag value within bounds, or throws a UsageError naming the flag. */
export function integerFlag(
	name: string,
	value: string | undefined,
	{min, max}: {min: number; max: number},
): number | undefined {
	if (value === undefined) return undefined;
	if (!/^\d+$/.test(value.trim()))
		throw new UsageError(`--${name}: "${safeText(value)}" is not a number`);
	const number = Number(value);
	if (number < min || number > max) {
		throw new UsageError(`--${name}: ${value} is out of range ${min}-${max}`);
	}
	return number;
}

/**
 * The one parser of a single port on the command line (`who PORT`, `move
 * PORT --to N`, `list --port N`): a decimal number 1-65535. `what` names it
 * in the message ("port", "--to"), which reads as the scan's port lists do.
 */
export function parsePort(
	text: string,
	{what = 'port', expected = 'a number 1-65535'}: {what?: string; expected?: string} = {},
): number {
	return portNumber(text, text, what, expected);
}

/** A port with an optional protocol, for `kill` and `resolve`: `8080`, `8080/tcp`, `53/udp`. */
export function parsePortArgument(text: string): {port: number; protocols?: Protocol[]} {
	const match = /^(\d+)\/(tcp|udp)$/i.exec(text);
	const port = portNumber(
		match ? match[1]! : text,
		text,
		'port',
		'a number like 8080 or 53/udp',
	);
	const protocol = match?.[2]!.toLowerCase() as Protocol | undefined;
	return protocol ? {port, protocols: [protocol]} : {port};
}

function portNumber(
	digits: string,
	whole: string,
	what: string,
	expected: string,
): number {
	const shown = safeText(whole);
	if (!/^\d+$/.test(digits))
		throw new PortSpecError(`bad ${what} "${shown}": expected ${expected}`);
	const port = Number(digits);
	if (port < 1 || port > 65_535)
		throw new PortSpecError(`bad ${what} "${shown}": ${digits} is out of range 1-65535`);
	return port;
}
