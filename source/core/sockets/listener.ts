/**
 * The Listener model: one listening TCP socket or one bound UDP socket, and the
 * processes that hold it. Everything that shows listeners (the `list` command,
 * the list screen, `who`, conflict resolution) works on these types.
 */

export type Protocol = 'tcp' | 'udp';
export type Family = 4 | 6;
/** `LISTEN` for TCP, `UNCONN` for a bound, unconnected UDP socket (as `ss` says). */
export type SocketState = 'LISTEN' | 'UNCONN';

/** A process holding a socket through one of its file descriptors. */
export type Holder = {
	pid: number;
	/** Short process name (`/proc/PID/comm`). */
	name: string;
	/** Full command line, arguments joined by spaces (`/proc/PID/cmdline`). */
	command: string;
	uid: number;
	user: string;
	/** Process start time in clock ticks since boot (`/proc/PID/stat` field 22): with pid, the identity of the process. */
	startTicks: number;
	/** Process start as milliseconds since the epoch. */
	startedAtMs: number;
};

export type Listener = {
	protocol: Protocol;
	family: Family;
	/** Local address as printed by `ss`: `0.0.0.0`, `127.0.0.1`, `::`, `::1`, `fe80::1%eth0`. */
	address: string;
	port: number;
	state: SocketState;
	/** Socket inode: what /proc/PID/fd links name (`socket:[inode]`). */
	inode: number;
	/** Owner uid of the socket (from the kernel, known even without root). */
	uid: number;
	user: string;
	/** Every process holding the socket, lowest pid first. Empty when none could be read. */
	processes: Holder[];
	/**
	 * True when portui could not see who holds the socket because it lacks the
	 * permission to read other users' /proc/PID/fd (run with sudo to see them).
	 */
	processesHidden: boolean;
};

export type ListenerSnapshot = {
	listeners: Listener[];
	/** When the snapshot was read, ms since the epoch. */
	takenAtMs: number;
	/** Whether the reader ran as root (and so could see every process). */
	isRoot: boolean;
	/** How many sockets have owners portui was not allowed to see. */
	hiddenCount: number;
};

export type SnapshotDiff = {
	appeared: Listener[];
	vanished: Listener[];
};

/** Identity of a listener across refreshes: protocol, address, port and inode. */
export function listenerKey(
	listener: Pick<Listener, 'protocol' | 'address' | 'port' | 'inode'>,
): string {
	return `${listener.protocol}|${listener.address}|${listener.port}|${listener.inode}`;
}
