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
import {
	namespacesUnavailable,
	startPidNamespace,
	straceUnavailable,
	traceSignals,
} from '../helpers/pid-namespace.js';
import {Terminal, hasTmux} from '../helpers/tmux.js';

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

const namespaceSkip = namespacesUnavailable || straceUnavailable;

/** `portui ARGS` under strace, stdin closed: what it printed and every signal it sent. */
async function tracedPortui(args: string[]) {
	return traceSignals(process.execPath, [cli, ...args], {
		env: {...process.env, XDG_STATE_HOME: state, CI: 'true'},
	});
}

test(
	'kill --yes on a PID namespace init: refused without --confirm-pid, says what stops with it, sends no signal',
	{skip: namespaceSkip},
	async (t) => {
		const ns = await startPidNamespace('init-ignores-term');
		t.after(() => ns.stop());
		const port = String(ns.ports.init);
		const run = await tracedPortui(['kill', port, '--yes', '--force', '--timeout', '1']);
		assert.equal(run.code, 1, run.stdout + run.stderr);
		assert.match(
			run.stdout,
			new RegExp(
				`needs confirmation: ${ns.init} is the init of a PID namespace: 3 processes stop with it`,
			),
		);
		assert.match(
			run.stdout,
			new RegExp(`has no SIGTERM handler, so the kernel drops SIGTERM sent to it`),
		);
		assert.match(run.stdout, new RegExp(`confirm with --confirm-pid ${ns.init}`));
		assert.match(run.stdout, /nothing was signalled/);
		assert.deepEqual(run.signals, [], 'portui sent no signal at all');
		assert.deepEqual(ns.alive(), ns.members);
		assert.deepEqual(ns.caught(), []);

		const json = await tracedPortui(['kill', port, '--yes', '--json']);
		assert.equal(json.code, 1);
		const report = JSON.parse(json.stdout) as {
			targets: Array<{
				allowed: boolean;
				confirmPids: number[];
				namespaceInit: {pid: number; processes: number; catchesTerm: boolean} | null;
			}>;
		};
		assert.equal(report.targets[0]!.allowed, false);
		assert.deepEqual(report.targets[0]!.confirmPids, [ns.init]);
		assert.deepEqual(report.targets[0]!.namespaceInit, {
			pid: ns.init,
			processes: 3,
			countIncomplete: false,
			catchesTerm: false,
		});
		assert.deepEqual(json.signals, []);
		assert.deepEqual(ns.alive(), ns.members);
	},
);

test(
	'kill --yes --confirm-pid INIT: one SIGTERM to the init that catches it, and the namespace ends',
	{skip: namespaceSkip},
	async (t) => {
		const ns = await startPidNamespace('init-catches-term');
		t.after(() => ns.stop());
		const run = await tracedPortui([
			'kill',
			String(ns.ports.init),
			'--yes',
			'--confirm-pid',
			String(ns.init),
		]);
		assert.equal(run.code, 0, run.stdout + run.stderr);
		assert.match(
			run.stderr,
			new RegExp(
				`WARNING: acting on ${ns.init}: ${ns.init} is the init of a PID namespace: 3 processes stop with it`,
			),
		);
		assert.deepEqual(run.signals, [[ns.init, 'SIGTERM']]);
		assert.deepEqual(ns.caught(), ['init 1 SIGTERM']);
		assert.deepEqual(await ns.waitGone(), []);
	},
);

test(
	'inside a PID namespace, pid 2 and its child are stopped like any process (not kernel threads)',
	{skip: namespaceSkip},
	async (t) => {
		const ns = await startPidNamespace('pid2-listens');
		t.after(() => ns.stop());
		const inside = async (port: number) =>
			traceSignals(process.execPath, [cli, 'kill', String(port), '--yes'], {
				spawnVia: (argv) =>
					ns.enter(argv[0]!, argv.slice(1), {
						env: {...process.env, XDG_STATE_HOME: state, CI: 'true'},
					}),
			});
		const second = await inside(ns.ports.pid2!);
		assert.equal(second.code, 0, second.stdout + second.stderr);
		assert.doesNotMatch(second.stdout, /kernel thread/);
		// strace inside the namespace sees its pids.
		assert.deepEqual(second.signals, [[2, 'SIGTERM']]);
		const third = await inside(ns.ports.pid3!);
		assert.equal(third.code, 0, third.stdout + third.stderr);
		assert.deepEqual(third.signals, [[3, 'SIGTERM']]);
		assert.deepEqual(ns.alive(), [ns.init], 'the init is untouched');
		assert.deepEqual(ns.caught(), [], 'the init caught nothing');
	},
);

test(
	'on a terminal, a namespace init is stopped only once its pid is typed',
	{skip: namespacesUnavailable || (hasTmux ? false : 'needs tmux'), timeout: 60_000},
	async (t) => {
		const ns = await startPidNamespace('init-catches-term');
		t.after(() => ns.stop());
		const terminal = new Terminal(120, 30);
		terminal.start();
		t.after(() => terminal.stop());
		const command = `XDG_STATE_HOME=${state} ${process.execPath} ${cli} kill ${ns.ports.init}`;
		const prompt = `Type the pid ${ns.init} to confirm`;
		await terminal.waitFor((screen) => /^\$/m.test(screen), 'the shell');
		terminal.type(command);
		terminal.key('Enter');
		let screen = await terminal.waitFor(
			(text) => text.includes(prompt),
			'the pid prompt',
		);
		assert.match(
			screen,
			new RegExp(
				`WARNING: ${ns.init} is the init of a PID namespace: 3 processes stop with it`,
			),
		);
		// A wrong pid leaves it alone.
		terminal.type(String(ns.hostPid.get(2)));
		terminal.key('Enter');
		screen = await terminal.waitFor(
			(text) => text.includes('nothing was signalled'),
			'the refusal',
		);
		assert.deepEqual(ns.alive(), ns.members);
		assert.deepEqual(ns.caught(), []);
		terminal.tmux('clear-history', '-t', 'main');
		terminal.key('C-l');
		terminal.type(command);
		terminal.key('Enter');
		await terminal.waitFor((text) => text.includes(prompt), 'the pid prompt again');
		terminal.type(String(ns.init));
		terminal.key('Enter');
		await terminal.waitFor(
			(text) => /Stop it\? \[y\/N\]/.test(text),
			'the last question',
		);
		terminal.type('y');
		terminal.key('Enter');
		await terminal.waitFor(
			(text) => text.includes(`port ${ns.ports.init} is free`),
			'the port freed',
		);
		assert.deepEqual(ns.caught(), ['init 1 SIGTERM']);
		assert.deepEqual(await ns.waitGone(), []);
	},
);
