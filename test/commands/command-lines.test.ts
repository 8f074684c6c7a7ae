/**
 * One strict command line for every command (issue 9, finding 5), checked on
 * the built binary as users run it. A switch given a value, a value flag
 * without its value, an unknown or mis-cased flag, an extra word, two flags
 * that contradict each other and a single-value flag given twice are each
 * one line naming the flag, exit 2, nothing on stdout, and nothing done: the
 * config of `move … --dry-run=yes --yes` is byte-identical afterwards, the
 * test's own listener survives `kill … --force=1`.
 *
 * The flags of each command are read from its --help, the contract: a flag
 * added there is tried here without editing this file (a value flag needs a
 * sample value below, or the test says so).
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {copyFixture, removeTree} from '../helpers/config-fixtures.js';
import {
	portIsFree,
	startListenerChild,
	unusedLowPort,
	type ListenerChild,
} from '../helpers/listener-child.js';
import {cliPath, runPortui, type CliResult} from '../helpers/run-portui.js';
import {alive} from '../helpers/terminate-fixtures.js';

/** What a row runs against: a port and a config file of its own. */
type Context = {port: number; file: string};

/** What must be as it was after a refused command line. */
type Effect = 'config' | 'listener';

type Mistake = {
	/** Added to the command's valid line. */
	add: (context: Context) => string[];
	/** What the one line must name: the flag(s) or the word. */
	names: string[];
	/** Flags of the valid line to leave out (the ones the mistake is about). */
	without?: string[];
};

type CommandCase = {
	/** The subcommand, or [] for the bare `portui`. */
	command: string[];
	/** A valid command line: its words, then its flags as [flag, value?]. */
	words: (context: Context) => string[];
	flags: (context: Context) => Array<[string, string?]>;
	/** A valid value for every value flag its --help names. */
	values: (context: Context) => Record<string, string>;
	/** The flags that may be given more than once. */
	repeatable?: string[];
	effect?: Effect;
	/** Mistakes no flag's help line implies: conflicts, extra words, the examples. */
	mistakes: Mistake[];
};

const ENV_FILE = 'srv/app/.env';
const ENV_PORT = '5000';

const commands: CommandCase[] = [
	{
		command: [],
		words: () => [],
		flags: () => [],
		values: () => ({'--interval': '1'}),
		mistakes: [
			{add: () => ['--tcp', '--udp'], names: ['--tcp', '--udp']},
			{add: () => ['--tcp', 'extra'], names: ['extra']},
		],
	},
	{
		command: ['list'],
		words: () => [],
		flags: () => [],
		values: ({port}) => ({'--port': String(port)}),
		mistakes: [
			{add: () => ['--tcp', '--udp'], names: ['--tcp', '--udp']},
			{add: () => ['--4', '--6'], names: ['--4', '--6']},
			{add: () => ['extra'], names: ['extra']},
			{add: () => ['--json', 'extra'], names: ['extra']},
			{add: () => ['--', '--json'], names: ['--json']},
			{add: ({port}) => ['--port', String(port), '--port', '80'], names: ['--port']},
		],
	},
	{
		command: ['who'],
		words: ({port}) => [String(port)],
		flags: () => [],
		values: () => ({}),
		mistakes: [{add: () => ['extra'], names: ['extra']}],
	},
	{
		command: ['scan'],
		words: () => ['127.0.0.1'],
		flags: () => [],
		values: ({port}) => ({
			'--ports': String(port),
			'--top': '5',
			'--timeout': '100',
			'--concurrency': '10',
			'--rate': '1000',
			'--retries': '0',
			'--exclude': '127.0.0.2',
		}),
		repeatable: ['--exclude'],
		mistakes: [
			{add: () => ['--udp', '--syn'], names: ['--udp', '--syn']},
			{add: ({port}) => ['-p', String(port), '--top', '5'], names: ['-p', '--top']},
			{add: () => ['--exclude', '--json'], names: ['--exclude']},
			{add: () => ['--exclude='], names: ['--exclude']},
		],
	},
	{
		command: ['kill'],
		words: ({port}) => [String(port)],
		flags: () => [['--yes']],
		values: () => ({'--signal': 'TERM', '--timeout': '1', '--confirm-pid': '1'}),
		repeatable: ['--confirm-pid'],
		effect: 'listener',
		mistakes: [
			{add: () => ['--force=1'], names: ['--force']},
			{add: () => ['--force=yes', '--timeout', '0'], names: ['--force']},
			{add: () => ['-y=1'], names: ['-y'], without: ['--yes']},
			{add: () => ['extra'], names: ['extra']},
		],
	},
	{
		command: ['move'],
		words: () => [ENV_PORT],
		flags: ({file}) => [['--to', '5005'], ['--config', file], ['--yes']],
		values: ({file}) => ({
			'--to': '5005',
			'--config': file,
			'--restart-cmd': 'true',
			'--check-cmd': 'true',
		}),
		effect: 'config',
		mistakes: [
			{add: () => ['--dry-run=yes'], names: ['--dry-run']},
			{add: () => ['--dry-run=1'], names: ['--dry-run']},
			{add: () => ['--dry-run=true', '--no-restart'], names: ['--dry-run']},
			{
				add: () => ['--no-restart', '--restart-cmd', 'true'],
				names: ['--no-restart', '--restart-cmd'],
			},
			{add: () => ['--to', '5006'], names: ['--to']},
			{add: () => ['extra'], names: ['extra']},
		],
	},
	{
		command: ['free'],
		words: ({port}) => [`${port}-${port + 2}`],
		flags: () => [],
		values: () => ({}),
		mistakes: [{add: () => ['extra'], names: ['extra']}],
	},
	{
		command: ['resolve'],
		words: ({port}) => [String(port)],
		flags: () => [],
		values: ({file}) => ({'--config': file, '--timeout': '1'}),
		repeatable: ['--config'],
		mistakes: [{add: () => ['extra'], names: ['extra']}],
	},
];

type HelpFlag = {long: string; short?: string; takesValue: boolean};

/** The flags a command's --help lists under "Options", as the built binary prints it. */
function helpFlags(command: string[]): HelpFlag[] {
	const help = runPortui([...command, '--help']);
	assert.equal(help.status, 0, `${command.join(' ')} --help: ${help.stderr}`);
	const lines = help.stdout.split('\n');
	const start = lines.findIndex((line) => line.trim() === 'Options');
	assert.ok(start >= 0, `${command.join(' ')} --help has an Options section`);
	const flags: HelpFlag[] = [];
	for (const line of lines.slice(start + 1)) {
		if (line.trim() === '') break;
		const match =
			/^\s+(-{1,2}[\w-]+)(?:, (-{1,2}[\w-]+))?(?: ([A-Z][\w|]*))?(?:\s{2,}|$)/.exec(line);
		if (!match) continue;
		const spellings = [match[1]!, match[2]].filter((name) => name !== undefined);
		const long = spellings.find((name) => name.startsWith('--'))!;
		const short = spellings.find((name) => !name.startsWith('--'));
		flags.push({long, ...(short ? {short} : {}), takesValue: match[3] !== undefined});
	}
	assert.ok(flags.length > 0, `${command.join(' ')} --help lists its flags`);
	return flags;
}

/** A spelling with its letters in the other case: `--JSON`, `-P`. */
function misCased(name: string): string {
	return name.replace(/[a-z]/g, (letter) => letter.toUpperCase());
}

/** One mistake per way a flag can be misused, for every flag the help names. */
function flagMistakes(spec: CommandCase, flag: HelpFlag, sample: Context): Mistake[] {
	const mistakes: Mistake[] = [];
	const without = [flag.long];
	const value = (context: Context): string[] =>
		flag.takesValue ? [spec.values(context)[flag.long]!] : [];
	const spellings = [flag.long, ...(flag.short ? [flag.short] : [])];
	if (flag.takesValue) {
		assert.ok(
			spec.values(sample)[flag.long] !== undefined,
			`a sample value for ${flag.long} in this test`,
		);
		for (const name of spellings)
			mistakes.push({add: () => [name], names: [name], without});
		mistakes.push({add: () => [`${flag.long}=`], names: [flag.long], without});
		if (!spec.repeatable?.includes(flag.long))
			mistakes.push({
				add: (context) => [
					spellings.at(-1)!,
					...value(context),
					flag.long,
					...value(context),
				],
				names: [flag.long],
				without,
			});
	} else {
		mistakes.push({add: () => [`${flag.long}=yes`], names: [flag.long], without});
		mistakes.push({
			add: () => [spellings.at(-1)!, flag.long],
			names: [flag.long],
			without,
		});
	}
	for (const name of spellings) {
		const cased = misCased(name);
		if (cased !== name)
			mistakes.push({
				add: (context) => [cased, ...value(context)],
				names: [cased],
				without,
			});
	}
	return mistakes;
}

function commandLine(spec: CommandCase, mistake: Mistake, context: Context): string[] {
	const flags = spec
		.flags(context)
		.filter(([name]) => !(mistake.without ?? []).includes(name))
		.flatMap(([name, value]) => (value === undefined ? [name] : [name, value]));
	return [...spec.command, ...spec.words(context), ...flags, ...mistake.add(context)];
}

const roots: string[] = [];
const listeners: ListenerChild[] = [];
after(async () => {
	for (const listener of listeners) await listener.stop();
	for (const root of roots) removeTree(root);
});

/** A context of the row's own: a fresh config, and for `kill` a fresh listener to spare. */
async function contextFor(spec: CommandCase): Promise<{
	context: Context;
	unchanged: () => Promise<void>;
}> {
	const root = copyFixture('env');
	roots.push(root);
	const file = path.join(root, ENV_FILE);
	// latin1: one character per byte, so a difference reads as text.
	const before = readFileSync(file, 'latin1');
	if (spec.effect === 'listener') {
		const listener = await startListenerChild();
		listeners.push(listener);
		return {
			context: {port: listener.port, file},
			unchanged: async () => {
				assert.equal(
					alive(listener.pid),
					true,
					`the listener (pid ${listener.pid}) still runs`,
				);
				assert.equal(await portIsFree(listener.port), false, 'its port is still held');
				await listener.stop();
			},
		};
	}
	return {
		context: {port: await unusedLowPort(), file},
		unchanged: async () => {
			if (spec.effect !== 'config') return;
			assert.equal(readFileSync(file, 'latin1'), before, 'the config is byte-identical');
			assert.deepEqual(
				readdirSync(path.dirname(file)).filter((name) => name.includes('.portui-')),
				[],
				'no backup was made',
			);
		},
	};
}

/**
 * runPortui, without blocking: the rows run two at a time, each on ports and
 * files of its own (a row is nearly all Node's start-up).
 */
async function portui(args: string[]): Promise<CliResult> {
	return new Promise((resolve) => {
		const child = execFile(
			process.execPath,
			[cliPath, ...args],
			{env: {...process.env, CI: 'true'}, timeout: 30_000, encoding: 'utf8'},
			(error, stdout, stderr) =>
				resolve({
					status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
					stdout,
					stderr,
				}),
		);
		child.stdin?.end();
	});
}

function assertRefused(result: CliResult, names: string[]): void {
	assert.equal(result.stdout, '', 'nothing on stdout');
	assert.match(result.stderr, /^portui: [^\n]+\n$/, 'one line on stderr');
	for (const name of names)
		assert.ok(result.stderr.includes(name), `the line names ${name}`);
	assert.equal(result.status, 2, 'exit 2');
}

for (const spec of commands) {
	const shown = ['portui', ...spec.command].join(' ');
	describe(
		`${shown}: a bad command line is one line naming the flag, exit 2, nothing done`,
		{concurrency: 2},
		() => {
			// The sample context only shapes the rows; each row runs in a context of its own.
			const sample: Context = {port: 8080, file: 'FILE'};
			const rows = [
				...helpFlags(spec.command).flatMap((flag) => flagMistakes(spec, flag, sample)),
				...spec.mistakes,
			];
			for (const mistake of rows) {
				const label = ['portui', ...commandLine(spec, mistake, sample)].join(' ');
				test(label, async () => {
					const {context, unchanged} = await contextFor(spec);
					const args = commandLine(spec, mistake, context);
					const result = await portui(args);
					try {
						assertRefused(result, mistake.names);
					} finally {
						await unchanged();
					}
				});
			}
		},
	);
}

type Accepted = {
	args: (context: Context) => string[];
	status: number;
	/** What stdout or stderr shows, to tell the command's own answer from a refusal. */
	stdout?: RegExp;
	stderr?: RegExp;
};

/**
 * Every flag and short flag the README and the help texts name, `--NAME=VALUE`,
 * `--no-restart`, `-y`, `--` and the repeatable flags, each in a line that
 * does its ordinary work (on ports and files nothing else uses).
 */
const accepted: Accepted[] = [
	{args: () => ['--interval', '0.5', '--udp'], status: 0, stdout: /^PROTO +ADDRESS/},
	{args: () => ['--tcp', '--interval=2'], status: 0, stdout: /^PROTO +ADDRESS/},
	{
		args: ({port}) => ['list', '--json', '--tcp', '--4', '--port', String(port)],
		status: 0,
		stdout: /^\[\n?\]\n$/,
	},
	{
		args: ({port}) => ['list', '--udp', '--json', '--6', `--port=${port}`],
		status: 0,
		stdout: /^\[\n?\]\n$/,
	},
	{
		args: ({port}) => ['who', '--json', '--', String(port)],
		status: 1,
		stdout: /"listeners": \[\]/,
	},
	{
		args: ({port}) => [
			'scan',
			'127.0.0.1',
			'-p',
			String(port),
			'--timeout',
			'500',
			'--concurrency',
			'10',
			'--rate',
			'1000',
			'--retries',
			'0',
			'--banner',
			'--exclude',
			'10.0.0.1',
			'--exclude=10.0.0.2',
			'--all',
			'--json',
			'--yes',
		],
		status: 0,
		stdout: /"closed"/,
	},
	{
		args: ({port}) => [
			'scan',
			'--ports',
			String(port),
			'--udp',
			'--json',
			'--',
			'127.0.0.1',
		],
		status: 0,
	},
	{
		args: ({port}) => ['scan', '127.0.0.1', `-p${port}`],
		status: 0,
		stdout: /Scanned 1 host/,
	},
	{args: () => ['scan', '127.0.0.1', '--top', '3'], status: 0, stdout: /Scanned 1 host/},
	{
		args: ({port}) => [
			'kill',
			`${port}/udp`,
			'-y',
			'--confirm-pid',
			'1',
			'--confirm-pid',
			'2',
			'--signal',
			'INT',
			'--timeout',
			'1',
			'--force',
			'--disable',
			'--json',
		],
		status: 1,
		stdout: /"inUse":false/,
	},
	{
		args: ({file}) => [
			'move',
			ENV_PORT,
			'--to',
			'5005',
			'--config',
			file,
			'--dry-run',
			'-y',
			'--no-restart',
			'--check-cmd',
			'true',
			'--json',
		],
		status: 0,
		stdout: /"dryRun":true/,
	},
	{
		args: ({file}) => [
			'move',
			ENV_PORT,
			'--to=auto',
			`--config=${file}`,
			'--dry-run',
			'--yes',
			'--restart-cmd',
			'true',
		],
		status: 0,
		stdout: /^\+PORT=/m,
	},
	{
		args: ({port}) => ['free', `${port}-${port + 2}`, '--json'],
		status: 0,
		stdout: /"port":/,
	},
	{
		args: ({port, file}) => [
			'resolve',
			String(port),
			'--config',
			file,
			'--config',
			file,
			'--timeout',
			'1',
		],
		status: 2,
		stderr: /^portui: resolve needs a terminal/,
	},
];

describe(
	'what the README and the help texts name stays accepted',
	{concurrency: 2},
	() => {
		for (const row of accepted) {
			const label = ['portui', ...row.args({port: 8080, file: 'FILE'})].join(' ');
			test(label, async () => {
				const root = copyFixture('env');
				roots.push(root);
				const file = path.join(root, ENV_FILE);
				const before = readFileSync(file);
				const result = await portui(row.args({port: await unusedLowPort(), file}));
				assert.equal(result.status, row.status, result.stderr);
				if (row.stdout) assert.match(result.stdout, row.stdout);
				if (row.stderr) assert.match(result.stderr, row.stderr);
				assert.deepEqual(readFileSync(file), before, 'a dry run changes nothing');
			});
		}
	},
);
