import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {existsSync, readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {diffSnapshots} from '../../../source/core/sockets/diff.js';
import {listenerToJson} from '../../../source/core/sockets/json.js';
import type {Listener} from '../../../source/core/sockets/listener.js';
import {startListenerRead} from '../../../source/core/sockets/kernel.js';
import {fdWalkPending, loadAddon} from '../../../source/core/sockets/netlink.js';
import {
	ListenerReader,
	readListeners,
	readListenersJoined,
} from '../../../source/core/sockets/reader.js';
import {
	bindUdp,
	killAndWait,
	listenTcp,
	runCleanup,
	serverFd,
	spawnHolder,
	spawnListenerChild,
	type Cleanup,
} from '../../helpers/socket-children.js';
import {fakeProc} from '../../helpers/fake-proc.js';

const cleanup: Cleanup = [];
after(() => runCleanup(cleanup));

const ownName = readFileSync('/proc/self/comm', 'utf8').trim();
const ownCommand = readFileSync('/proc/self/cmdline', 'utf8')
	.replace(/\0+$/, '')
	.replaceAll('\0', ' ');

/**
 * Our socket by protocol, port and address (default 127.0.0.1): another
 * process may use the same port number on another address.
 */
function mine(
	listeners: Listener[],
	protocol: string,
	port: number,
	address = '127.0.0.1',
): Listener[] {
	return listeners.filter(
		(listener) =>
			listener.protocol === protocol &&
			listener.port === port &&
			listener.address === address,
	);
}

function only(
	listeners: Listener[],
	protocol: string,
	port: number,
	address = '127.0.0.1',
): Listener {
	const found = mine(listeners, protocol, port, address);
	assert.equal(found.length, 1, `${protocol} port ${port} listed once`);
	return found[0]!;
}

test('listeners of this process: tcp4, tcp6, udp4, udp6, with pid, name, command and user', async () => {
	const tcp4 = await listenTcp(cleanup, '127.0.0.1');
	const tcp6 = await listenTcp(cleanup, '::1');
	const udp4 = await bindUdp(cleanup, 'udp4', '127.0.0.1');
	const udp6 = await bindUdp(cleanup, 'udp6', '::1');
	const snapshot = readListeners();
	for (const [protocol, port, family, address] of [
		['tcp', tcp4.port, 4, '127.0.0.1'],
		['tcp', tcp6.port, 6, '::1'],
		['udp', udp4.port, 4, '127.0.0.1'],
		['udp', udp6.port, 6, '::1'],
	] as const) {
		const listener = only(snapshot.listeners, protocol, port, address);
		assert.equal(listener.family, family);
		assert.equal(listener.address, address);
		assert.equal(listener.state, protocol === 'tcp' ? 'LISTEN' : 'UNCONN');
		assert.equal(listener.uid, 0);
		assert.equal(listener.user, 'root');
		assert.equal(listener.processesHidden, false);
		assert.deepEqual(
			listener.processes.map((holder) => [
				holder.pid,
				holder.name,
				holder.command,
				holder.user,
			]),
			[[process.pid, ownName, ownCommand, 'root']],
		);
		assert.ok(
			Math.abs(
				listener.processes[0]!.startedAtMs - (Date.now() - process.uptime() * 1000),
			) < 5000,
		);
	}
	assert.equal(snapshot.isRoot, true);
});

test('listeners of child processes, one of them another user', async () => {
	const specs = [
		{kind: 'tcp', host: '127.0.0.1'},
		{kind: 'tcp', host: '::1'},
		{kind: 'udp4', host: '127.0.0.1'},
		{kind: 'udp6', host: '::1'},
	] as const;
	const root = await spawnListenerChild(cleanup, [...specs]);
	const hasSetpriv = existsSync('/usr/bin/setpriv') || existsSync('/bin/setpriv');
	const nobody = hasSetpriv
		? await spawnListenerChild(cleanup, [{kind: 'tcp', host: '127.0.0.1'}], {
				command: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'],
			})
		: undefined;
	const snapshot = readListeners();
	specs.forEach((spec, index) => {
		const listener = only(
			snapshot.listeners,
			spec.kind === 'tcp' ? 'tcp' : 'udp',
			root.ports[index]!,
			spec.host,
		);
		assert.deepEqual(
			listener.processes.map((holder) => holder.pid),
			[root.child.pid],
		);
		assert.equal(listener.processes[0]!.name, 'node');
		assert.match(listener.processes[0]!.command, /^\S*node -e .*net\.createServer/s);
		assert.equal(listener.processes[0]!.user, 'root');
	});
	if (nobody) {
		const listener = only(snapshot.listeners, 'tcp', nobody.ports[0]!);
		assert.equal(listener.user, 'nobody');
		assert.equal(listener.uid, 65534);
		// setpriv execs node: same pid.
		assert.deepEqual(
			listener.processes.map((holder) => [holder.pid, holder.user]),
			[[nobody.child.pid, 'nobody']],
		);
	}
});

test('a socket shared with a child (inherited fd) lists both holders', async () => {
	const {server, port} = await listenTcp(cleanup, '127.0.0.1');
	const reader = new ListenerReader();
	assert.deepEqual(
		only(reader.read().listeners, 'tcp', port).processes.map((holder) => holder.pid),
		[process.pid],
	);
	const child = spawnHolder(cleanup, ['ignore', 'ignore', 'ignore', serverFd(server)]);
	await once(child, 'spawn');
	// The fd is in the child once it has started; read until it shows (bounded).
	let pids: number[] = [];
	for (let attempt = 0; attempt < 50; attempt++) {
		pids = only(reader.read().listeners, 'tcp', port).processes.map(
			(holder) => holder.pid,
		);
		if (pids.length === 2) break;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	assert.deepEqual(
		pids,
		[process.pid, child.pid!].sort((a, b) => a - b),
	);
	const json = listenerToJson(only(reader.read().listeners, 'tcp', port));
	assert.equal(json.processes.length, 2);
	assert.equal(json.pid, Math.min(process.pid, child.pid!));

	await killAndWait(child);
	assert.deepEqual(
		only(reader.read().listeners, 'tcp', port).processes.map((holder) => holder.pid),
		[process.pid],
	);
});

test('a pre-forked server (python fork) lists parent and child', async (t) => {
	const python = ['/usr/bin/python3', 'python3'].find(
		(candidate) => candidate === 'python3' || existsSync(candidate),
	)!;
	const script = [
		'import os, socket, sys, time',
		's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()',
		'child = os.fork()',
		'if child == 0:',
		'    time.sleep(600); sys.exit(0)',
		'print(s.getsockname()[1], child, flush=True)',
		'try:',
		'    time.sleep(600)',
		'finally:',
		'    os.kill(child, 9)',
	].join('\n');
	const parent = spawn(python, ['-c', script], {stdio: ['ignore', 'pipe', 'inherit']});
	const spawned = await Promise.race([
		once(parent, 'spawn').then(() => true),
		once(parent, 'error').then(() => false),
	]);
	if (!spawned) {
		t.skip('python3 is not installed');
		return;
	}
	let forked = 0;
	cleanup.push(async () => {
		if (forked) {
			try {
				process.kill(forked, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
		await killAndWait(parent);
	});
	const [line] = (await once(createInterface({input: parent.stdout!}), 'line')) as [
		string,
	];
	const [port, childPid] = line.trim().split(/\s+/).map(Number) as [number, number];
	assert.ok(Number.isInteger(childPid), `python printed "${line}"`);
	forked = childPid;
	const listener = only(readListeners().listeners, 'tcp', port);
	assert.deepEqual(
		listener.processes.map((holder) => holder.pid),
		[parent.pid!, childPid].sort((a, b) => a - b),
	);
	assert.ok(listener.processes.every((holder) => holder.command.includes('os.fork()')));
});

test('a process that exits between refreshes (and during them) does not break the reader', async () => {
	const reader = new ListenerReader();
	const {child, ports} = await spawnListenerChild(cleanup, [
		{kind: 'tcp', host: '127.0.0.1'},
	]);
	assert.equal(
		only(reader.read().listeners, 'tcp', ports[0]!).processes[0]?.pid,
		child.pid,
	);
	await killAndWait(child);
	assert.deepEqual(mine(reader.read().listeners, 'tcp', ports[0]!), []);

	// Short-lived processes coming and going while refreshing: bounded churn.
	const churn: Array<Promise<unknown>> = [];
	for (let round = 0; round < 20; round++) {
		const short = spawn('sh', ['-c', 'exit 0'], {stdio: 'ignore'});
		churn.push(once(short, 'exit'));
		reader.read();
		readListeners();
	}
	await Promise.all(churn);
	assert.ok(reader.read().listeners.length > 0);
});

test('steady-state reads reuse unchanged listener objects and skip the fd walk', async () => {
	const {port} = await listenTcp(cleanup, '127.0.0.1');
	const reader = new ListenerReader({fullWalkIntervalMs: 3_600_000});
	const first = only(reader.read().listeners, 'tcp', port);
	const walks = reader.stats.fullWalks;
	const second = only(reader.read().listeners, 'tcp', port);
	assert.equal(second, first);
	assert.ok(reader.stats.fullWalks - walks <= 1);
	// A listener appearing elsewhere forces the owner map to be rebuilt: the
	// unchanged listener must still be the same object (the UI compares by reference).
	const other = await listenTcp(cleanup, '127.0.0.1');
	const third = reader.read().listeners;
	assert.equal(only(third, 'tcp', other.port).processes[0]?.pid, process.pid);
	assert.equal(only(third, 'tcp', port), first);
});

test('the ss and /proc/net backends give the same listeners and owners', async () => {
	const {port} = await listenTcp(cleanup, '::');
	const udp = await bindUdp(cleanup, 'udp4', '127.0.0.1');
	const shape = (listener: Listener) => [
		listener.protocol,
		listener.family,
		listener.address,
		listener.inode,
		listener.processes.map((holder) => holder.pid),
	];
	const expected = [
		shape(only(readListeners().listeners, 'tcp', port, '::')),
		shape(only(readListeners().listeners, 'udp', udp.port)),
	];
	for (const backend of ['netlink', 'ss', 'procnet'] as const) {
		const listeners = new ListenerReader({backend}).read().listeners;
		assert.deepEqual(
			[
				shape(only(listeners, 'tcp', port, '::')),
				shape(only(listeners, 'udp', udp.port)),
			],
			expected,
			backend,
		);
	}
});

test('diffSnapshots: appeared and vanished by protocol, address, port and inode', async () => {
	const reader = new ListenerReader();
	const before = reader.read().listeners;
	const {server, port} = await listenTcp(cleanup, '127.0.0.1');
	const during = reader.read().listeners;
	const diff = diffSnapshots(before, during);
	assert.deepEqual(
		diff.appeared.filter((l) => l.port === port && l.address === '127.0.0.1').length,
		1,
	);
	assert.equal(
		diff.vanished.filter((l) => l.port === port && l.address === '127.0.0.1').length,
		0,
	);
	await new Promise((resolve) => server.close(resolve));
	const afterClose = reader.read().listeners;
	const closed = diffSnapshots(during, afterClose);
	assert.equal(
		closed.vanished.filter((l) => l.port === port && l.address === '127.0.0.1').length,
		1,
	);
	assert.equal(
		closed.appeared.filter((l) => l.port === port && l.address === '127.0.0.1').length,
		0,
	);
	const same = diffSnapshots(afterClose, afterClose);
	assert.deepEqual(same, {appeared: [], vanished: []});
});

test('the one-shot read joined in the addon gives what a ListenerReader gives', async (t) => {
	if (!loadAddon()?.joinFdWalk) {
		t.skip('addon not built');
		return;
	}
	const specs = [
		{kind: 'tcp', host: '127.0.0.1'},
		{kind: 'tcp', host: '::1'},
		{kind: 'tcp', host: '::'},
		{kind: 'udp4', host: '127.0.0.1'},
		{kind: 'udp6', host: '::1'},
	] as const;
	const children = await spawnListenerChild(cleanup, [...specs]);
	// A socket of ours that a child holds too: two holders, lowest pid first.
	const shared = await listenTcp(cleanup, '127.0.0.1');
	const holder = spawnHolder(cleanup, [
		'ignore',
		'ignore',
		'ignore',
		serverFd(shared.server),
	]);
	await once(holder, 'spawn');
	for (let attempt = 0; attempt < 50; attempt++) {
		if (existsSync(`/proc/${holder.pid}/fd/3`)) break;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	const ours: Array<[string, number, string]> = [
		...specs.map((spec, index): [string, number, string] => [
			spec.kind === 'tcp' ? 'tcp' : 'udp',
			children.ports[index]!,
			spec.host,
		]),
		['tcp', shared.port, '127.0.0.1'],
	];
	startListenerRead();
	const joined = readListenersJoined();
	assert.ok(joined, 'the joined read answers after startListenerRead');
	assert.equal(fdWalkPending('/proc'), false, 'it took the walk');
	const plain = new ListenerReader({keepState: false}).read();
	for (const [protocol, port, host] of ours) {
		assert.deepEqual(
			only(joined.listeners, protocol, port, host),
			only(plain.listeners, protocol, port, host),
		);
	}
	assert.deepEqual(
		only(joined.listeners, 'tcp', children.ports[0]!).processes.map((h) => h.pid),
		[children.child.pid],
	);
	assert.deepEqual(
		only(joined.listeners, 'tcp', shared.port).processes.map((h) => h.pid),
		[process.pid, holder.pid!].sort((a, b) => a - b),
	);
	assert.equal(joined.isRoot, plain.isRoot);
	// Without a walk started there is nothing to join: readListeners reads as before.
	assert.equal(readListenersJoined(), undefined);
	assert.ok(only(readListeners().listeners, 'tcp', shared.port).processes.length === 2);
});

test('the joined read: holders sorted and once each, and a process the walk missed', async (t) => {
	if (!loadAddon()?.joinFdWalk) {
		t.skip('addon not built');
		return;
	}
	const first = await listenTcp(cleanup, '127.0.0.1');
	const second = await listenTcp(cleanup, '127.0.0.1');
	const inodeOf = (port: number) =>
		only(new ListenerReader({keepState: false}).read().listeners, 'tcp', port).inode;
	const [firstInode, secondInode] = [inodeOf(first.port), inodeOf(second.port)];
	// A /proc of our making whose processes hold our real sockets.
	const {root, addProcess} = fakeProc(cleanup);
	// 300 holds the first socket on two fds; 200 shares it; 250 has a pipe.
	addProcess(300, 1300, [`socket:[${firstInode}]`, 'pipe:[1]', `socket:[${firstInode}]`]);
	addProcess(200, 1200, [`socket:[${firstInode}]`]);
	addProcess(250, 1250, ['pipe:[2]']);
	startListenerRead(root);
	// 400 appears once the walk (on the addon's thread, done in a millisecond
	// here) has listed the processes: the read itself must walk it.
	await new Promise((resolve) => setTimeout(resolve, 200));
	addProcess(400, 1400, [`socket:[${secondInode}]`]);
	const joined = readListenersJoined(root);
	assert.ok(joined);
	const holders = (port: number) =>
		only(joined.listeners, 'tcp', port).processes.map((h) => [h.pid, h.name, h.command]);
	assert.deepEqual(holders(first.port), [
		[200, 'proc200', 'proc200 --flag'],
		[300, 'proc300', 'proc300 --flag'],
	]);
	assert.deepEqual(holders(second.port), [[400, 'proc400', 'proc400 --flag']]);
});
