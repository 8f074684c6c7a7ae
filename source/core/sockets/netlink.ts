/**
 * sock_diag over netlink: the kernel filters sockets by state for us (what
 * `ss -l` does), so listing listeners costs as much as there are listeners,
 * not connections. The native addon (native/sockdiag.c) dumps and decodes;
 * this module loads it and gives its answers types and errors.
 */
import {createRequire} from 'node:module';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** One socket as the kernel described it in an inet_diag_msg. */
export type DiagSocket = {
	family: 4 | 6;
	/** Kernel TCP state number (TCP_LISTEN = 10, TCP_CLOSE = 7 for unconnected UDP…). */
	state: number;
	localAddress: string;
	localPort: number;
	remoteAddress: string;
	remotePort: number;
	/** Interface the socket is bound to (SO_BINDTODEVICE or an IPv6 scope), 0 when none. */
	interfaceIndex: number;
	uid: number;
	inode: number;
};

/** A netlink error reply (NLMSG_ERROR) or a malformed dump. */
export class NetlinkError extends Error {
	constructor(
		message: string,
		/** Positive errno from the kernel, when it sent one. */
		readonly errno?: number,
	) {
		super(message);
		this.name = 'NetlinkError';
	}
}

/**
 * A dump as the addon decodes it: ROW.fields numbers per socket, and the
 * distinct addresses the rows point at (a listener table is full of
 * 127.0.0.1 and ::, so each is one string).
 */
export type DiagRows = {rows: Uint32Array; addresses: string[]};

/** What the addon returns: the rows, or why the reply did not decode. */
type DecodedDump = DiagRows | {error: string; errno?: number};

/** The layout of one row (native/sockdiag.c, ROW_*). */
export const ROW = {
	/** 4 or 6. */
	family: 0,
	/** Kernel TCP state number (TCP_LISTEN = 10, TCP_CLOSE = 7 for unconnected UDP…). */
	state: 1,
	localPort: 2,
	remotePort: 3,
	/** Interface the socket is bound to (SO_BINDTODEVICE or an IPv6 scope), 0 when none. */
	interfaceIndex: 4,
	uid: 5,
	inode: 6,
	/** Index into addresses. */
	localAddress: 7,
	remoteAddress: 8,
	fields: 9,
} as const;

function checked(decoded: DecodedDump): DiagRows {
	if ('error' in decoded) throw new NetlinkError(decoded.error, decoded.errno);
	return decoded;
}

/**
 * Decodes a captured sock_diag reply: a run of netlink messages, each an
 * nlmsghdr followed by an inet_diag_msg, ending with NLMSG_DONE. Throws
 * NetlinkError on NLMSG_ERROR, on a message whose length runs past the bytes
 * given (a truncated dump must not pass for a short one), and on a reply that
 * does not end with NLMSG_DONE. Bytes after NLMSG_DONE are ignored. The
 * decoding is the addon's, the same that every live dump goes through.
 */
export function decodeDiagDump(bytes: Uint8Array): DiagRows {
	const loaded = loadAddon();
	if (!loaded?.decode) throw new NetlinkError('sock_diag addon is not available');
	return checked(loaded.decode(bytes));
}

/** The local address of row `index`, with `%interface` when it has a scope. */
export function rowLocalAddress(
	table: DiagRows,
	index: number,
	interfaceName: (index: number) => string | undefined,
): string {
	const at = index * ROW.fields;
	const address = table.addresses[table.rows[at + ROW.localAddress]!]!;
	const interfaceIndex = table.rows[at + ROW.interfaceIndex]!;
	if (interfaceIndex === 0) return address;
	return `${address}%${interfaceName(interfaceIndex) ?? interfaceIndex}`;
}

/** The rows as objects (tests, and callers that want few sockets). */
export function diagSockets(
	table: DiagRows,
	interfaceName: (index: number) => string | undefined = () => undefined,
): DiagSocket[] {
	const {rows, addresses} = table;
	const sockets: DiagSocket[] = [];
	for (let at = 0, index = 0; at < rows.length; at += ROW.fields, index++) {
		sockets.push({
			family: rows[at + ROW.family] === 6 ? 6 : 4,
			state: rows[at + ROW.state]!,
			localAddress: rowLocalAddress(table, index, interfaceName),
			localPort: rows[at + ROW.localPort]!,
			remoteAddress: addresses[rows[at + ROW.remoteAddress]!]!,
			remotePort: rows[at + ROW.remotePort]!,
			interfaceIndex: rows[at + ROW.interfaceIndex]!,
			uid: rows[at + ROW.uid]!,
			inode: rows[at + ROW.inode]!,
		});
	}
	return sockets;
}

/** decodeDiagDump, as objects. */
export function parseDiagDump(
	bytes: Uint8Array,
	interfaceName: (index: number) => string | undefined = () => undefined,
): DiagSocket[] {
	return diagSockets(decodeDiagDump(bytes), interfaceName);
}

/** joinFdWalk's answer: holders[starts[i]..starts[i+1]) index pids for inode i. */
export type FdWalkJoin = {
	pids: Int32Array;
	/** errno per pid, 0 when its fds were read. */
	errors: Int32Array;
	starts: Uint32Array;
	holders: Uint32Array;
};

type Addon = {
	dump(family: number, protocol: number, stateMask: number): DecodedDump;
	/** The decoding of dump() over captured bytes (absent in older builds). */
	decode?(reply: Uint8Array): DecodedDump;
	/** Socket inodes of the links in one /proc/PID/fd directory (absent in older builds). */
	socketInodes?(fdDirectory: string): Uint32Array;
	/** The same for every process, on a thread of the addon's own (absent in older builds). */
	startFdWalk?(procRoot: string): boolean;
	/** Joins the walk: per pid its errno (0 when read) and the end of its run in inodes. */
	finishFdWalk?():
		| {pids: Int32Array; errors: Int32Array; ends: Uint32Array; inodes: Uint32Array}
		| undefined;
	/** Dumps (family, protocol, stateMask triples) on a thread of the addon's own (absent in older builds). */
	startDumps?(requests: Int32Array): boolean;
	/** Joins that thread: the matching dump once, or undefined when it was not asked for. */
	takeDump?(family: number, protocol: number, stateMask: number): DecodedDump | undefined;
	/** Joins the walk and finds the holders of each inode there (see native/sockdiag.c). */
	joinFdWalk?(inodes: Uint32Array): FdWalkJoin | undefined;
	/** _exit(code) (absent in older builds). */
	exitNow?(code: number): never;
};
let addon: Addon | null | undefined;
let addonError: unknown;

/**
 * The addon at build/Release/sockdiag.node, found relative to this file:
 * three levels up from source/core/sockets (tsx) and dist/core/sockets, two
 * from dist/commands (the bundled list, see list-main.ts).
 * Returns undefined when it was not built (the caller falls back to `ss`).
 */
export function loadAddon(): Addon | undefined {
	if (addon !== undefined) return addon ?? undefined;
	const here = dirname(fileURLToPath(import.meta.url));
	const built = join('build', 'Release', 'sockdiag.node');
	const candidates = [join(here, '..', '..', '..', built), join(here, '..', '..', built)];
	const path = candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
	try {
		if (!existsSync(path)) throw new Error(`${path} not built`);
		addon = createRequire(import.meta.url)(path) as Addon;
	} catch (error: unknown) {
		addonError = error;
		addon = null;
	}
	return addon ?? undefined;
}

/**
 * Ends the process with `code` at once, skipping Node's teardown, when the
 * addon can (else process.exit). Only for a command whose output was written
 * synchronously and that has nothing left to do.
 */
export function exitNow(code: number): never {
	const exit = addon?.exitNow;
	if (exit) exit(code);
	process.exit(code);
}

/** Why the addon could not be loaded, for diagnostics. */
export function addonLoadError(): unknown {
	return addonError;
}

/** A walk started by startFdWalk, not yet taken. */
let backgroundWalk: {procRoot: string; startedMs: number} | undefined;

/** Older than this, a background walk or prefetched dump is stale: joined and thrown away. */
const BACKGROUND_FRESH_MS = 2000;

/**
 * Starts reading the fds of every process on a thread of the addon's own, so
 * that a cold one-shot listing overlaps that walk (most of its own work) with
 * module loading and the socket dump. The next full walk of an OwnerIndex on
 * the same procRoot takes the result (takeFdWalk) instead of walking again;
 * processes the background walk did not see are walked as usual. Returns
 * false without the addon (or an older build), when nothing changes.
 */
export function startFdWalk(procRoot = '/proc'): boolean {
	if (backgroundWalk) return false;
	const started = loadAddon()?.startFdWalk?.(procRoot) ?? false;
	if (started) backgroundWalk = {procRoot, startedMs: Date.now()};
	return started;
}

/** Joins the background walk: its result if it was for procRoot and is still fresh. */
export function takeFdWalk(
	procRoot: string,
): ReturnType<NonNullable<Addon['finishFdWalk']>> {
	const walk = backgroundWalk;
	if (!walk) return undefined;
	backgroundWalk = undefined;
	const result = loadAddon()?.finishFdWalk?.();
	if (walk.procRoot !== procRoot || Date.now() - walk.startedMs > BACKGROUND_FRESH_MS)
		return undefined;
	return result;
}

/** Whether a walk of procRoot was started and not yet taken. */
export function fdWalkPending(procRoot: string): boolean {
	return backgroundWalk?.procRoot === procRoot;
}

/**
 * Joins the background walk and answers who holds each of `inodes` (see
 * native/sockdiag.c): undefined when no walk of procRoot was started, or it
 * is stale, or the addon predates joinFdWalk (the walk is then left for
 * takeFdWalk).
 */
export function joinFdWalk(
	procRoot: string,
	inodes: Uint32Array,
): FdWalkJoin | undefined {
	const walk = backgroundWalk;
	const join = loadAddon()?.joinFdWalk;
	if (!walk || walk.procRoot !== procRoot || !join) return undefined;
	backgroundWalk = undefined;
	const result = join(inodes);
	if (Date.now() - walk.startedMs > BACKGROUND_FRESH_MS) return undefined;
	return result;
}

/** When prefetchDumps started its dumps, and how many are still to be taken. */
let prefetchedAtMs = 0;
let prefetchedLeft = 0;

/**
 * Starts the given dumps on the addon's own thread, for the next dumpTable
 * calls with the same arguments to take instead of asking the kernel then.
 * For one-shot reads only: a prefetched dump is as old as the call to this.
 * Returns false when the addon cannot (the dumps then happen as usual).
 */
export function prefetchDumps(
	requests: ReadonlyArray<readonly [family: number, protocol: number, stateMask: number]>,
): boolean {
	const loaded = loadAddon();
	if (!loaded?.startDumps || requests.length === 0) return false;
	const started = loaded.startDumps(Int32Array.from(requests.flat()));
	if (started) {
		prefetchedAtMs = Date.now();
		prefetchedLeft = requests.length;
	}
	return started;
}

/** The decoded dump for one family/protocol and a bitmask of kernel TCP states. */
export function dumpTable(family: number, protocol: number, stateMask: number): DiagRows {
	const loaded = loadAddon();
	if (!loaded) throw new NetlinkError('sock_diag addon is not available');
	if (prefetchedLeft > 0) {
		const taken = loaded.takeDump?.(family, protocol, stateMask);
		if (taken) {
			prefetchedLeft--;
			if (Date.now() - prefetchedAtMs <= BACKGROUND_FRESH_MS) return checked(taken);
		}
	}
	return checked(loaded.dump(family, protocol, stateMask));
}
