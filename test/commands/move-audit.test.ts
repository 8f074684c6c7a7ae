// Runs the built binary: `move` and `kill` log every change to the audit log,
// begun before and finished after, open that log safely, say so when they
// cannot, and a signal in the middle of a change ends it cleanly (issue 9,
// finding 7).
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {
	chmodSync,
	chownSync,
	existsSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {cliPath, runPortui} from '../helpers/run-portui.js';
import {cleanupListeners, startListener} from '../helpers/terminate-fixtures.js';

const dirs: string[] = [];
after(() => {
	cleanupListeners();
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

const from = 47321;
const to = 47322;
const original = `# app\nPORT=${from}\nNAME=app\n`;
const moved = original.replace(String(from), String(to));
const nobody = 65534;
const isRoot = process.getuid?.() === 0;

type Setup = {dir: string; file: string; state: string; log: string};

function setup(): Setup {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-audit-'));
	dirs.push(dir);
	const file = path.join(dir, '.env');
	writeFileSync(file, original);
	const state = path.join(dir, 'state');
	return {dir, file, state, log: path.join(state, 'portui', 'actions.log')};
}

type Entry = Record<string, unknown> & {
	phase?: string;
	run?: string;
	files?: Array<{path: string; backup: string}>;
};

function entries(log: string): Entry[] {
	if (!existsSync(log)) return [];
	return readFileSync(log, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line) as Entry);
}

const moveArgs = (file: string, ...extra: string[]) => [
	'move',
	String(from),
	'--to',
	String(to),
	'--config',
	file,
	'--yes',
	...extra,
];

/** A shell command that says it started, then waits until the test lets it go. */
function gate(dir: string, name: string, exitCode = 0): string {
	const started = path.join(dir, `${name}.started`);
	const release = path.join(dir, `${name}.release`);
	return `touch ${started}; while [ ! -e ${release} ]; do sleep 0.05; done; exit ${exitCode}`;
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
	for (let attempt = 0; attempt < 400; attempt++) {
		if (check()) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error(`${what} never happened`);
}

/**
 * Starts `portui ARGS`, waits until the gated step `name` runs, sends `signal`
 * to portui alone, then lets the step finish.
 */
async function interrupt(
	args: string[],
	options: {dir: string; state: string; name: string; signal: NodeJS.Signals},
): Promise<{code: number | null; signal: string | null; stdout: string; stderr: string}> {
	const child = spawn(process.execPath, [cliPath, ...args], {
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {...process.env, CI: 'true', XDG_STATE_HOME: options.state},
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const closed = once(child, 'close') as Promise<[number | null, string | null]>;
	try {
		const started = path.join(options.dir, `${options.name}.started`);
		await waitUntil(() => existsSync(started), `the ${options.name}`);
		child.kill(options.signal);
		// The step is let go once portui says it got the signal (or has died of it).
		await waitUntil(
			() =>
				stderr.includes(`${options.signal} received`) ||
				child.exitCode !== null ||
				child.signalCode !== null,
			`portui's answer to ${options.signal}`,
		);
		writeFileSync(path.join(options.dir, `${options.name}.release`), '');
		const [code, signal] = await closed;
		return {code, signal, stdout, stderr};
	} finally {
		writeFileSync(path.join(options.dir, `${options.name}.release`), '');
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	}
}

const signalNumbers: Record<string, number> = {SIGHUP: 1, SIGINT: 2, SIGTERM: 15};

describe('portui move: begun and finished entries', () => {
	test('a change: "begun" with the backup before it, "finished" after, one run', () => {
		const {file, state, log} = setup();
		const result = runPortui(moveArgs(file, '--no-restart', '--json'), {
			env: {XDG_STATE_HOME: state},
		});
		assert.equal(result.status, 0, result.stderr);
		const output = JSON.parse(result.stdout) as {
			files: Array<{path: string; backup: string}>;
			auditLog: string | null;
			auditLogWarning?: string | null;
		};
		assert.equal(output.auditLog, log);
		assert.equal(output.auditLogWarning ?? null, null);
		const [begun, finished, ...rest] = entries(log);
		assert.deepEqual(rest, []);
		assert.equal(begun?.phase, 'begun');
		assert.equal(begun.action, 'move');
		assert.deepEqual(begun.files, output.files);
		assert.equal(finished?.phase, 'finished');
		assert.equal(finished.run, begun.run);
		assert.equal(finished.outcome, 'done');
		assert.equal(finished.rolledBack, false);
		assert.deepEqual(finished.files, output.files);
		assert.equal(readFileSync(output.files[0]!.backup, 'utf8'), original);
		assert.equal(lstatSync(log).mode & 0o777, 0o600);
		assert.equal(lstatSync(path.dirname(log)).mode & 0o777, 0o700);
	});

	test('a failing check: "finished" says rolled back', () => {
		const {file, state, log} = setup();
		const result = runPortui(moveArgs(file, '--no-restart', '--check-cmd', 'exit 1'), {
			env: {XDG_STATE_HOME: state},
		});
		assert.equal(result.status, 1);
		const [begun, finished] = entries(log);
		assert.equal(begun?.phase, 'begun');
		assert.equal(finished?.phase, 'finished');
		assert.equal(finished.outcome, 'rolled-back');
		assert.equal(finished.rolledBack, true);
		assert.equal(readFileSync(file, 'utf8'), original);
	});
});

describe('portui move: a signal during a change', () => {
	for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
		test(`${signal} during --restart-cmd: the restart finishes, logged as interrupted, backup printed`, async () => {
			const {dir, file, state, log} = setup();
			const result = await interrupt(
				moveArgs(file, '--check-cmd', 'true', '--restart-cmd', gate(dir, 'restart')),
				{dir, state, name: 'restart', signal},
			);
			assert.equal(result.signal, null, `portui died of ${result.signal}`);
			assert.equal(result.code, 128 + signalNumbers[signal]!, result.stderr);
			const backup = /^backup: (.+)$/m.exec(result.stdout)?.[1];
			assert.ok(backup, `no backup printed: ${result.stdout}`);
			assert.equal(readFileSync(backup, 'utf8'), original);
			assert.equal(readFileSync(file, 'utf8'), moved);
			assert.match(
				result.stderr,
				new RegExp(`^portui: interrupted by ${signal} during the restart`, 'm'),
			);
			const [begun, finished, ...rest] = entries(log);
			assert.deepEqual(rest, []);
			assert.equal(begun?.phase, 'begun');
			assert.equal(finished?.phase, 'finished');
			assert.equal(finished.outcome, 'interrupted');
			assert.deepEqual(finished.interrupted, {signal, step: 'restart'});
			assert.equal((finished.restart as {ok?: boolean} | undefined)?.ok, true);
			assert.deepEqual(finished.files, [{path: file, backup}]);
		});
	}

	test('SIGTERM during a check that passes: kept, not restarted, logged as interrupted', async () => {
		const {dir, file, state, log} = setup();
		const restarted = path.join(dir, 'restarted');
		const result = await interrupt(
			moveArgs(
				file,
				'--check-cmd',
				gate(dir, 'check'),
				'--restart-cmd',
				`touch ${restarted}`,
			),
			{dir, state, name: 'check', signal: 'SIGTERM'},
		);
		assert.equal(result.signal, null, `portui died of ${result.signal}`);
		assert.equal(result.code, 143, result.stderr);
		assert.equal(readFileSync(file, 'utf8'), moved);
		assert.equal(existsSync(restarted), false, 'restarted after the signal');
		const backup = /^backup: (.+)$/m.exec(result.stdout)?.[1];
		assert.ok(backup, `no backup printed: ${result.stdout}`);
		const finished = entries(log).at(-1);
		assert.equal(finished?.phase, 'finished');
		assert.equal(finished.outcome, 'interrupted');
		assert.deepEqual(finished.interrupted, {signal: 'SIGTERM', step: 'check'});
		assert.deepEqual(finished.files, [{path: file, backup}]);
	});

	test('SIGHUP during a check that fails: rolled back as without the signal, logged', async () => {
		const {dir, file, state, log} = setup();
		const result = await interrupt(moveArgs(file, '--check-cmd', gate(dir, 'check', 1)), {
			dir,
			state,
			name: 'check',
			signal: 'SIGHUP',
		});
		assert.equal(result.signal, null, `portui died of ${result.signal}`);
		assert.equal(result.code, 129, result.stderr);
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.doesNotMatch(result.stdout, /^backup:/m);
		const finished = entries(log).at(-1);
		assert.equal(finished?.phase, 'finished');
		assert.equal(finished.rolledBack, true);
		assert.deepEqual(finished.interrupted, {signal: 'SIGHUP', step: 'check'});
	});
});

/** The run succeeded, nothing was logged, and one warning line says why. */
function assertWarned(
	result: {status: number | null; stdout: string; stderr: string},
	reason: RegExp,
): void {
	assert.equal(result.status, 0, result.stderr);
	const warnings = result.stderr.split('\n').filter((line) => line.includes('audit log'));
	assert.equal(warnings.length, 1, result.stderr);
	assert.match(warnings[0]!, /^portui: warning: cannot write the audit log /);
	assert.match(warnings[0]!, reason);
	const output = JSON.parse(result.stdout) as {
		auditLog: string | null;
		auditLogWarning?: string;
	};
	assert.equal(output.auditLog, null);
	assert.match(output.auditLogWarning ?? '', reason);
}

describe('portui move: a log it must not write', () => {
	test('actions.log a symlink to a root file: the file stays untouched, warned', () => {
		const {dir, file, state, log} = setup();
		const precious = path.join(dir, 'precious');
		writeFileSync(precious, 'root only\n', {mode: 0o600});
		mkdirSync(path.dirname(log), {recursive: true, mode: 0o700});
		symlinkSync(precious, log);
		const result = runPortui(moveArgs(file, '--no-restart', '--json'), {
			env: {XDG_STATE_HOME: state},
		});
		assert.equal(readFileSync(precious, 'utf8'), 'root only\n');
		assertWarned(result, /symlink/);
		assert.equal(readFileSync(file, 'utf8'), moved);
	});

	test('actions.log owned by another user: untouched, warned', (t) => {
		if (!isRoot) {
			t.skip('needs root to give the log to nobody');
			return;
		}
		const {file, state, log} = setup();
		mkdirSync(path.dirname(log), {recursive: true, mode: 0o700});
		writeFileSync(log, 'planted\n', {mode: 0o666});
		chownSync(log, nobody, nobody);
		const result = runPortui(moveArgs(file, '--no-restart', '--json'), {
			env: {XDG_STATE_HOME: state},
		});
		assert.equal(readFileSync(log, 'utf8'), 'planted\n');
		assertWarned(result, /owned by uid 65534/);
	});

	test('the log directory owned by another user: nothing written into it, warned', (t) => {
		if (!isRoot) {
			t.skip('needs root to give the directory to nobody');
			return;
		}
		const {file, state, log} = setup();
		mkdirSync(path.dirname(log), {recursive: true});
		chownSync(path.dirname(log), nobody, nobody);
		chmodSync(path.dirname(log), 0o777);
		const result = runPortui(moveArgs(file, '--no-restart', '--json'), {
			env: {XDG_STATE_HOME: state},
		});
		assert.equal(existsSync(log), false, 'written into a directory nobody owns');
		assertWarned(result, /owned by uid 65534/);
	});

	test('the log directory a symlink: nothing written through it, warned', () => {
		const {dir, file, state, log} = setup();
		const elsewhere = path.join(dir, 'elsewhere');
		mkdirSync(elsewhere, {mode: 0o700});
		mkdirSync(state, {mode: 0o700});
		symlinkSync(elsewhere, path.dirname(log));
		const result = runPortui(moveArgs(file, '--no-restart', '--json'), {
			env: {XDG_STATE_HOME: state},
		});
		assert.equal(
			existsSync(path.join(elsewhere, 'actions.log')),
			false,
			'written through',
		);
		assertWarned(result, /symlink/);
	});

	test('a read-only state directory (as root without CAP_DAC_OVERRIDE): warned, the move done', (t) => {
		if (!isRoot) {
			t.skip('runs as root with one capability dropped');
			return;
		}
		const {file, state, log} = setup();
		mkdirSync(state, {mode: 0o555});
		const result = runPortui(moveArgs(file, '--no-restart', '--json'), {
			withoutDacOverride: true,
			env: {XDG_STATE_HOME: state},
		});
		assertWarned(result, /permission denied/);
		assert.equal(existsSync(log), false);
		assert.equal(readFileSync(file, 'utf8'), moved);
	});
});

describe('portui kill: the same log rules', () => {
	test('actions.log a symlink to a root file: the port is freed, the file untouched, warned', async () => {
		const {dir, state, log} = setup();
		const precious = path.join(dir, 'precious');
		writeFileSync(precious, 'root only\n', {mode: 0o600});
		mkdirSync(path.dirname(log), {recursive: true, mode: 0o700});
		symlinkSync(precious, log);
		const server = await startListener('plain');
		const child = spawn(
			process.execPath,
			[cliPath, 'kill', String(server.port), '--yes', '--json'],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
				env: {...process.env, CI: 'true', XDG_STATE_HOME: state},
			},
		);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const [code] = (await once(child, 'close')) as [number | null];
		assert.equal(code, 0, stderr);
		assert.equal(await server.exited, 'SIGTERM');
		assert.equal(readFileSync(precious, 'utf8'), 'root only\n');
		const warnings = stderr.split('\n').filter((line) => line.includes('audit log'));
		assert.equal(warnings.length, 1, stderr);
		assert.match(warnings[0]!, /^portui: warning: cannot write the audit log .*symlink/);
		const output = JSON.parse(stdout) as {free: boolean; auditLogWarning?: string};
		assert.equal(output.free, true);
		assert.match(output.auditLogWarning ?? '', /symlink/);
	});
});
