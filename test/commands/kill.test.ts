// Runs the built binary (npm run build first): `portui kill` against real listeners.
import {nobodyCliPath} from '../helpers/nobody-cli.js';
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createServer, connect, type Server} from 'node:net';
import {once} from 'node:events';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	alive,
	cleanupListeners,
	startListener,
	waitGone,
	type Fixture,
} from '../helpers/terminate-fixtures.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
let state: string;
let bystander: Fixture;

type Run = {code: number | null; stdout: string; stderr: string};

/** Runs `node dist/cli.js ARGS` with stdin not a terminal (a pipe closed at once). */
async function portui(args: string[]): Promise<Run> {
	const child = spawn(process.execPath, [cli, ...args], {
		stdio: ['pipe', 'pipe', 'pipe'],
		env: {...process.env, XDG_STATE_HOME: state, CI: 'true'},
	});
	child.stdin.end();
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
	const [code] = (await once(child, 'close')) as [number | null];
	return {code, stdout, stderr};
}

function auditLines(): Array<Record<string, unknown>> {
	const file = join(state, 'portui', 'actions.log');
	if (!existsSync(file)) return [];
	return readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line) as Record<string, unknown>);
}

before(async () => {
	assert.ok(existsSync(cli), 'dist/cli.js is missing: run npm run build first');
	state = mkdtempSync(join(tmpdir(), 'portui-kill-'));
	bystander = await startListener('plain');
});

after(() => {
	cleanupListeners();
	rmSync(state, {recursive: true, force: true});
});

test('refuses without --yes when stdin is not a terminal, and signals nothing', async () => {
	const server = await startListener('plain');
	const run = await portui(['kill', String(server.port)]);
	assert.equal(run.code, 2);
	assert.equal(run.stdout, '');
	assert.equal(run.stderr.trim().split('\n').length, 1);
	assert.match(run.stderr, /^portui: refusing .* without --yes/);
	assert.equal(alive(server.pids[0]!), true);
});

test('bad port, signal, timeout or flags: one line, exit 2', async () => {
	for (const args of [
		['kill'],
		['kill', 'http'],
		['kill', '0', '--yes'],
		['kill', '70000', '--yes'],
		['kill', '8080', '--yes', '--signal', 'NOPE'],
		['kill', '8080', '--yes', '--timeout', 'soon'],
		['kill', '8080', '--yes', '--timeout', '-1'],
		['kill', '8080', '--yes', '--bogus'],
		['kill', '8080', '--confirm-pid', '1'],
		['kill', '80', '81', '--yes'],
	]) {
		const run = await portui(args);
		assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
		assert.equal(run.stderr.trim().split('\n').length, 1, args.join(' '));
		assert.match(run.stderr, /^portui: /);
	}
});

test('a port nobody listens on: says so, exit 1', async () => {
	const probe = createServer();
	probe.listen(0, '127.0.0.1');
	await once(probe, 'listening');
	const port = (probe.address() as {port: number}).port;
	probe.close();
	await once(probe, 'close');
	const run = await portui(['kill', String(port), '--yes']);
	assert.equal(run.code, 1);
	assert.match(run.stdout, new RegExp(`nothing is listening on port ${port}`));
});

test('--yes --json stops a plain server: exit 0, port free, action logged, bystander untouched', async () => {
	const server = await startListener('plain');
	const run = await portui(['kill', String(server.port), '--yes', '--json']);
	assert.equal(run.code, 0, run.stderr);
	const report = JSON.parse(run.stdout) as {
		port: number;
		free: boolean;
		actions: Array<{action: string; outcome: string; pid: number; signal: string}>;
		targets: Array<{kind: string; processes: Array<{pid: number}>}>;
	};
	assert.equal(report.port, server.port);
	assert.equal(report.free, true);
	assert.deepEqual(report.targets[0]!.processes[0]!.pid, server.pids[0]);
	assert.deepEqual(
		report.actions.map(({action, outcome, pid, signal}) => ({
			action,
			outcome,
			pid,
			signal,
		})),
		[{action: 'signal', outcome: 'done', pid: server.pids[0], signal: 'SIGTERM'}],
	);
	assert.equal(await server.exited, 'SIGTERM');
	assert.equal(alive(bystander.pids[0]!), true);
	const logged = auditLines().filter((line) => line.port === server.port);
	assert.equal(logged.length, 1);
	assert.equal(logged[0]!.outcome, 'done');
	assert.deepEqual(logged[0]!.pids, server.pids);
});

test('a server ignoring SIGTERM: exit 1 without --force, SIGKILL and exit 0 with it', async () => {
	const server = await startListener('ignore-term');
	const gentle = await portui(['kill', String(server.port), '--yes', '--timeout', '1']);
	assert.equal(gentle.code, 1);
	assert.match(gentle.stdout, /not sending SIGKILL \(use --force\)/);
	assert.match(
		gentle.stdout,
		new RegExp(`port ${server.port} is still in use by ${server.pids[0]}`),
	);
	assert.equal(alive(server.pids[0]!), true);

	const forced = await portui([
		'kill',
		String(server.port),
		'--yes',
		'--timeout',
		'1',
		'--force',
	]);
	assert.equal(forced.code, 0, forced.stdout + forced.stderr);
	assert.match(forced.stdout, /sent SIGKILL/);
	assert.equal(await server.exited, 'SIGKILL');
	assert.equal(alive(bystander.pids[0]!), true);
});

test('a parent and its forked worker sharing the socket both go; its other child stays', async () => {
	const server = await startListener('with-child');
	const run = await portui(['kill', String(server.port), '--yes']);
	assert.equal(run.code, 0, run.stdout + run.stderr);
	assert.deepEqual(await waitGone(server.pids), []);
	assert.equal(alive(server.sleeper!), true);
	assert.equal(alive(bystander.pids[0]!), true);
});

async function listenHere(): Promise<{server: Server; port: number}> {
	const server = createServer((socket) => socket.end('still here\n'));
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {server, port: (server.address() as {port: number}).port};
}

async function answers(port: number): Promise<string> {
	const socket = connect(port, '127.0.0.1');
	let text = '';
	socket.on('data', (chunk: Buffer) => (text += chunk));
	await once(socket, 'end');
	socket.destroy();
	return text;
}

test('refuses to signal its own ancestor (this test process) without --confirm-pid', async () => {
	const {server, port} = await listenHere();
	try {
		const plain = await portui(['kill', String(port), '--yes']);
		assert.equal(plain.code, 1);
		assert.match(plain.stdout, /serves this terminal session/);
		assert.match(plain.stdout, new RegExp(`confirm with --confirm-pid ${process.pid}`));
		assert.match(plain.stdout, /nothing was signalled/);

		const wrong = await portui([
			'kill',
			String(port),
			'--yes',
			'--confirm-pid',
			String(process.pid + 1),
		]);
		assert.equal(wrong.code, 1);
		assert.match(wrong.stdout, /nothing was signalled/);

		// Still alive and still serving: we are running, and the port answers.
		assert.equal(await answers(port), 'still here\n');
	} finally {
		server.close();
	}
});

test('without root, a port held by another user is "needs root", exit 1, nothing signalled', async (t) => {
	if (process.getuid?.() !== 0) {
		t.skip('needs root to switch to nobody');
		return;
	}
	const server = await startListener('plain');
	const child = spawn(
		'setpriv',
		[
			'--reuid',
			'65534',
			'--regid',
			'65534',
			'--clear-groups',
			process.execPath,
			nobodyCliPath(),
			'kill',
			String(server.port),
			'--yes',
		],
		{
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, HOME: state, XDG_STATE_HOME: state, CI: 'true'},
		},
	);
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
	const [code] = (await once(child, 'close')) as [number | null];
	assert.equal(code, 1);
	assert.match(
		stderr,
		new RegExp(`^portui: cannot see which process holds port ${server.port}: needs root`),
	);
	assert.equal(alive(server.pids[0]!), true);
});
