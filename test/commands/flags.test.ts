import assert from 'node:assert/strict';
import {test} from 'node:test';
import {freeCommand} from '../../source/commands/free.js';
import {
	flagSpellings,
	parseCommandLine,
	parsePort,
	parsePortArgument,
	type CommandTable,
} from '../../source/commands/flags.js';
import {killCommand} from '../../source/commands/kill.js';
import {listCommand} from '../../source/commands/list.js';
import {moveCommand} from '../../source/commands/move.js';
import {resolveCommand} from '../../source/commands/resolve.js';
import {scanCommand} from '../../source/commands/scan.js';
import {uiCommand} from '../../source/commands/ui.js';
import {whoCommand} from '../../source/commands/who.js';
import {PortSpecError, UsageError} from '../../source/core/errors.js';

const table = {
	name: 'test',
	help: 'help',
	flags: {
		json: {type: 'boolean'},
		yes: {type: 'boolean', short: 'y'},
		restart: {type: 'boolean', negatable: true},
		ports: {type: 'string', short: 'p'},
		restartCmd: {type: 'string'},
		exclude: {type: 'string', multiple: true},
		4: {type: 'boolean'},
		6: {type: 'boolean'},
	},
	words: {name: 'HOST', min: 0, max: 2},
	conflicts: [
		{flags: ['--no-restart', '--restart-cmd'], why: 'contradict each other'},
		{flags: ['--4', '--6'], why: 'each keep one family'},
	],
	requires: [{flag: '--exclude', needs: '--ports', why: 'needs --ports'}],
} as const satisfies CommandTable;

function parse(argv: string[]) {
	const line = parseCommandLine(table, argv);
	assert.equal(line.show, undefined, argv.join(' '));
	return line as Exclude<typeof line, {show: 'help' | 'version'}>;
}

test('every spelling the tables promise: --NAME VALUE, --NAME=VALUE, -pVALUE, -y, --no-NAME, --, repeats', () => {
	assert.deepEqual(parse([]), {flags: {exclude: []}, input: []});
	assert.deepEqual(
		parse(['a', '-p', '22,80', '--exclude', 'x', '--exclude=y', '-y', '--no-restart']),
		{
			flags: {ports: '22,80', exclude: ['x', 'y'], yes: true, restart: false},
			input: ['a'],
		},
	);
	assert.deepEqual(parse(['--ports=1-1024', 'host', '--', '--json']), {
		flags: {ports: '1-1024', exclude: []},
		input: ['host', '--json'],
	});
	// nmap's spellings: every port, and a range from 1, attached to -p.
	assert.equal(parse(['-p', '-']).flags.ports, '-');
	assert.equal(parse(['-p-1024']).flags.ports, '-1024');
	assert.equal(parse(['--ports=-1024']).flags.ports, '-1024');
	assert.equal(
		parse(['--restart', '--restart-cmd', 'nginx -s reload']).flags.restart,
		true,
	);
	assert.equal(parse(['--4', '-']).input[0], '-');
});

test('--help, -h and --version win over everything else before --', () => {
	assert.deepEqual(parseCommandLine(table, ['--bogus', '--help']), {show: 'help'});
	assert.deepEqual(parseCommandLine(table, ['-h']), {show: 'help'});
	assert.deepEqual(parseCommandLine(table, ['--json', '--version']), {show: 'version'});
	assert.deepEqual(parse(['--', '--help']).input, ['--help']);
});

test('each mistake is a UsageError naming the flag or the word', () => {
	const cases: Array<[string[], string]> = [
		[['--jsn'], 'unknown flag --jsn'],
		[['--JSON'], 'unknown flag --JSON: did you mean --json?'],
		[['-Y'], 'unknown flag -Y: did you mean -y?'],
		[['-x'], 'unknown flag -x'],
		[['-5'], 'unknown flag -5'],
		[['--no-json'], 'unknown flag --no-json'],
		[['--bogus=1'], 'unknown flag --bogus'],
		[['--json=false'], '--json takes no value, got "--json=false"'],
		[['--no-restart=yes'], '--no-restart takes no value, got "--no-restart=yes"'],
		[['-y1'], '-y takes no value, got "-y1"'],
		[['-p'], '-p needs a value'],
		[['--restart-cmd='], '--restart-cmd needs a value'],
		[['--restart-cmd', ''], '--restart-cmd needs a value'],
		[
			['--ports', '--json'],
			'--ports needs a value before --json; a value that starts with - is written --ports=VALUE',
		],
		[
			['--ports', '--'],
			'--ports needs a value before --; a value that starts with - is written --ports=VALUE',
		],
		[['--json', '--json'], '--json is given twice'],
		[['-p', '1', '--ports', '2'], '-p and --ports are one flag, given twice'],
		[
			['--restart', '--no-restart'],
			'--restart and --no-restart are one flag, given twice',
		],
		[['a', 'b', 'c'], 'unexpected argument "c": portui test takes at most 2 HOST'],
		[
			['--no-restart', '--restart-cmd', 'x'],
			'--no-restart and --restart-cmd contradict each other',
		],
		[['--6', '--4'], '--4 and --6 each keep one family'],
		[['--exclude', 'x'], '--exclude needs --ports'],
		[['--\u001b[2J'], 'unknown flag --\\x1b[2J'],
	];
	for (const [argv, message] of cases) {
		assert.throws(
			() => parseCommandLine(table, argv),
			(error: unknown) => {
				assert.ok(error instanceof UsageError, argv.join(' '));
				assert.equal(
					error.message,
					`${message} (see portui test --help)`,
					argv.join(' '),
				);
				return true;
			},
		);
	}
});

test('too few and too many words, as each command says them', () => {
	assert.throws(
		() => parseCommandLine(whoCommand, []),
		/^UsageError: who needs a PORT \(see portui who --help\)$/,
	);
	assert.throws(
		() => parseCommandLine(scanCommand, ['--json']),
		/^UsageError: scan needs a target, e\.g\. portui scan 127\.0\.0\.1/,
	);
	assert.throws(
		() => parseCommandLine(listCommand, ['extra']),
		/^UsageError: unexpected argument "extra": portui list takes no arguments/,
	);
	assert.throws(
		() => parseCommandLine(freeCommand, ['1', '2']),
		/^UsageError: unexpected argument "2": portui free takes one RANGE/,
	);
	assert.deepEqual(parse(['a', 'b']).input, ['a', 'b']);
	assert.equal(parseCommandLine(scanCommand, ['a', 'b', 'c', 'd']).show, undefined);
});

const commands: CommandTable[] = [
	uiCommand,
	listCommand,
	whoCommand,
	scanCommand,
	killCommand,
	moveCommand,
	freeCommand,
	resolveCommand,
];

test('every table matches its help text, and its rules name its own flags', () => {
	for (const command of commands) {
		const name = command.name || 'portui';
		const spellings = flagSpellings(command);
		const options = command.help.slice(command.help.indexOf('Options'));
		const documented = new Set(
			[
				...options.split(/\n\s*\n/)[0]!.matchAll(/^\s+(-[\w-]+)(?:, (-[\w-]+))?/gm),
			].flatMap((match) => [match[1]!, ...(match[2] ? [match[2]] : [])]),
		);
		for (const flag of documented)
			assert.ok(spellings.includes(flag), `${name}: the help's ${flag} is in the table`);
		for (const flag of spellings) {
			// A negatable switch's positive spelling is its default, not worth a help line.
			const negatedToo = spellings.includes(flag.replace(/^--/, '--no-'));
			assert.ok(
				documented.has(flag) || negatedToo,
				`${name}: the table's ${flag} is in the help`,
			);
		}
		for (const rule of [
			...(command.conflicts ?? []).flatMap((conflict) => conflict.flags),
			...(command.requires ?? []).flatMap((rule) => [rule.flag, rule.needs]),
		])
			assert.ok(spellings.includes(rule), `${name}: its rules name its flag ${rule}`);
	}
});

test('the one single-port parser, with the scan port lists\u2019 messages', () => {
	assert.equal(parsePort('8080'), 8080);
	assert.equal(parsePort('65535'), 65535);
	const refused: Array<[() => unknown, string]> = [
		[() => parsePort('0'), 'bad port "0": 0 is out of range 1-65535'],
		[() => parsePort('70000'), 'bad port "70000": 70000 is out of range 1-65535'],
		[() => parsePort('http'), 'bad port "http": expected a number 1-65535'],
		[() => parsePort(' 80'), 'bad port " 80": expected a number 1-65535'],
		[() => parsePort(''), 'bad port "": expected a number 1-65535'],
		[
			() => parsePort('1e3', {what: '--port'}),
			'bad --port "1e3": expected a number 1-65535',
		],
		[
			() => parsePortArgument('53/icmp'),
			'bad port "53/icmp": expected a number like 8080 or 53/udp',
		],
		[() => parsePortArgument('0/udp'), 'bad port "0/udp": 0 is out of range 1-65535'],
	];
	for (const [run, message] of refused) {
		assert.throws(run, (error: unknown) => {
			assert.ok(error instanceof PortSpecError);
			assert.equal(error.message, message);
			return true;
		});
	}
	assert.deepEqual(parsePortArgument('8080'), {port: 8080});
	assert.deepEqual(parsePortArgument('53/UDP'), {port: 53, protocols: ['udp']});
	assert.deepEqual(parsePortArgument('80/tcp'), {port: 80, protocols: ['tcp']});
});
