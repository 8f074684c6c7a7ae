/**
 * The live listener table: kernel socket records (listeners only, filtered by
 * the kernel) joined with the processes holding them (OwnerIndex, cached by
 * process identity). A ListenerReader kept across refreshes does only the
 * work that changed; `readListeners()` is the one-shot form for the CLI.
 */
import {isRoot, userName} from '../users.js';
import {
	detectBackend,
	LISTENER_QUERY,
	readWithBackend,
	type KernelBackend,
	type SocketRecord,
} from './kernel.js';
import type {Listener, ListenerSnapshot} from './listener.js';
import {OwnerIndex, type OwnerStats} from './owners.js';

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
		const root = isRoot();
		const euid = typeof process.geteuid === 'function' ? process.geteuid() : -1;
		const next = new Map<number, Cached>();
		const listeners: Listener[] = [];
		let hiddenCount = 0;
		// userName() checks /etc/passwd's mtime on every call: once per uid per read is enough.
		const users = new Map<number, string>();
		for (const record of records) {
			const processes = this.owners.holdersOf(record.inode);
			const hidden = processes.length === 0 && !root && record.uid !== euid;
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
		return {listeners, takenAtMs, isRoot: root, hiddenCount};
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

function nameOf(users: Map<number, string>, uid: number): string {
	const name = userName(uid);
	users.set(uid, name);
	return name;
}

/** One snapshot of every listener, for commands that print and exit. */
export function readListeners(options: ListenerReaderOptions = {}): ListenerSnapshot {
	return new ListenerReader({keepState: false, ...options}).read();
}
