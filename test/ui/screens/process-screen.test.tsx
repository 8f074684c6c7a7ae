import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {waitForFrame} from '../../helpers/ui-fixtures.js';
import {readListeners} from '../../../source/core/sockets/reader.js';
import type {Listener} from '../../../source/core/sockets/listener.js';
import type {ContainerCli} from '../../../source/core/processes/containers.js';
import type {ServiceManager} from '../../../source/core/processes/systemd.js';
import type {ManagerOptions} from '../../../source/core/processes/inspect.js';
import {
	ProcessScreen,
	ProcessScreenEntry,
} from '../../../source/ui/screens/process-screen.js';
import {startHolder, startTarget} from '../../helpers/holder.js';

const noCli = (runtime: 'docker' | 'podman'): ContainerCli => ({
	runtime,
	available: async () => false,
	inspect: async () => [],
	running: async () => [],
	stop: async () => {},
	restart: async () => {},
});
const noSystemd: ServiceManager = {
	available: async () => false,
	show: async () => undefined,
	stop: async () => {},
	restart: async () => {},
};
const offline: ManagerOptions = {
	services: noSystemd,
	docker: noCli('docker'),
	podman: noCli('podman'),
};

const ESC = '\u001B';
const DOWN = '\u001B[B';
const tick = async (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** Screens that read real processes or scan: waits of up to 15,000 ms. */
const waitForScreen = async (
	lastFrame: () => string | undefined,
	check: (frame: string) => boolean,
	what: string,
) => waitForFrame(lastFrame, check, what, 15_000);

function listenerOn(port: number): Listener {
	const found = readListeners().listeners.find(
		(listener) => listener.port === port && listener.address === '127.0.0.1',
	);
	assert.ok(found, `no listener on ${port}`);
	return found;
}

test('renders a real process: identity, sockets, ancestry; o, x and Esc', async (t) => {
	const target = await startTarget();
	t.after(() => target.close());
	const holder = await startHolder({
		targetPort: target.port,
		connections: 2,
		share: true,
	});
	t.after(() => holder.stop());
	const listener = listenerOn(holder.port);
	let back = 0;
	const resolved: Listener[] = [];
	const screen = render(
		<ProcessScreen
			listener={listener}
			onBack={() => back++}
			onResolve={(selected) => resolved.push(selected)}
			width={100}
			height={30}
			managers={offline}
			intervalMs={200}
		/>,
	);
	t.after(() => screen.unmount());
	const frame = await waitForScreen(
		screen.lastFrame,
		(text) => text.includes('Sockets'),
		'sockets',
	);
	assert.match(
		frame,
		new RegExp(`Process ${holder.pid} node holding tcp 127\\.0\\.0\\.1:${holder.port}`),
	);
	assert.match(frame, /command\s+\S+node \S+holder\.mjs/);
	assert.match(frame, new RegExp(`parent \\S+ \\(${process.pid}\\)`));
	assert.match(frame, /Sockets 1 listening, 2 established/);
	assert.match(
		frame,
		new RegExp(
			`tcp\\s+127\\.0\\.0\\.1:${holder.port}\\s+\\*\\s+LISTEN\\s+node\\(${holder.sharer}\\)`,
		),
	);
	assert.match(frame, new RegExp(`127\\.0\\.0\\.1:${target.port}\\s+ESTAB`));
	// The chain may wrap onto a second line under its label.
	const unwrapped = frame.replace(/\n {10}/g, ' ');
	assert.match(
		unwrapped,
		new RegExp(`ancestry\\s+.*\\(${process.pid}\\) → node\\(${holder.pid}\\)`),
	);
	assert.match(frame, new RegExp(`children\\s+node\\(${holder.sharer}\\)`));
	assert.match(frame, /cpu \d+\.\d%|cpu …/);
	assert.equal(frame.split('\n').length, 30, 'fills exactly its height');

	screen.stdin.write(DOWN);
	await tick();
	screen.stdin.write('o');
	const files = await waitForScreen(
		screen.lastFrame,
		(text) => /Open files: \d+/.test(text),
		'open files',
	);
	assert.match(files, /socket:\[\d+\]/);
	screen.stdin.write('o');
	await waitForScreen(
		screen.lastFrame,
		(text) => text.includes('Sockets'),
		'sockets again',
	);

	screen.stdin.write('x');
	await tick();
	assert.deepEqual(resolved, [listener]);
	screen.stdin.write(ESC);
	await tick(100);
	assert.equal(back, 1);
});

test('a process killed while its screen is open: the screen says it ended', async (t) => {
	const holder = await startHolder({});
	t.after(() => holder.stop());
	const listener = listenerOn(holder.port);
	const screen = render(
		<ProcessScreen
			listener={listener}
			onBack={() => {}}
			width={100}
			height={24}
			managers={offline}
			intervalMs={200}
		/>,
	);
	t.after(() => screen.unmount());
	await waitForScreen(screen.lastFrame, (text) => text.includes('Sockets'), 'sockets');
	await holder.stop();
	const frame = await waitForScreen(
		screen.lastFrame,
		(text) => text.includes(`process ${holder.pid} has exited`),
		'the exit notice',
	);
	assert.doesNotMatch(frame, /Sockets|command /, 'no stale data');
	assert.match(frame, /Esc goes back/);
});

test('a listener whose holder is hidden: says so, Backspace goes back', async (t) => {
	let back = 0;
	const listener: Listener = {
		protocol: 'udp',
		family: 6,
		address: '::',
		port: 5353,
		state: 'UNCONN',
		inode: 1,
		uid: 107,
		user: 'avahi',
		processes: [],
		processesHidden: true,
	};
	const screen = render(
		<ProcessScreen listener={listener} onBack={() => back++} managers={offline} />,
	);
	t.after(() => screen.unmount());
	await tick();
	assert.match(
		screen.lastFrame() ?? '',
		/no process holding this socket is visible \(run with sudo\)/,
	);
	assert.match(screen.lastFrame() ?? '', /holding udp \[::\]:5353/);
	assert.doesNotMatch(
		screen.lastFrame() ?? '',
		/ x free/,
		'no resolve key without onResolve',
	);
	screen.stdin.write('\u007F');
	await tick(100);
	assert.equal(back, 1);
});

test('as a registry screen: Esc pops, x pushes conflict resolution, q quits', async (t) => {
	const calls: string[] = [];
	const listener: Listener = {
		protocol: 'tcp',
		family: 4,
		address: '127.0.0.1',
		port: 8080,
		state: 'LISTEN',
		inode: 1,
		uid: 0,
		user: 'root',
		processes: [],
		processesHidden: true,
	};
	const screen = render(
		<ProcessScreenEntry
			params={{listener}}
			isActive
			width={80}
			height={20}
			navigation={{
				push: (name, params) => {
					calls.push(`push ${name}`);
					assert.deepEqual(params, {listener});
				},
				pop: () => calls.push('pop'),
				quit: () => calls.push('quit'),
			}}
		/>,
	);
	t.after(() => screen.unmount());
	await tick();
	assert.equal((screen.lastFrame() ?? '').split('\n').length, 20);
	for (const key of ['x', ESC, 'q']) {
		screen.stdin.write(key);
		await tick(100);
	}
	assert.deepEqual(calls, ['push conflict', 'pop', 'quit']);
});
