/**
 * The live listener table: kernel socket records (listeners only, filtered by
 * the kernel) joined with the processes holding them (OwnerIndex, cached by
 * process identity). A ListenerReader kept across refreshes does only the
 * work that changed; `readListeners()` is the one-shot form for the CLI.
 */
import {isRoot, userName} from '../users.js';
import {interfaceName} from './address.js';
import {
	detectBackend,
	LISTENER_QUERY,
	netlinkDumps,
	TCP_LISTEN,
	readWithBackend,
	wantedRow,
	type KernelBackend,
	type NetlinkDump,
	type SocketRecord,
} from './kernel.js';
import type {Holder, Listener, ListenerSnapshot} from './listener.js';
import {
	fdWalkPending,
	joinFdWalk,
	ROW,
	rowLocalAddress,
	type FdWalkJoin,
} from './netlink.js';
import {
	listPids,
	NO_HOLDERS,
	OwnerIndex,
	readHolder,
	socketInodesOf,
	type OwnerStats,
} from './owners.js';

export type ListenerReaderOptions = {
	procRoot?: string;
	backend?: 'auto' | KernelBackend;
	/** How often the owner index re-walks every process regardless (ms). */
	fullWalkIntervalMs?: number;
	/**
	 * Keep what the next read can reuse (default true). One-shot reads turn it
	 * off: keeping 10,000 listeners indexed for a read that never comes is waste.
	 */
	keepState?: boolean;
};

export class ListenerReader {
	private readonly owners: OwnerIndex;
	private readonly procRoot: string;
	private readonly backend: 'auto' | KernelBackend;
	/** Last refresh's listeners by inode, reused when nothing about them changed. */
	private previous = new Map<number, Cached>();
	private readonly keepState: boolean;

	constructor(options: ListenerReaderOptions = {}) {
		this.procRoot = options.procRoot ?? '/proc';
		this.backend = options.backend ?? 'auto';
		this.keepState = options.keepState ?? true;
		this.owners = new OwnerIndex({
			procRoot: this.procRoot,
			fullWalkIntervalMs: options.fullWalkIntervalMs,
		});
	}

	/** What the owner index did so far (walks, detail reads): for tests and the benchmark. */
	get stats(): Readonly<OwnerStats> {
		return this.owners.stats;
	}

	/** The backend this reader uses (`auto` resolved). */
	get backendName(): KernelBackend {
		return this.backend === 'auto' ? detectBackend() : this.backend;
	}

	read(): ListenerSnapshot {
		const takenAtMs = Date.now();
		const records = this.readRecords();
		const inodes = new Set<number>();
		for (const record of records) inodes.add(record.inode);
		this.owners.refresh(inodes);
		const viewer = currentViewer();
		const next = new Map<number, Cached>();
		const listeners: Listener[] = [];
		let hiddenCount = 0;
		// userName() checks /etc/passwd's mtime on every call: once per uid per read is enough.
		const users = new Map<number, string>();
		for (const record of records) {
			const processes = this.owners.holdersOf(record.inode);
			const hidden = holdersHidden(processes, record.uid, viewer);
			if (hidden) hiddenCount++;
			const previous = this.previous.get(record.inode);
			let listener: Listener;
			if (
				previous &&
				previous.record === record &&
				previous.listener.processes === processes
			) {
				listener = previous.listener;
			} else {
				listener = {
					protocol: record.protocol,
					family: record.family,
					address: record.localAddress,
					port: record.localPort,
					state: record.state === 'LISTEN' ? 'LISTEN' : 'UNCONN',
					inode: record.inode,
					uid: record.uid,
					user: users.get(record.uid) ?? nameOf(users, record.uid),
					processes,
					processesHidden: hidden,
				};
			}
			// Inode 0 (no file behind the socket) cannot key a cache.
			if (record.inode !== 0 && this.keepState)
				next.set(record.inode, {record, listener});
			listeners.push(listener);
		}
		this.previous = next;
		return {listeners, takenAtMs, isRoot: viewer.root, hiddenCount};
	}

	private readRecords(): SocketRecord[] {
		const query = LISTENER_QUERY;
		const previous = this.previous;
		const reuse = {get: (inode: number) => previous.get(inode)?.record};
		if (this.backend !== 'auto') {
			return readWithBackend(this.backend, query, this.procRoot, reuse);
		}
		const order: KernelBackend[] = ['netlink', 'ss', 'procnet'];
		let lastError: unknown;
		for (const backend of order.slice(order.indexOf(detectBackend()))) {
			try {
				return readWithBackend(backend, query, this.procRoot, reuse);
			} catch (error: unknown) {
				lastError = error;
			}
		}
		throw lastError;
	}
}

type Cached = {record: SocketRecord; listener: Listener};

/** Who is reading: root sees every process; others see their own uid's. */
type Viewer = {root: boolean; euid: number};

function currentViewer(): Viewer {
	return {
		root: isRoot(),
		euid: typeof process.geteuid === 'function' ? process.geteuid() : -1,
	};
}

/**
 * Whether a socket's holders are hidden from the viewer rather than absent:
 * nobody visible holds it, and it is another user's, which sudo would show.
 */
function holdersHidden(processes: Holder[], uid: number, viewer: Viewer): boolean {
	return processes.length === 0 && !viewer.root && uid !== viewer.euid;
}

function nameOf(users: Map<number, string>, uid: number): string {
	const name = userName(uid);
	users.set(uid, name);
	return name;
}

/**
 * One snapshot of every listener, for commands that print and exit. After
 * startListenerRead, the fd walk it started is joined to the dumped sockets
 * in the addon (readListenersJoined); otherwise, or when that cannot answer, a
 * ListenerReader reads as the UI's does.
 */
export function readListeners(options: ListenerReaderOptions = {}): ListenerSnapshot {
	const procRoot = options.procRoot ?? '/proc';
	if ((options.backend ?? 'auto') === 'auto' && fdWalkPending(procRoot)) {
		const snapshot = readListenersJoined(procRoot);
		if (snapshot) return snapshot;
	}
	return new ListenerReader({keepState: false, ...options}).read();
}

/**
 * The one-shot read of a cold `portui list`: sockets straight from the
 * decoded dumps, holders from the addon's join of its fd walk to their
 * inodes. No SocketRecord, no Set of inodes, no Map back from them: with
 * 10,000 listeners those were megabytes of fresh pages, ~10 us each on this
 * machine class. Processes started after the walk are walked here, as
 * OwnerIndex does. Undefined when the dumps or the join fail, for
 * ListenerReader to read instead.
 */
export function readListenersJoined(procRoot = '/proc'): ListenerSnapshot | undefined {
	const takenAtMs = Date.now();
	let dumps: NetlinkDump[];
	try {
		dumps = netlinkDumps(LISTENER_QUERY);
	} catch {
		return undefined;
	}
	// The listeners first, holders to come: building 10,000 objects overlaps
	// the fd walk, which is still running on the addon's thread.
	const users = new Map<number, string>();
	const listeners: Listener[] = [];
	let rowCount = 0;
	for (const {table} of dumps) rowCount += table.rows.length / ROW.fields;
	const inodes = new Uint32Array(rowCount);
	for (const {protocol, mask, table} of dumps) {
		const rows = table.rows;
		for (let at = 0, index = 0; at < rows.length; at += ROW.fields, index++) {
			if (!wantedRow(protocol, rows, at, mask)) continue;
			const uid = rows[at + ROW.uid]!;
			inodes[listeners.length] = rows[at + ROW.inode]!;
			listeners.push({
				protocol,
				family: rows[at + ROW.family] === 6 ? 6 : 4,
				address: rowLocalAddress(table, index, interfaceName),
				port: rows[at + ROW.localPort]!,
				state: rows[at + ROW.state] === TCP_LISTEN ? 'LISTEN' : 'UNCONN',
				inode: rows[at + ROW.inode]!,
				uid,
				user: users.get(uid) ?? nameOf(users, uid),
				processes: NO_HOLDERS,
				processesHidden: false,
			});
		}
	}
	const wanted = inodes.subarray(0, listeners.length);
	const join = joinFdWalk(procRoot, wanted);
	if (!join) return undefined;
	const holders = new JoinedHolders(join, procRoot, wanted);
	const viewer = currentViewer();
	let hiddenCount = 0;
	for (let position = 0; position < listeners.length; position++) {
		const listener = listeners[position]!;
		const processes = holders.of(position);
		if (processes.length > 0) listener.processes = processes;
		else if (holdersHidden(processes, listener.uid, viewer)) {
			listener.processesHidden = true;
			hiddenCount++;
		}
	}
	return {listeners, takenAtMs, isRoot: viewer.root, hiddenCount};
}

/** Holder lists from a join: one array per set of holders, details read once per process. */
class JoinedHolders {
	private readonly details: Array<Holder | null | undefined>;
	private readonly alone: Array<Holder[] | undefined>;
	private readonly shared = new Map<string, Holder[]>();
	/** Holders found by walking processes the background walk did not see, by position. */
	private readonly late = new Map<number, Holder[]>();

	constructor(
		private readonly join: FdWalkJoin,
		private readonly procRoot: string,
		inodes: Uint32Array,
	) {
		this.details = new Array<Holder | null | undefined>(join.pids.length);
		this.alone = new Array<Holder[] | undefined>(join.pids.length);
		this.walkLateProcesses(inodes);
	}

	of(position: number): Holder[] {
		const {starts, holders} = this.join;
		const start = starts[position]!;
		const end = starts[position + 1]!;
		if (start === end) return this.late.get(position) ?? NO_HOLDERS;
		if (end - start === 1) {
			const index = holders[start]!;
			let list = this.alone[index];
			if (!list) {
				const holder = this.holder(index);
				list = holder ? [holder] : NO_HOLDERS;
				this.alone[index] = list;
			}
			return list;
		}
		const key = holders.subarray(start, end).join(',');
		let list = this.shared.get(key);
		if (!list) {
			list = [];
			for (let at = start; at < end; at++) {
				const holder = this.holder(holders[at]!);
				if (holder) list.push(holder);
			}
			this.shared.set(key, list);
		}
		return list;
	}

	private holder(index: number): Holder | undefined {
		let holder = this.details[index];
		if (holder === undefined) {
			holder = readHolder(this.join.pids[index]!, this.procRoot) ?? null;
			this.details[index] = holder;
		}
		return holder ?? undefined;
	}

	/**
	 * A process started after the walk listed /proc may already hold a dumped
	 * socket: walk those few here, for the sockets nobody held.
	 */
	private walkLateProcesses(inodes: Uint32Array) {
		const walked = new Set(this.join.pids);
		let unheld: Map<number, number[]> | undefined;
		for (const pid of listPids(this.procRoot)) {
			if (walked.has(pid)) continue;
			unheld ??= this.unheldPositions(inodes);
			if (unheld.size === 0) return;
			let held: Iterable<number>;
			try {
				held = socketInodesOf(pid, this.procRoot);
			} catch {
				continue; // Gone again, or not ours to read.
			}
			let holder: Holder | undefined;
			for (const inode of held) {
				for (const position of unheld.get(inode) ?? []) {
					holder ??= readHolder(pid, this.procRoot);
					if (!holder) break;
					const list = this.late.get(position) ?? [];
					list.push(holder);
					this.late.set(position, list);
				}
			}
		}
	}

	private unheldPositions(inodes: Uint32Array): Map<number, number[]> {
		const {starts} = this.join;
		const unheld = new Map<number, number[]>();
		for (let position = 0; position < inodes.length; position++) {
			const inode = inodes[position]!;
			if (inode === 0 || starts[position] !== starts[position + 1]) continue;
			const positions = unheld.get(inode);
			if (positions) positions.push(position);
			else unheld.set(inode, [position]);
		}
		return unheld;
	}
}
