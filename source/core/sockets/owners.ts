/**
 * Which processes hold which sockets. The kernel names a socket's owner uid
 * but not the processes holding it: the only way is to read every process's
 * /proc/PID/fd links (`socket:[INODE]`), which is what makes `ss -p` slow.
 *
 * OwnerIndex makes that cost follow the listeners: a process's fds are walked
 * once, when it is first seen (pid + start time), and its socket inodes kept.
 * A steady-state refresh only lists /proc to notice new and dead pids. All fds
 * are walked again only when a listener's inode is still unexplained (a known
 * process opened a new listener) and on a slow periodic timer (fds passed or
 * closed inside a known process).
 */
import {readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {PermissionError, ProcessGoneError} from '../errors.js';
import {parseStat, startedAtMs, statusUid} from '../procfs.js';
import {userName} from '../users.js';
import type {Holder} from './listener.js';
import {loadAddon, takeFdWalk} from './netlink.js';

const SOCKET_PREFIX = 'socket:[';
/** The holders of a socket nobody visible holds: one frozen array for all of them. */
export const NO_HOLDERS = Object.freeze([]) as unknown as Holder[];

function errorCode(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isGone(code: string | undefined) {
	return code === 'ENOENT' || code === 'ESRCH';
}

function isDenied(code: string | undefined) {
	return code === 'EACCES' || code === 'EPERM';
}

/** Parses the target of an fd link: the inode for `socket:[123]`, else undefined. */
export function socketInodeOfLink(link: string): number | undefined {
	if (!link.startsWith(SOCKET_PREFIX) || !link.endsWith(']')) return undefined;
	const inode = Number(link.slice(SOCKET_PREFIX.length, -1));
	return Number.isInteger(inode) && inode > 0 ? inode : undefined;
}

/**
 * Inodes of the sockets a process holds (readlink of /proc/PID/fd/*). Fds
 * closed between readdir and readlink are skipped. Throws ProcessGoneError
 * when the process has exited and PermissionError when its fds are not ours
 * to read.
 */
export function socketInodesOf(
	pid: number,
	procRoot = '/proc',
	options: {native?: boolean} = {},
): Set<number> {
	return new Set(socketInodeList(pid, procRoot, options.native ?? true));
}

/** errno numbers (asm-generic) of the codes the walk tells apart. */
const ERRNO_CODES: Record<number, string> = {
	1: 'EPERM',
	2: 'ENOENT',
	3: 'ESRCH',
	13: 'EACCES',
};

export {startFdWalk} from './netlink.js';

type WalkedFds = {inodes: Uint32Array; error: number};

/** The background walk's result by pid, if one is running for procRoot and still fresh. */
function takeBackgroundWalk(procRoot: string): Map<number, WalkedFds> | undefined {
	const result = takeFdWalk(procRoot);
	if (!result) return undefined;
	const byPid = new Map<number, WalkedFds>();
	let start = 0;
	for (let index = 0; index < result.pids.length; index++) {
		const end = result.ends[index]!;
		byPid.set(result.pids[index]!, {
			inodes: result.inodes.subarray(start, end),
			error: result.errors[index]!,
		});
		start = end;
	}
	return byPid;
}

/** socketInodesOf without the Set: a Uint32Array from the addon, or a Set from the JS walk. */
function socketInodeList(
	pid: number,
	procRoot: string,
	useNative: boolean,
): Iterable<number> {
	const directory = `${procRoot}/${pid}/fd`;
	const native = useNative ? loadAddon()?.socketInodes : undefined;
	try {
		if (native) return native(directory);
		return readSocketLinks(directory);
	} catch (error: unknown) {
		throw walkError(pid, error);
	}
}

/** The typed error for a failed fd walk of one process. */
function walkError(pid: number, error: unknown): unknown {
	const code = errorCode(error);
	if (isGone(code))
		return new ProcessGoneError(`process ${pid} has exited`, {cause: error});
	if (isDenied(code)) {
		return new PermissionError(
			`cannot read the file descriptors of process ${pid}: needs root (run with sudo)`,
			{cause: error},
		);
	}
	return error;
}

/** The same walk in JS, for when the addon is not built. */
function readSocketLinks(directory: string): Set<number> {
	const names = readdirSync(directory);
	const inodes = new Set<number>();
	for (const name of names) {
		let link: string;
		try {
			link = readlinkSync(`${directory}/${name}`);
		} catch {
			// Closed since readdir, or the process exited: nothing to hold.
			continue;
		}
		const inode = socketInodeOfLink(link);
		if (inode !== undefined) inodes.add(inode);
	}
	return inodes;
}

/** The pids listed in procRoot (its numeric entries). */
export function listPids(procRoot = '/proc'): number[] {
	const pids: number[] = [];
	for (const name of readdirSync(procRoot)) {
		const code = name.charCodeAt(0);
		if (code < 48 || code > 57) continue;
		const pid = Number(name);
		if (Number.isInteger(pid)) pids.push(pid);
	}
	return pids;
}

/** Counters that show what a refresh cost; tests assert the cache on these. */
export type OwnerStats = {
	/** fd directories listed (one per process walked), since the index was made. */
	fdWalks: number;
	/** Full walks of every process (cold start, unexplained inode, periodic). */
	fullWalks: number;
	/** Processes whose details (comm, cmdline, uid) were read. */
	detailReads: number;
	refreshes: number;
};

type ProcessEntry = {
	pid: number;
	startTicks: number;
	/** Socket inodes; undefined when the fd dir could not be read. */
	inodes: Set<number> | undefined;
	denied: boolean;
	holder?: Holder;
	/** `[this]`, the owner list of every inode only this process holds. */
	alone?: ProcessEntry[];
	/** `[holder]`, kept for the process's life so unchanged listeners stay the same objects. */
	aloneHolders?: Holder[];
};

export type OwnerIndexOptions = {
	procRoot?: string;
	/** Re-walk every process at most this often even when nothing looks unexplained. Default 30 s. */
	fullWalkIntervalMs?: number;
	/** Clock, for tests. */
	now?: () => number;
	/** Use the addon's fd walk when built (default true); false forces the JS walk. */
	native?: boolean;
};

export class OwnerIndex {
	readonly stats: OwnerStats = {fdWalks: 0, fullWalks: 0, detailReads: 0, refreshes: 0};
	private readonly procRoot: string;
	private readonly fullWalkIntervalMs: number;
	private readonly now: () => number;
	private readonly native: boolean;
	private readonly processes = new Map<number, ProcessEntry>();
	private inodeOwners = new Map<number, ProcessEntry[]>();
	/** holdersOf answers, valid until the inode map is rebuilt. */
	private holderLists = new Map<ProcessEntry[], Holder[]>();
	/**
	 * Shared holder lists by their processes' identities, kept across rebuilds:
	 * a rebuild (any new or closed listener anywhere) must not give every
	 * unchanged listener a new holder array, or every row looks changed.
	 */
	private sharedHolderLists = new Map<string, Holder[]>();
	/** Every process that holds a wanted inode, valid until the inode map is rebuilt. */
	private holderEntrySet = new Set<ProcessEntry>();
	private lastFullWalkMs = Number.NEGATIVE_INFINITY;
	/** Inodes no walk could explain (other users' processes, kernel sockets): no rewalk for them. */
	private unexplainable = new Set<number>();
	private deniedCount = 0;

	constructor(options: OwnerIndexOptions = {}) {
		this.procRoot = options.procRoot ?? '/proc';
		this.fullWalkIntervalMs = options.fullWalkIntervalMs ?? 30_000;
		this.now = options.now ?? Date.now;
		this.native = options.native ?? true;
	}

	/** How many live processes' fd dirs could not be read (EACCES) at the last refresh. */
	get unreadableProcesses(): number {
		return this.deniedCount;
	}

	/**
	 * Brings the index up to date for these wanted inodes (the listeners of
	 * this refresh). Only the inodes asked for are kept in the inode map, so
	 * memory follows listeners too.
	 */
	refresh(wanted: ReadonlySet<number> | readonly number[]): void {
		this.stats.refreshes++;
		const wantedSet =
			wanted instanceof Set ? wanted : new Set(wanted as readonly number[]);
		const pids = listPids(this.procRoot);
		const alive = new Set(pids);
		let changed = false;
		for (const [pid, entry] of this.processes) {
			if (alive.has(pid)) continue;
			this.processes.delete(pid);
			if (entry.inodes && entry.inodes.size > 0) changed = true;
		}
		// A holder whose pid now names another process (reused between refreshes) is new.
		for (const entry of this.holderEntries()) {
			if (this.readStartTicks(entry.pid) === entry.startTicks) continue;
			this.processes.delete(entry.pid);
			changed = true;
		}
		const full = this.now() - this.lastFullWalkMs >= this.fullWalkIntervalMs;
		if (this.walk(pids, full, wantedSet) || changed || this.inodeOwners.size === 0) {
			this.rebuildInodeMap(wantedSet);
		}
		// A background walk starts before the socket dump, so a socket that an
		// already-walked process opens in those few milliseconds shows no owner on
		// a cold one-shot read. Walking again whenever something is unexplained
		// would double the cost on every machine with an ownerless socket (another
		// user's, or one held outside this pid namespace); the long-lived reader
		// of the UI never takes a background walk and is not affected.
		if (full) this.noteUnexplainable(wantedSet);
		else if (this.hasUnexplained(wantedSet)) {
			if (this.walk(pids, true, wantedSet)) this.rebuildInodeMap(wantedSet);
			this.noteUnexplainable(wantedSet);
		}
	}

	/**
	 * Holders of a socket, lowest pid first (details read once per process
	 * lifetime). Empty when no readable process holds it.
	 */
	holdersOf(inode: number): Holder[] {
		const entries = this.inodeOwners.get(inode);
		if (!entries) return NO_HOLDERS;
		const cached = this.holderLists.get(entries);
		if (cached) return cached;
		if (entries.length === 1) {
			const entry = entries[0]!;
			if (entry.aloneHolders) return entry.aloneHolders;
			const holder = this.holderOf(entry);
			if (!holder) return NO_HOLDERS;
			entry.aloneHolders = [holder];
			return entry.aloneHolders;
		}
		const key = entries.map((entry) => `${entry.pid}:${entry.startTicks}`).join(',');
		const kept = this.sharedHolderLists.get(key);
		if (kept) {
			this.holderLists.set(entries, kept);
			return kept;
		}
		const holders: Holder[] = [];
		let complete = true;
		for (const entry of entries) {
			const holder = this.holderOf(entry);
			if (holder) holders.push(holder);
			else complete = false;
		}
		// The same array until the owners change, so callers can compare by reference.
		if (complete) {
			this.holderLists.set(entries, holders);
			this.sharedHolderLists.set(key, holders);
		}
		return holders;
	}

	/** Walks the fds of new processes (or of all when `all`). Returns whether anything changed. */
	private walk(pids: number[], all: boolean, wanted: ReadonlySet<number>): boolean {
		let changed = false;
		let walked: Map<number, WalkedFds> | undefined;
		if (all) {
			this.stats.fullWalks++;
			this.lastFullWalkMs = this.now();
			this.deniedCount = 0;
			if (this.native) walked = takeBackgroundWalk(this.procRoot);
		}
		for (const pid of pids) {
			const known = this.processes.get(pid);
			if (known && !all) continue;
			const startTicks = this.readStartTicks(pid);
			if (startTicks === undefined) {
				if (known) {
					this.processes.delete(pid);
					changed = true;
				}
				continue;
			}
			// A pid reused by another process is a new process.
			const sameProcess = known && known.startTicks === startTicks;
			const entry: ProcessEntry =
				sameProcess && known
					? known
					: {pid, startTicks, inodes: undefined, denied: false};
			const previous = known?.inodes;
			this.stats.fdWalks++;
			try {
				entry.inodes = this.walkFds(pid, wanted, walked?.get(pid));
				entry.denied = false;
			} catch (error: unknown) {
				if (error instanceof ProcessGoneError) {
					this.processes.delete(pid);
					changed = changed || known !== undefined;
					continue;
				}
				// EACCES (another user's process) or anything odd (ENOTDIR, EIO on a
				// dying process): this process's sockets stay unexplained, nothing more.
				entry.inodes = undefined;
				entry.denied = error instanceof PermissionError;
			}
			if (entry.denied) this.deniedCount++;
			if (!sameProcess) entry.holder = undefined;
			// Only a change in who holds wanted inodes matters (most new processes hold none).
			const before = previous?.size ?? 0;
			const after = entry.inodes?.size ?? 0;
			if (
				(!sameProcess && before > 0) ||
				(!sameInodes(previous, entry.inodes) && (before > 0 || after > 0))
			) {
				changed = true;
			}
			this.processes.set(pid, entry);
		}
		return changed;
	}

	/**
	 * Socket inodes of one process. Only sockets are kept (not pipes or files),
	 * and of those only the wanted ones plus any new ones for later listeners:
	 * keeping every connection inode of a busy server would make memory follow
	 * connections. A listener that appears later in a known process is
	 * unexplained, which triggers a walk.
	 */
	private walkFds(
		pid: number,
		wanted: ReadonlySet<number>,
		walked?: WalkedFds,
	): Set<number> {
		if (walked && walked.error !== 0) {
			const code = ERRNO_CODES[walked.error] ?? `E${walked.error}`;
			throw walkError(
				pid,
				Object.assign(new Error(`${this.procRoot}/${pid}/fd: ${code}`), {code}),
			);
		}
		const kept = new Set<number>();
		const inodes = walked
			? walked.inodes
			: socketInodeList(pid, this.procRoot, this.native);
		for (const inode of inodes) {
			if (wanted.has(inode)) kept.add(inode);
		}
		return kept;
	}

	private readStartTicks(pid: number): number | undefined {
		try {
			const stat = parseStat(readFileSync(`${this.procRoot}/${pid}/stat`, 'utf8'));
			return stat?.startTicks;
		} catch {
			return undefined;
		}
	}

	/** After a full walk: what is still unexplained will not trigger another until the timer. */
	private noteUnexplainable(wanted: ReadonlySet<number>) {
		this.unexplainable = new Set();
		for (const inode of wanted) {
			if (!this.inodeOwners.has(inode)) this.unexplainable.add(inode);
		}
	}

	private hasUnexplained(wanted: ReadonlySet<number>): boolean {
		for (const inode of wanted) {
			if (inode === 0 || this.unexplainable.has(inode)) continue;
			if (!this.inodeOwners.has(inode)) return true;
		}
		return false;
	}

	private holderEntries(): Set<ProcessEntry> {
		return this.holderEntrySet;
	}

	private rebuildInodeMap(wanted: ReadonlySet<number>) {
		// Inodes with the same holders share one list (and so one Holder[] in
		// holdersOf): 10,000 listeners of 4 processes make 4 lists, not 10,000.
		const owners = new Map<number, ProcessEntry[]>();
		let shared = false;
		for (const entry of this.processes.values()) {
			if (!entry.inodes) continue;
			for (const inode of entry.inodes) {
				if (!wanted.has(inode)) continue;
				const list = owners.get(inode);
				if (!list) owners.set(inode, (entry.alone ??= [entry]));
				else {
					owners.set(inode, [...list, entry]);
					shared = true;
				}
			}
		}
		if (shared) {
			const canonical = new Map<string, ProcessEntry[]>();
			for (const [inode, list] of owners) {
				if (list.length === 1) continue;
				list.sort((a, b) => a.pid - b.pid);
				const key = list.map((entry) => entry.pid).join(',');
				const known = canonical.get(key);
				if (known) owners.set(inode, known);
				else canonical.set(key, list);
			}
		}
		const entries = new Set<ProcessEntry>();
		const seen = new Set<ProcessEntry[]>();
		for (const list of owners.values()) {
			if (seen.has(list)) continue;
			seen.add(list);
			for (const entry of list) entries.add(entry);
		}
		this.inodeOwners = owners;
		this.holderEntrySet = entries;
		this.holderLists = new Map();
		if (shared) {
			const live = new Set<string>();
			for (const list of seen) {
				if (list.length > 1)
					live.add(list.map((entry) => `${entry.pid}:${entry.startTicks}`).join(','));
			}
			for (const key of this.sharedHolderLists.keys()) {
				if (!live.has(key)) this.sharedHolderLists.delete(key);
			}
		} else this.sharedHolderLists.clear();
	}

	private holderOf(entry: ProcessEntry): Holder | undefined {
		if (entry.holder) return entry.holder;
		this.stats.detailReads++;
		entry.holder = readHolder(entry.pid, this.procRoot, entry.startTicks);
		return entry.holder;
	}
}

/**
 * What a listener table shows of the process `pid`: name, command line, user
 * and start. Undefined when it has exited, or when it is not the process
 * that started at `startTicks` (its pid was reused), when that is given.
 */
export function readHolder(
	pid: number,
	procRoot = '/proc',
	startTicks?: number,
): Holder | undefined {
	const base = `${procRoot}/${pid}`;
	try {
		const stat = parseStat(readFileSync(`${base}/stat`, 'utf8'));
		if (!stat || (startTicks !== undefined && stat.startTicks !== startTicks))
			return undefined;
		const command = readFileSync(`${base}/cmdline`, 'utf8')
			.replace(/\0+$/, '')
			.replaceAll('\0', ' ');
		// Effective uid, as ps's USER column shows.
		const uid = statusUid(readFileSync(`${base}/status`, 'utf8')) ?? -1;
		return {
			pid,
			name: stat.name,
			command: command === '' ? `[${stat.name}]` : command,
			uid,
			user: uid < 0 ? '?' : userName(uid),
			startTicks: stat.startTicks,
			startedAtMs: startedAtMs(stat.startTicks, procRoot),
		};
	} catch {
		// Exited since the walk: it no longer holds anything.
		return undefined;
	}
}

function sameInodes(a: Set<number> | undefined, b: Set<number> | undefined): boolean {
	if (a === b) return true;
	if (!a || !b || a.size !== b.size) return false;
	for (const inode of a) if (!b.has(inode)) return false;
	return true;
}
