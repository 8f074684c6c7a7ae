import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	realpathSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {render} from 'ink-testing-library';
import {waitForFrame} from '../../helpers/ui-fixtures.js';
import {systemSources} from '../../../source/core/conflicts/identify-sources.js';
import {configDeclarations} from '../../../source/core/conflicts/identify-sources.js';
import {
	createConflictActions,
	type ResolveDeps,
} from '../../../source/core/conflicts/resolve-wiring.js';
import type {UnitLog} from '../../../source/core/conflicts/unit-contenders.js';
import {ResolveScreen} from '../../../source/ui/screens/resolve-screen.js';
import {
	ENV_SERVER_SCRIPT,
	portIsFree,
	startListenerChild,
	startOrphanListener,
	unusedLowPort,
} from '../../helpers/listener-child.js';
import {namespacesUnavailable, startPidNamespace} from '../../helpers/pid-namespace.js';
import {
	forbiddenInOutput,
	hostileAll,
	hostileStrings,
} from '../../fixtures/hostile/strings.js';

const ENTER = '\r';
const ESC = '\u001B';
const DOWN = '\u001B[B';

/** A systemd that is not here, except for one unit the journal says failed on `port`. */
function unitFailingOn(port: number): UnitLog {
	return {
		available: async () => true,
		troubledUnits: async () => [{unit: 'web.service', state: 'failed'}],
		journal: async () =>
			`Error: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`,
		enabled: async () => true,
	};
}

const noUnits: UnitLog = {
	available: async () => false,
	troubledUnits: async () => [],
	journal: async () => '',
	enabled: async () => undefined,
};

/** Bounded: a flow that never gets there fails with the last frame, not a hang. */
const waitFor = async (
	frame: () => string | undefined,
	predicate: (text: string) => boolean,
	what: string,
) => waitForFrame(frame, predicate, what, 15_000);

/**
 * Sends a key once the frame has settled: a list re-subscribes its input
 * handler after each render, and a key written in between is lost.
 */
async function press(
	ui: {stdin: {write: (data: string) => void}},
	key: string,
): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, 100));
	ui.stdin.write(key);
}

function stateDir(t: {after: (fn: () => void) => void}): string {
	const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'portui-resolve-ui-')));
	const previous = process.env.XDG_STATE_HOME;
	process.env.XDG_STATE_HOME = path.join(dir, 'state');
	t.after(() => {
		if (previous === undefined) delete process.env.XDG_STATE_HOME;
		else process.env.XDG_STATE_HOME = previous;
		rmSync(dir, {recursive: true, force: true});
	});
	return dir;
}

test('identify → prioritise → terminate: a real listener is stopped and the port is free', async (t) => {
	const dir = stateDir(t);
	const child = await startOrphanListener({cwd: dir});
	t.after(() => child.stop());
	const auditLog = path.join(dir, 'actions.log');
	const deps: ResolveDeps = {
		sources: systemSources({
			units: unitFailingOn(child.port),
			declarations: configDeclarations({root: dir}),
		}),
		actions: createConflictActions({root: dir, timeoutSeconds: 5, auditLog}),
	};
	let backs = 0;
	const ui = render(
		<ResolveScreen port={child.port} deps={deps} onBack={() => backs++} />,
	);
	t.after(() => ui.unmount());

	let frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('web.service'),
		'identify',
	);
	assert.match(frame, new RegExp(`Resolve tcp/${child.port}`));
	assert.match(frame, new RegExp(`holds\\s+node \\(pid ${child.pid}\\)`));
	assert.match(frame, /wants \(systemd\)\s+web\.service \(failed: address in use\)/);
	assert.match(frame, /journal: Error: listen EADDRINUSE/);

	await press(ui, ENTER);
	frame = await waitFor(ui.lastFrame, (text) => text.includes('Who keeps'), 'prioritise');
	// The failing unit enabled at boot is suggested over a process nobody manages.
	assert.match(frame, /★ web\.service/);
	assert.match(frame, /Why web\.service \(failed: address in use\):/);
	assert.match(frame, /\+ web\.service is enabled at boot/);

	// Esc backs out to identify and Enter comes back: nothing changed on the way.
	await press(ui, ESC);
	await waitFor(ui.lastFrame, (text) => text.includes('journal:'), 'back to identify');
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('Who keeps'), 'prioritise again');

	await press(ui, ENTER);
	frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('What should happen'),
		'action',
	);
	assert.match(frame, new RegExp(`Terminate node \\(pid ${child.pid}\\)`));
	assert.match(frame, /Cancel: change nothing/);
	await press(ui, ENTER);
	frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('This will, in order'),
		'preview',
	);
	assert.match(frame, new RegExp(`SIGTERM pid ${child.pid}`));
	assert.match(frame, /Nothing has been changed yet/);
	assert.ok(child.alive(), 'still running after the preview');

	await press(ui, ENTER);
	frame = await waitFor(ui.lastFrame, (text) => text.includes('now?'), 'confirm');
	await press(ui, 'y');
	frame = await waitFor(ui.lastFrame, (text) => text.includes('What changed'), 'done');
	assert.match(frame, new RegExp(`✔ ${child.port} is free`));
	assert.equal(child.alive(), false);
	assert.match(frame, new RegExp(`SIGTERM node \\(pid ${child.pid}\\)`));
	frame = await waitFor(ui.lastFrame, (text) => text.includes('Logged in'), 'audit');
	assert.ok(await portIsFree(child.port));
	const lines = readFileSync(auditLog, 'utf8').trim().split('\n');
	const summary = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
	assert.equal(summary.action, 'resolve');
	assert.equal(summary.port, child.port);
	assert.deepEqual(summary.pids, [child.pid]);
	assert.equal(summary.ok, true);

	await press(ui, ENTER);
	await waitFor(
		() => String(backs),
		(text) => text === '1',
		'onBack',
	);
});

test('a unit failing with no port named shows as such and the holder stays the suggestion', async (t) => {
	const dir = stateDir(t);
	const child = await startOrphanListener({cwd: dir});
	t.after(() => child.stop());
	const portless: UnitLog = {
		available: async () => true,
		troubledUnits: async () => [{unit: 'pyapp.service', state: 'failed'}],
		journal: async () => 'OSError: [Errno 98] Address already in use\n',
		enabled: async () => true,
		settings: async () => ({
			execStart: [`/usr/bin/python3 /srv/app.py --port ${child.port}`],
			environment: [],
			environmentFiles: [],
		}),
	};
	const deps: ResolveDeps = {
		sources: systemSources({
			units: portless,
			declarations: configDeclarations({root: dir}),
		}),
		actions: createConflictActions({root: dir, timeoutSeconds: 5, auditLog: false}),
	};
	const ui = render(<ResolveScreen port={child.port} deps={deps} onBack={() => {}} />);
	t.after(() => ui.unmount());
	let frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('pyapp.service'),
		'identify',
	);
	assert.match(
		frame,
		/wants \(systemd\)\s+pyapp\.service \(failed with EADDRINUSE, port not named\)/,
	);
	assert.match(
		frame,
		/journal, port not named: OSError: \[Errno 98\] Address already in use/,
	);
	assert.match(frame, new RegExp(`ExecStart names ${child.port}: --port ${child.port}`));
	await press(ui, ENTER);
	frame = await waitFor(ui.lastFrame, (text) => text.includes('Who keeps'), 'prioritise');
	assert.match(frame, new RegExp(`★ node \\(pid ${child.pid}\\)`));
	assert.doesNotMatch(frame, /★ pyapp\.service/);
});

test('journal and config text an attacker wrote reaches the screen as visible escapes only', async (t) => {
	const dir = stateDir(t);
	const child = await startOrphanListener({cwd: dir});
	t.after(() => child.stop());
	// Its own line, naming no port: the corpus' fake line names port 22.
	const portless = hostileStrings
		.filter((entry) => !entry.text.includes('\n'))
		.map((entry) => entry.text)
		.join(' ');
	const hostile: UnitLog = {
		available: async () => true,
		troubledUnits: async () => [
			{unit: 'named.service', state: 'failed'},
			{unit: 'portless.service', state: 'failed'},
		],
		journal: async (unit) =>
			unit === 'named.service'
				? `Error: listen EADDRINUSE: address already in use :::${child.port} ${hostileAll}\n`
				: `${portless} Address already in use\n`,
		enabled: async () => true,
		settings: async () => ({
			execStart: [],
			environment: [],
			environmentFiles: [{file: `/etc/${hostileAll}`, text: `PORT=${child.port}\n`}],
		}),
	};
	const deps: ResolveDeps = {
		sources: systemSources({
			units: hostile,
			declarations: configDeclarations({root: dir}),
		}),
		actions: createConflictActions({root: dir, timeoutSeconds: 5, auditLog: false}),
	};
	const ui = render(<ResolveScreen port={child.port} deps={deps} onBack={() => {}} />);
	t.after(() => ui.unmount());
	const frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('portless.service'),
		'identify',
	);
	assert.match(frame, /journal: Error: listen EADDRINUSE/);
	assert.match(frame, /journal, port not named: /);
	assert.match(frame, /\/etc\/\\x1b\]52/);
	assert.doesNotMatch(frame, forbiddenInOutput);
});

test('identify → prioritise → reconfigure: the holder’s .env is rewritten with a backup and it restarts on the new port', async (t) => {
	const dir = stateDir(t);
	const app = path.join(dir, 'app');
	mkdirSync(app);
	const port = await unusedLowPort();
	const env = path.join(app, '.env');
	writeFileSync(env, `NAME=demo\nPORT=${port}\n`);
	writeFileSync(path.join(app, 'server.cjs'), ENV_SERVER_SCRIPT);
	const child = await startListenerChild({cwd: app, script: ENV_SERVER_SCRIPT});
	assert.equal(child.port, port);
	// Outside the state dir: that dir's own cleanup may run first, and the restarted
	// program (not a child of this test) must still be found and stopped.
	const newPidFile = path.join(
		os.tmpdir(),
		`portui-restarted-${process.pid}-${Date.now()}.pid`,
	);
	t.after(async () => {
		await child.stop();
		if (existsSync(newPidFile)) {
			try {
				process.kill(Number(readFileSync(newPidFile, 'utf8')), 'SIGKILL');
			} catch {
				// Already gone.
			}
			rmSync(newPidFile, {force: true});
		}
	});
	// The injected restart: stop the old process and start the program again from its directory.
	const restartCommand = `kill ${child.pid}; cd '${app}' && { node server.cjs >/dev/null 2>server.err & echo $! > '${newPidFile}'; }`;
	const deps: ResolveDeps = {
		sources: systemSources({
			units: unitFailingOn(port),
			declarations: configDeclarations({root: dir}),
		}),
		actions: createConflictActions({
			root: dir,
			restartCommand,
			// Generous: verification returns as soon as the program listens, and a loaded machine starts node slowly.
			verifyTimeoutMs: 30_000,
			auditLog: path.join(dir, 'actions.log'),
		}),
	};
	const ui = render(<ResolveScreen port={port} deps={deps} onBack={() => {}} />);
	t.after(() => ui.unmount());

	let frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('web.service'),
		'identify',
	);
	assert.match(frame, new RegExp(`${env.replace(/[.]/g, '\\.')}:2 PORT=${port}`));
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('Who keeps'), 'prioritise');
	await press(ui, ENTER);
	frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('What should happen'),
		'action',
	);
	assert.match(frame, /❯ Reconfigure node/);
	// Look at terminate, then come back up: the list moves with the arrows.
	await press(ui, DOWN);
	await waitFor(ui.lastFrame, (text) => /❯ Terminate node/.test(text), 'down');
	await press(ui, '\u001B[A');
	await waitFor(ui.lastFrame, (text) => /❯ Reconfigure node/.test(text), 'up');
	await press(ui, ENTER);
	frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('the next free port):'),
		'preview',
	);
	const to = Number(/Move from \d+ to (\d+)/.exec(frame)![1]);
	assert.ok(to !== port && to > 0);
	assert.match(frame, new RegExp(`-PORT=${port}`));
	assert.match(frame, new RegExp(`\\+PORT=${to}`));
	assert.match(frame, /Then restart: kill/);
	assert.equal(
		readFileSync(env, 'utf8'),
		`NAME=demo\nPORT=${port}\n`,
		'preview writes nothing',
	);

	// Esc from confirm goes back to the preview, still nothing written.
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('now?'), 'confirm');
	await press(ui, ESC);
	await waitFor(
		ui.lastFrame,
		(text) => text.includes('the next free port):'),
		'back to preview',
	);
	assert.equal(readFileSync(env, 'utf8'), `NAME=demo\nPORT=${port}\n`);
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('now?'), 'confirm again');
	await press(ui, ENTER);

	frame = await waitFor(ui.lastFrame, (text) => text.includes('What changed'), 'done');
	const serverErrors = path.join(app, 'server.err');
	assert.match(
		frame,
		new RegExp(`✔ .*now listens on ${to}`),
		existsSync(serverErrors)
			? `restarted server said: ${readFileSync(serverErrors, 'utf8')}`
			: undefined,
	);
	assert.match(frame, new RegExp(`port ${port} → ${to} \\(backup `));
	assert.equal(readFileSync(env, 'utf8'), `NAME=demo\nPORT=${to}\n`);
	const backups = readdirSync(app).filter(
		(name) => name.startsWith('.env') && name !== '.env',
	);
	assert.equal(backups.length, 1, `backups: ${backups.join(', ')}`);
	assert.equal(
		readFileSync(path.join(app, backups[0]!), 'utf8'),
		`NAME=demo\nPORT=${port}\n`,
	);
	assert.ok(await portIsFree(port), 'the old port is free');
	assert.ok(!(await portIsFree(to)), 'the restarted program listens on the new port');
});

test('Esc on the first step leaves with nothing done', async (t) => {
	const dir = stateDir(t);
	const child = await startListenerChild({cwd: dir});
	t.after(() => child.stop());
	let backs = 0;
	const deps: ResolveDeps = {
		sources: systemSources({
			units: unitFailingOn(child.port),
			declarations: configDeclarations({root: dir}),
		}),
		actions: createConflictActions({root: dir, auditLog: false}),
	};
	const ui = render(
		<ResolveScreen port={child.port} deps={deps} onBack={() => backs++} />,
	);
	t.after(() => ui.unmount());
	await waitFor(ui.lastFrame, (text) => text.includes('web.service'), 'identify');
	await press(ui, ESC);
	await waitFor(
		() => String(backs),
		(text) => text === '1',
		'onBack',
	);
	assert.equal(child.child.exitCode, null);
	assert.equal(await portIsFree(child.port), false);
});

const IGNORES_TERM = `
const net = require('node:net');
process.on('SIGTERM', () => {});
const server = net.createServer();
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({port: server.address().port}) + '\\n'));
setInterval(() => {}, 1 << 30);
`;

/** Walks identify → prioritise (nobody) → terminate → preview → confirm. */
async function toConfirm(
	ui: ReturnType<typeof render>,
	pid: number,
	name = 'node',
): Promise<string> {
	await waitFor(
		ui.lastFrame,
		(text) => text.includes(`${name} (pid ${pid})`),
		'identify',
	);
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('nobody: just free'), 'prioritise');
	await press(ui, DOWN);
	await waitFor(ui.lastFrame, (text) => /❯ +nobody/.test(text), 'nobody highlighted');
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('Nobody keeps'), 'action');
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('This will, in order'), 'preview');
	await press(ui, ENTER);
	return waitFor(
		ui.lastFrame,
		(text) => text.includes('now?') || text.includes('Type its pid'),
		'confirm',
	);
}

test('a holder that outlives SIGTERM: the countdown, then k sends SIGKILL and the port is free', async (t) => {
	const dir = stateDir(t);
	const child = await startOrphanListener({cwd: dir, script: IGNORES_TERM});
	t.after(() => child.stop());
	const deps: ResolveDeps = {
		sources: systemSources({
			units: noUnits,
			declarations: configDeclarations({root: dir}),
		}),
		actions: createConflictActions({root: dir, timeoutSeconds: 2, auditLog: false}),
	};
	const ui = render(<ResolveScreen port={child.port} deps={deps} onBack={() => {}} />);
	t.after(() => ui.unmount());
	await toConfirm(ui, child.pid);
	await press(ui, 'y');
	let frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('Still running after SIGTERM'),
		'force',
	);
	assert.match(frame, new RegExp(`node ${child.pid}`));
	assert.ok(child.alive(), 'nothing is killed before the answer');
	await press(ui, 'k');
	frame = await waitFor(ui.lastFrame, (text) => text.includes('What changed'), 'done');
	assert.match(frame, new RegExp(`SIGKILL node \\(pid ${child.pid}\\)`));
	assert.match(frame, new RegExp(`✔ ${child.port} is free`));
	assert.equal(child.alive(), false);
	assert.ok(await portIsFree(child.port));
});

test('an ancestor of this session: the pid must be typed before anything is signalled', async (t) => {
	const dir = stateDir(t);
	const child = await startOrphanListener({cwd: dir});
	t.after(() => child.stop());
	// Stand in for "the shell this terminal runs": the terminate core treats it as the session's.
	const deps: ResolveDeps = {
		sources: systemSources({
			units: noUnits,
			declarations: configDeclarations({root: dir}),
		}),
		actions: createConflictActions({
			root: dir,
			auditLog: false,
			terminateSystem: {sessionAncestors: () => new Set([child.pid])},
		}),
	};
	const ui = render(<ResolveScreen port={child.port} deps={deps} onBack={() => {}} />);
	t.after(() => ui.unmount());
	let frame = await toConfirm(ui, child.pid);
	assert.match(frame, /will drop your/);
	assert.match(frame, /Type its pid to confirm/);
	// Enter with nothing typed, then a wrong pid: still on confirm, still alive.
	await press(ui, ENTER);
	await press(ui, '1');
	await waitFor(
		ui.lastFrame,
		(text) => /Type its pid to confirm: 1/.test(text),
		'typed 1',
	);
	await press(ui, ENTER);
	frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('Type its pid'),
		'still confirm',
	);
	assert.ok(child.alive());
	await press(ui, '\u007F');
	await waitFor(
		ui.lastFrame,
		(text) => /Type its pid to confirm:\s*$/m.test(text),
		'erased',
	);
	await press(ui, String(child.pid));
	await waitFor(
		ui.lastFrame,
		(text) => text.includes(`confirm: ${child.pid}`),
		'pid typed',
	);
	await press(ui, ENTER);
	frame = await waitFor(ui.lastFrame, (text) => text.includes('What changed'), 'done');
	assert.match(frame, new RegExp(`✔ ${child.port} is free`));
	assert.equal(child.alive(), false);
});

test(
	'a PID namespace init: the screen says what stops with it, and its pid must be typed',
	{skip: namespacesUnavailable},
	async (t) => {
		const dir = stateDir(t);
		const ns = await startPidNamespace('init-catches-term');
		t.after(() => ns.stop());
		const deps: ResolveDeps = {
			sources: systemSources({
				units: noUnits,
				declarations: configDeclarations({root: dir}),
			}),
			actions: createConflictActions({root: dir, auditLog: false}),
		};
		const port = ns.ports.init!;
		const ui = render(<ResolveScreen port={port} deps={deps} onBack={() => {}} />);
		t.after(() => ui.unmount());
		let frame = await toConfirm(ui, ns.init, 'perl');
		assert.match(frame, /init of a PID namespace: 3 processes stop with it/);
		assert.match(frame, /Type its pid to confirm/);
		await press(ui, String(ns.hostPid.get(2)));
		await press(ui, ENTER);
		await waitFor(ui.lastFrame, (text) => text.includes('Type its pid'), 'still confirm');
		assert.deepEqual(ns.alive(), ns.members, 'a wrong pid signals nothing');
		assert.deepEqual(ns.caught(), []);
		for (let erase = String(ns.hostPid.get(2)).length; erase > 0; erase--)
			await press(ui, '\u007F');
		await press(ui, String(ns.init));
		await waitFor(
			ui.lastFrame,
			(text) => text.includes(`confirm: ${ns.init}`),
			'pid typed',
		);
		await press(ui, ENTER);
		frame = await waitFor(ui.lastFrame, (text) => text.includes('What changed'), 'done');
		assert.match(frame, new RegExp(`✔ ${port} is free`));
		assert.deepEqual(ns.caught(), ['init 1 SIGTERM']);
		assert.deepEqual(await ns.waitGone(), []);
	},
);

test('i adds what the user needs the port for as a contender, and it is ranked', async (t) => {
	const dir = stateDir(t);
	const child = await startOrphanListener({cwd: dir});
	t.after(() => child.stop());
	const deps: ResolveDeps = {
		sources: systemSources({
			units: noUnits,
			declarations: configDeclarations({root: dir}),
		}),
		actions: createConflictActions({root: dir, auditLog: false}),
	};
	const ui = render(<ResolveScreen port={child.port} deps={deps} onBack={() => {}} />);
	t.after(() => ui.unmount());
	await waitFor(
		ui.lastFrame,
		(text) => text.includes(`node (pid ${child.pid})`),
		'identify',
	);
	await press(ui, 'i');
	await waitFor(ui.lastFrame, (text) => text.includes('I need port'), 'need field');
	await press(ui, 'my api');
	await waitFor(ui.lastFrame, (text) => text.includes('for: my api'), 'typed');
	await press(ui, ENTER);
	let frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('wants (you)'),
		'need added',
	);
	assert.match(frame, /wants \(you\)\s+you: my api/);
	await press(ui, ENTER);
	frame = await waitFor(ui.lastFrame, (text) => text.includes('Who keeps'), 'prioritise');
	assert.match(frame, /❯ ★ you: my api/);
	assert.match(frame, /\+ you need this port for my api/);
	assert.ok(child.alive());
});

test('a preview that fails says why and Esc goes back to choosing, nothing done', async (t) => {
	const dir = stateDir(t);
	const child = await startOrphanListener({cwd: dir});
	t.after(() => child.stop());
	const real = createConflictActions({root: dir, auditLog: false});
	const deps: ResolveDeps = {
		sources: systemSources({
			units: noUnits,
			declarations: configDeclarations({root: dir}),
		}),
		actions: {
			...real,
			preview: async () => {
				throw new Error('cannot signal process: needs root: run with sudo');
			},
		},
	};
	const ui = render(<ResolveScreen port={child.port} deps={deps} onBack={() => {}} />);
	t.after(() => ui.unmount());
	await waitFor(
		ui.lastFrame,
		(text) => text.includes(`node (pid ${child.pid})`),
		'identify',
	);
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('nobody: just free'), 'prioritise');
	await press(ui, DOWN);
	await waitFor(ui.lastFrame, (text) => /❯ +nobody/.test(text), 'nobody highlighted');
	await press(ui, ENTER);
	await waitFor(ui.lastFrame, (text) => text.includes('Nobody keeps'), 'action');
	await press(ui, ENTER);
	const frame = await waitFor(
		ui.lastFrame,
		(text) => text.includes('No preview'),
		'failed preview',
	);
	assert.match(frame, /needs root: run with sudo/);
	await press(ui, ESC);
	await waitFor(
		ui.lastFrame,
		(text) => text.includes('Nobody keeps'),
		'back to the action step',
	);
	assert.ok(child.alive());
});
