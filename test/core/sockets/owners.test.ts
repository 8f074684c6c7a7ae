import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {ProcessGoneError} from '../../../source/core/errors.js';
import {
	OwnerIndex,
	socketInodeOfLink,
	socketInodesOf,
	startFdWalk,
} from '../../../source/core/sockets/owners.js';
import {loadAddon} from '../../../source/core/sockets/netlink.js';
import {readWithNetlink} from '../../../source/core/sockets/kernel.js';
import {
	listenTcp,
	runCleanup,
	spawnListenerChild,
	type Cleanup,
} from '../../helpers/socket-children.js';
import {fakeProc as makeFakeProc} from '../../helpers/fake-proc.js';

const cleanup: Cleanup = [];
after(() => runCleanup(cleanup));

const fakeProc = () => makeFakeProc(cleanup);

test('fd link targets: sockets only', () => {
	assert.equal(socketInodeOfLink('socket:[12345]'), 12345);
	assert.equal(socketInodeOfLink('pipe:[12345]'), undefined);
	assert.equal(socketInodeOfLink('socket:[]'), undefined);
	assert.equal(socketInodeOfLink('socket:[abc]'), undefined);
	assert.equal(socketInodeOfLink('socket:[12'), undefined);
	assert.equal(socketInodeOfLink('/dev/null'), undefined);
	assert.equal(socketInodeOfLink('anon_inode:[eventfd]'), undefined);
});

test('socketInodesOf reads a real process and says when it is gone', async () => {
	const {server} = await listenTcp(cleanup, '127.0.0.1');
	const port = (server.address() as {port: number}).port;
	const record = readWithNetlink({protocols: ['tcp']}).find((r) => r.localPort === port)!;
	assert.ok(socketInodesOf(process.pid).has(record.inode));
	assert.throws(() => socketInodesOf(2 ** 22 + 12345), ProcessGoneError);
});

test('odd links, a vanished process, a stat-less pid dir and a non-directory fd are survived', () => {
	const {root, addProcess, addDyingProcesses} = fakeProc();
	addProcess(100, 5000, [
		'socket:[11]',
		'pipe:[12]',
		'socket:[notanumber]',
		'/dev/null',
		'socket:[13]',
	]);
	addProcess(200, 6000, ['socket:[11]']);
	addDyingProcesses();
	const index = new OwnerIndex({procRoot: root});
	index.refresh(new Set([11, 13, 99]));
	assert.deepEqual(
		index.holdersOf(11).map((holder) => holder.pid),
		[100, 200],
	);
	const [holder] = index.holdersOf(13);
	assert.equal(holder?.name, 'proc100');
	assert.equal(holder?.command, 'proc100 --flag');
	assert.equal(holder?.user, 'root');
	assert.equal(holder?.startTicks, 5000);
	assert.equal(holder?.startedAtMs, 1700000000 * 1000 + 50_000);
	assert.deepEqual(index.holdersOf(99), []);
});

test('steady state: known processes are not re-walked; new ones are; dead ones dropped', () => {
	const {root, addProcess} = fakeProc();
	addProcess(100, 5000, ['socket:[11]']);
	addProcess(200, 6000, ['socket:[21]']);
	let now = 0;
	const index = new OwnerIndex({
		procRoot: root,
		fullWalkIntervalMs: 60_000,
		now: () => now,
	});
	index.refresh(new Set([11, 21]));
	assert.deepEqual(index.stats, {fdWalks: 2, fullWalks: 1, detailReads: 0, refreshes: 1});
	index.holdersOf(11);
	index.holdersOf(21);
	const detailReads = index.stats.detailReads;

	now = 1000;
	index.refresh(new Set([11, 21]));
	index.holdersOf(11);
	assert.equal(index.stats.fdWalks, 2, 'no fd walked in a steady refresh');
	assert.equal(index.stats.detailReads, detailReads, 'holder details cached');

	// A new process holding a new listener: only it is walked.
	addProcess(300, 7000, ['socket:[31]']);
	now = 2000;
	index.refresh(new Set([11, 21, 31]));
	assert.equal(index.stats.fdWalks, 3);
	assert.equal(index.stats.fullWalks, 1);
	assert.deepEqual(
		index.holdersOf(31).map((h) => h.pid),
		[300],
	);

	// A process dies: dropped without any walk.
	rmSync(join(root, '200'), {recursive: true});
	now = 3000;
	index.refresh(new Set([11, 31]));
	assert.equal(index.stats.fdWalks, 3);
	assert.deepEqual(index.holdersOf(21), []);

	// A known process opens a new listener: its inode is unexplained, so everything is re-walked once.
	addProcess(100, 5000, ['socket:[11]', 'socket:[12]']);
	now = 4000;
	index.refresh(new Set([11, 12, 31]));
	assert.equal(index.stats.fullWalks, 2);
	assert.deepEqual(
		index.holdersOf(12).map((h) => h.pid),
		[100],
	);

	// An inode nobody visible holds (another user's, a kernel socket) triggers one walk, not one per refresh.
	now = 5000;
	index.refresh(new Set([11, 12, 31, 77]));
	assert.equal(index.stats.fullWalks, 3);
	now = 6000;
	index.refresh(new Set([11, 12, 31, 77]));
	assert.equal(index.stats.fullWalks, 3);

	// The periodic full walk.
	now = 70_000;
	index.refresh(new Set([11, 12, 31, 77]));
	assert.equal(index.stats.fullWalks, 4);
});

test('a reused pid is a new process', () => {
	const {root, addProcess} = fakeProc();
	addProcess(100, 5000, ['socket:[11]'], 'old');
	const index = new OwnerIndex({procRoot: root, now: () => 0});
	index.refresh(new Set([11]));
	assert.equal(index.holdersOf(11)[0]?.name, 'old');
	// Same pid, another start time, holding another socket.
	addProcess(100, 9000, ['socket:[12]'], 'new');
	index.refresh(new Set([12]));
	assert.deepEqual(index.holdersOf(11), []);
	assert.equal(index.holdersOf(12)[0]?.name, 'new');
	assert.equal(index.holdersOf(12)[0]?.startTicks, 9000);
});

test('real processes: a steady refresh skips the fd walk of every known process', async () => {
	const {child, ports} = await spawnListenerChild(cleanup, [
		{kind: 'tcp', host: '127.0.0.1'},
	]);
	const inode = readWithNetlink({protocols: ['tcp']}).find(
		(r) => r.localPort === ports[0],
	)!.inode;
	const index = new OwnerIndex();
	index.refresh(new Set([inode]));
	const processes = index.stats.fdWalks;
	assert.ok(processes > 1);
	assert.deepEqual(
		index.holdersOf(inode).map((h) => h.pid),
		[child.pid],
	);
	index.refresh(new Set([inode]));
	index.refresh(new Set([inode]));
	assert.equal(index.stats.fullWalks, 1);
	// Only processes started in between (by anything on the machine) were walked.
	assert.ok(index.stats.fdWalks - processes < processes / 2, JSON.stringify(index.stats));
	assert.deepEqual(
		index.holdersOf(inode).map((h) => h.pid),
		[child.pid],
	);
});

/** What an index answers for these inodes: pids per inode and counters. */
function answers(index: OwnerIndex, inodes: number[]) {
	return {
		holders: inodes.map((inode) => index.holdersOf(inode).map((holder) => holder.pid)),
		unreadable: index.unreadableProcesses,
		fullWalks: index.stats.fullWalks,
	};
}

test('a background fd walk gives the answers of the walk it replaces, odd processes included', (t) => {
	if (!loadAddon()?.startFdWalk) {
		t.skip('addon not built');
		return;
	}
	const {root, addProcess, addDyingProcesses} = fakeProc();
	addProcess(100, 5000, ['socket:[11]', 'pipe:[12]', 'socket:[x]', 'socket:[13]']);
	addProcess(200, 6000, ['socket:[11]']);
	addDyingProcesses();
	const wanted = [11, 13, 99];
	const plain = new OwnerIndex({procRoot: root});
	plain.refresh(new Set(wanted));
	assert.equal(startFdWalk(root), true);
	// One walk at a time: a second start is refused until the first is taken.
	assert.equal(startFdWalk(root), false);
	// 600 appears after the background walk: the index still walks it itself.
	addProcess(600, 9000, ['socket:[99]']);
	const background = new OwnerIndex({procRoot: root});
	background.refresh(new Set(wanted));
	const expected = answers(plain, wanted);
	expected.holders[2] = [600];
	assert.deepEqual(answers(background, wanted), expected);
	assert.deepEqual(answers(background, wanted).holders, [[100, 200], [100], [600]]);
	// Taken: the next walk is a walk of its own again, and a new start is accepted.
	assert.equal(startFdWalk(root), true);
	// A walk of another procRoot is joined and ignored.
	const other = fakeProc();
	other.addProcess(700, 1, ['socket:[11]']);
	const elsewhere = new OwnerIndex({procRoot: other.root});
	elsewhere.refresh(new Set([11]));
	assert.deepEqual(answers(elsewhere, [11]).holders, [[700]]);
});

test('a background fd walk of the real /proc finds a real listener', async (t) => {
	if (!loadAddon()?.startFdWalk) {
		t.skip('addon not built');
		return;
	}
	const {child, ports} = await spawnListenerChild(cleanup, [
		{kind: 'tcp', host: '127.0.0.1'},
	]);
	assert.equal(startFdWalk(), true);
	const inode = readWithNetlink({protocols: ['tcp']}).find(
		(r) => r.localPort === ports[0],
	)!.inode;
	const index = new OwnerIndex();
	index.refresh(new Set([inode]));
	assert.deepEqual(
		index.holdersOf(inode).map((holder) => holder.pid),
		[child.pid],
	);
});
