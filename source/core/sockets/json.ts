/**
 * The JSON shape of a listener, as `portui list --json` prints it (and
 * `portui who --json` reuses). The key order is part of the interface. The
 * encoder's output is exact when parsed and safe to `cat`: what
 * JSON.stringify leaves raw (C1, DEL, bidi controls) is written as `\uXXXX`.
 */
import {jsonSafe} from '../../format/safe-text.js';
import type {Listener} from './listener.js';

export type ListenerJson = {
	protocol: 'tcp' | 'udp';
	family: 4 | 6;
	address: string;
	port: number;
	state: 'LISTEN' | 'UNCONN';
	inode: number;
	uid: number;
	user: string;
	/** The first holder's pid, name and command; null when none could be seen. */
	pid: number | null;
	process: string | null;
	command: string | null;
	processes: Array<{pid: number; name: string; command: string; user: string}>;
};

export function listenerToJson(listener: Listener): ListenerJson {
	const first = listener.processes[0];
	return {
		protocol: listener.protocol,
		family: listener.family,
		address: listener.address,
		port: listener.port,
		state: listener.state,
		inode: listener.inode,
		uid: listener.uid,
		user: listener.user,
		pid: first ? first.pid : null,
		process: first ? first.name : null,
		command: first ? first.command : null,
		processes: listener.processes.map((holder) => ({
			pid: holder.pid,
			name: holder.name,
			command: holder.command,
			user: holder.user,
		})),
	};
}

const quotedCache = new Map<string, string>();

/**
 * JSON.stringify for the few distinct addresses and user names of a table,
 * with what it leaves raw (C1, bidi controls) escaped too.
 */
function quoted(text: string): string {
	let result = quotedCache.get(text);
	if (result === undefined) {
		result = jsonSafe(JSON.stringify(text));
		if (quotedCache.size < 10_000) quotedCache.set(text, result);
	}
	return result;
}

/**
 * The holders part (`"pid":…,"processes":[…]`), the same for every socket of
 * a process: names and command lines, made safe to `cat` once per process.
 */
function holderFragment(processes: Listener['processes']): string {
	return jsonSafe(rawHolderFragment(processes));
}

function rawHolderFragment(processes: Listener['processes']): string {
	const first = processes[0];
	if (!first) return '"pid":null,"process":null,"command":null,"processes":[]';
	const list = processes
		.map(
			(holder) =>
				`{"pid":${holder.pid},"name":${JSON.stringify(holder.name)},"command":${JSON.stringify(holder.command)},"user":${JSON.stringify(holder.user)}}`,
		)
		.join(',');
	return `"pid":${first.pid},"process":${JSON.stringify(first.name)},"command":${JSON.stringify(first.command)},"processes":[${list}]`;
}

const holderBytes = new WeakMap<Listener['processes'], Buffer>();

/** Bytes per chunk handed to the sink: big enough to write rarely, small enough to stay in cache. */
const CHUNK_BYTES = 1 << 17;
/** Room a listener's own fields take at most: fragments up to a few hundred bytes and two numbers. */
const HEAD_ROOM = 1024;

/**
 * The constant parts of a listener's line as UTF-8:
 * `{"protocol":…,"family":…,"address":…,"port":`, then `,"state":…,"inode":`,
 * then `,"uid":…,"user":…,`. A table has few distinct ones, and they are
 * looked up by the listener's own values (no key string is built), so that
 * encoding a line allocates nothing: numbers are written digit by digit.
 */
const addressBytes = new Map<string, Map<string, Buffer>>();
const stateBytes = new Map<string, Buffer>();
const userBytes = new Map<number, Map<string, Buffer>>();

function addressFragment(listener: Listener): Buffer {
	let byAddress = addressBytes.get(listener.address);
	if (byAddress === undefined) {
		byAddress = new Map();
		addressBytes.set(listener.address, byAddress);
	}
	const kind = listener.family === 4 ? listener.protocol : `${listener.protocol}6`;
	let bytes = byAddress.get(kind);
	if (bytes === undefined) {
		bytes = Buffer.from(
			`{"protocol":"${listener.protocol}","family":${listener.family},"address":${quoted(listener.address)},"port":`,
		);
		byAddress.set(kind, bytes);
	}
	return bytes;
}

function stateFragment(listener: Listener): Buffer {
	let bytes = stateBytes.get(listener.state);
	if (bytes === undefined) {
		bytes = Buffer.from(`,"state":"${listener.state}","inode":`);
		stateBytes.set(listener.state, bytes);
	}
	return bytes;
}

function userFragment(listener: Listener): Buffer {
	let byUid = userBytes.get(listener.uid);
	if (byUid === undefined) {
		byUid = new Map();
		userBytes.set(listener.uid, byUid);
	}
	let bytes = byUid.get(listener.user);
	if (bytes === undefined) {
		bytes = Buffer.from(`,"uid":${listener.uid},"user":${quoted(listener.user)},`);
		byUid.set(listener.user, bytes);
	}
	return bytes;
}

/** Writes a non-negative integer's decimal digits at `at`; returns the new end. */
function writeDigits(buffer: Buffer, at: number, value: number): number {
	if (value < 10) {
		buffer[at] = 48 + value;
		return at + 1;
	}
	let digits = 1;
	for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
	for (let index = at + digits - 1, rest = value; index >= at; index--) {
		buffer[index] = 48 + (rest % 10);
		rest = Math.floor(rest / 10);
	}
	return at + digits;
}

/**
 * Encodes the whole `--json` array (`[`, one listener per line, each line
 * `JSON.stringify(listenerToJson(listener))`, `]`) as UTF-8 into one reused buffer that
 * is handed to `sink` each time it fills. The sink must be done with a chunk
 * when it returns (write it out, or copy it). The holders part of a
 * process's sockets is encoded once and copied.
 *
 * Why like this: on this machine class every fresh page of memory costs a
 * fault of several microseconds. 10,000 listeners of a process with a long
 * command line make 10 MB of JSON; built as one buffer or string, or as a
 * string per line, the faults (and the collections) cost more than the
 * encoding. One 128 KB buffer is faulted in once, and a line allocates nothing.
 */
export function encodeListenersJson(
	listeners: readonly Listener[],
	sink: (chunk: Uint8Array) => void,
): void {
	if (listeners.length === 0) {
		sink(Buffer.from('[]\n'));
		return;
	}
	const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
	let at = buffer.write('[\n', 0, 'latin1');
	const flush = () => {
		if (at > 0) sink(buffer.subarray(0, at));
		at = 0;
	};
	const copy = (bytes: Buffer) => {
		buffer.set(bytes, at);
		at += bytes.length;
	};
	for (let index = 0; index < listeners.length; index++) {
		const listener = listeners[index]!;
		let holders = holderBytes.get(listener.processes);
		if (holders === undefined) {
			holders = Buffer.from(`${holderFragment(listener.processes)}}`);
			holderBytes.set(listener.processes, holders);
		}
		const address = addressFragment(listener);
		const state = stateFragment(listener);
		const user = userFragment(listener);
		if (at + HEAD_ROOM + address.length + user.length > CHUNK_BYTES) flush();
		if (index > 0) {
			buffer[at++] = 44; // ,
			buffer[at++] = 10; // \n
		}
		copy(address);
		at = writeDigits(buffer, at, listener.port);
		copy(state);
		at = writeDigits(buffer, at, listener.inode);
		copy(user);
		if (at + holders.length > CHUNK_BYTES) {
			flush();
			// Longer than a chunk (a command line of 100 KB): handed over as it is.
			if (holders.length > CHUNK_BYTES) {
				sink(holders);
				continue;
			}
		}
		// TypedArray#set, not Buffer#copy: the latter's checks cost more than the copy.
		copy(holders);
	}
	if (at + 3 > CHUNK_BYTES) flush();
	at += buffer.write('\n]\n', at, 'latin1');
	flush();
}
