import assert from 'node:assert/strict';
import {test} from 'node:test';
import meow from 'meow';
import {parseCommand, type AnyFlags} from '../../source/commands/flags.js';
import {UsageError} from '../../source/core/errors.js';

const flags = {
	json: {type: 'boolean'},
	yes: {type: 'boolean', shortFlag: 'y'},
	restart: {type: 'boolean'},
	ports: {type: 'string', shortFlag: 'p'},
	restartCmd: {type: 'string'},
	exclude: {type: 'string', isMultiple: true},
} satisfies AnyFlags;

/** What meow itself makes of a command line, with the options parseCommand gives it. */
function byMeow(argv: string[]) {
	const cli = meow('help', {
		importMeta: import.meta,
		argv,
		flags,
		allowUnknownFlags: true,
		booleanDefault: undefined,
	});
	const set = Object.fromEntries(
		Object.entries(cli.flags).filter(([, value]) => value !== undefined),
	);
	return {flags: set, input: cli.input};
}

test('the quick parse of everyday command lines gives what meow gives', async () => {
	for (const argv of [
		[],
		['10.0.0.1', '--json'],
		['10.0.0.1', '-p', '22,80', '--exclude', '10.0.0.5', '--exclude', '10.0.0.6'],
		['80', '--restart-cmd', 'nginx -s reload', '-y', '--no-restart'],
		['--ports=1-1024', 'host', '--', '--json'],
		['-y', 'a', 'b'],
	]) {
		const parsed = await parseCommand({name: 'test', help: 'help', flags, argv});
		const set = Object.fromEntries(
			Object.entries(parsed.flags).filter(([, value]) => value !== undefined),
		);
		assert.deepEqual({flags: set, input: parsed.input}, byMeow(argv), argv.join(' '));
	}
});

test('mistakes are still found: unknown flags and value flags without a value', async () => {
	const parse = async (argv: string[]) =>
		parseCommand({name: 'test', help: 'help', flags, argv});
	await assert.rejects(parse(['--jsn']), (error: unknown) => {
		assert.ok(error instanceof UsageError);
		assert.equal(error.message, 'unknown flag --jsn (see portui test --help)');
		return true;
	});
	await assert.rejects(parse(['-x']), /unknown flag -x/);
	await assert.rejects(parse(['-p']), /--ports needs a value/);
	await assert.rejects(parse(['--restart-cmd=']), /--restart-cmd needs a value/);
	// What util.parseArgs refuses goes to meow, which accepts it as before.
	assert.deepEqual((await parse(['-p', '-'])).flags.ports, '-');
	assert.equal((await parse(['--json=false'])).flags.json, false);
});
