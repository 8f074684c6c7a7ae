/**
 * sock_diag over netlink: the kernel filters sockets by state for us (what
 * `ss -l` does), so listing listeners costs as much as there are listeners,
 * not connections. The native addon only moves bytes; this module parses them,
 * so the parsing is tested on captured bytes without the kernel.
 */
import {createRequire} from 'node:module';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {formatIpv4, formatIpv6Words} from './address.js';

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

const NLMSG_HEADER_BYTES = 16;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
/** SOCK_DIAG_BY_FAMILY: the message type of every inet_diag reply. */
const SOCK_DIAG_BY_FAMILY = 20;
/** sizeof(struct inet_diag_msg); attributes may follow and are skipped. */
const INET_DIAG_MSG_BYTES = 72;

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

const align4 = (length: number) => (length + 3) & ~3;

/**
 * Parses a sock_diag dump reply: a run of netlink messages, each an nlmsghdr
 * followed by an inet_diag_msg, ending with NLMSG_DONE. Throws NetlinkError on
 * NLMSG_ERROR or on a message whose length runs past the bytes given (a
 * truncated dump must not pass for a short one), and on a reply that does
 * not end with NLMSG_DONE. Bytes after NLMSG_DONE are ignored.
 */
export function parseDiagDump(
	bytes: Uint8Array,
	interfaceName: (index: number) => string | undefined = () => undefined,
): DiagSocket[] {
	const sockets: DiagSocket[] = [];
	visitDiagDump(bytes, (view, at) =>
		sockets.push(readDiagMessage(view, at, interfaceName)),
	);
	return sockets;
}

/** Offsets of inet_diag_msg fields, for callers that read only what they need. */
export const DIAG = {
	family: 0,
	state: 1,
	localPort: 4,
	remotePort: 6,
	uid: 64,
	inode: 68,
} as const;

/**
 * The framing of parseDiagDump without building objects: calls `visit` with
 * the offset of each inet_diag_msg. The same errors as parseDiagDump.
 */
export function visitDiagDump(
	bytes: Uint8Array,
	visit: (view: DataView, at: number) => void,
): void {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let offset = 0;
	let sawDone = false;
	while (offset + NLMSG_HEADER_BYTES <= bytes.byteLength) {
		const length = view.getUint32(offset, true);
		const type = view.getUint16(offset + 4, true);
		if (length < NLMSG_HEADER_BYTES || offset + length > bytes.byteLength) {
			throw new NetlinkError(
				`sock_diag: malformed reply (message of ${length} bytes at offset ${offset} of ${bytes.byteLength})`,
			);
		}
		if (type === NLMSG_DONE) {
			sawDone = true;
			break;
		}
		if (type === NLMSG_ERROR) {
			const errno =
				length >= NLMSG_HEADER_BYTES + 4
					? -view.getInt32(offset + NLMSG_HEADER_BYTES, true)
					: undefined;
			throw new NetlinkError(`sock_diag: kernel error (errno ${errno ?? '?'})`, errno);
		}
		if (type === SOCK_DIAG_BY_FAMILY) {
			if (length < NLMSG_HEADER_BYTES + INET_DIAG_MSG_BYTES) {
				throw new NetlinkError(
					`sock_diag: short inet_diag_msg (${length} bytes at offset ${offset})`,
				);
			}
			visit(view, offset + NLMSG_HEADER_BYTES);
		}
		offset += align4(length);
	}
	if (!sawDone && bytes.byteLength > 0) {
		throw new NetlinkError(
			`sock_diag: truncated reply (no NLMSG_DONE in ${bytes.byteLength} bytes)`,
		);
	}
}

export function readDiagMessage(
	view: DataView,
	at: number,
	interfaceName: (index: number) => string | undefined,
): DiagSocket {
	const family = view.getUint8(at) === AF_INET6 ? 6 : 4;
	return {
		family,
		state: view.getUint8(at + 1),
		localPort: view.getUint16(at + 4, false),
		remotePort: view.getUint16(at + 6, false),
		localAddress: diagLocalAddress(view, at, interfaceName),
		remoteAddress: diagRemoteAddress(view, at),
		interfaceIndex: view.getUint32(at + 40, true),
		uid: view.getUint32(at + 64, true),
		inode: view.getUint32(at + 68, true),
	};
}

/** The local address of the inet_diag_msg at `at`, with `%interface` when it has a scope. */
export function diagLocalAddress(
	view: DataView,
	at: number,
	interfaceName: (index: number) => string | undefined,
): string {
	const family = view.getUint8(at) === AF_INET6 ? 6 : 4;
	const interfaceIndex = view.getUint32(at + 40, true);
	const address = readAddress(view, at + 8, family);
	if (interfaceIndex === 0) return address;
	return `${address}%${interfaceName(interfaceIndex) ?? interfaceIndex}`;
}

/** The remote address of the inet_diag_msg at `at`. */
export function diagRemoteAddress(view: DataView, at: number): string {
	return readAddress(view, at + 24, view.getUint8(at) === AF_INET6 ? 6 : 4);
}

function readAddress(view: DataView, at: number, family: 4 | 6): string {
	if (family === 4) return formatIpv4(view.getUint32(at, false));
	return formatIpv6Words(
		view.getUint32(at, false),
		view.getUint32(at + 4, false),
		view.getUint32(at + 8, false),
		view.getUint32(at + 12, false),
	);
}

type Addon = {
	dump(family: number, protocol: number, stateMask: number): Buffer;
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
	takeDump?(family: number, protocol: number, stateMask: number): Buffer | undefined;
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

/** When prefetchDumps started its dumps, and how many are still to be taken. */
let prefetchedAtMs = 0;
let prefetchedLeft = 0;

/**
 * Starts the given dumps on the addon's own thread, for the next dumpRaw
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

/** Raw dump bytes for one family/protocol and a bitmask of kernel TCP states. */
export function dumpRaw(family: number, protocol: number, stateMask: number): Buffer {
	const loaded = loadAddon();
	if (!loaded) throw new NetlinkError('sock_diag addon is not available');
	if (prefetchedLeft > 0) {
		const taken = loaded.takeDump?.(family, protocol, stateMask);
		if (taken) {
			prefetchedLeft--;
			if (Date.now() - prefetchedAtMs <= BACKGROUND_FRESH_MS) return taken;
		}
	}
	return loaded.dump(family, protocol, stateMask);
}

/** Sockets of one family and protocol in the given kernel states. */
export function dumpSockets(
	family: number,
	protocol: number,
	stateMask: number,
	interfaceName?: (index: number) => string | undefined,
): DiagSocket[] {
	return parseDiagDump(dumpRaw(family, protocol, stateMask), interfaceName);
}
