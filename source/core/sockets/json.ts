/**
 * The JSON shape of a listener, as `portui list --json` prints it (and
 * `portui who --json` reuses). The key order is part of the interface.
 */
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

const holderFragments = new WeakMap<Listener['processes'], string>();
const quotedCache = new Map<string, string>();

/** JSON.stringify for the few distinct addresses and user names of a table. */
function quoted(text: string): string {
	let result = quotedCache.get(text);
	if (result === undefined) {
		result = JSON.stringify(text);
		if (quotedCache.size < 10_000) quotedCache.set(text, result);
	}
	return result;
}

/**
 * `JSON.stringify(listenerToJson(listener))`, built without the intermediate
 * object: `portui list --json` prints 10,000 of these, and the holders part,
 * shared by every socket of a process, is built once.
 */
export function listenerJsonText(listener: Listener): string {
	let holders = holderFragments.get(listener.processes);
	if (holders === undefined) {
		holders = holderFragment(listener.processes);
		holderFragments.set(listener.processes, holders);
	}
	return `${listenerHead(listener)}${holders}}`;
}

/** The listener's own fields, up to and including the comma before the holders part. */
function listenerHead(listener: Listener): string {
	return `{"protocol":"${listener.protocol}","family":${listener.family},"address":${quoted(listener.address)},"port":${listener.port},"state":"${listener.state}","inode":${listener.inode},"uid":${listener.uid},"user":${quoted(listener.user)},`;
}

/** The holders part (`"pid":…,"processes":[…]`), the same for every socket of a process. */
function holderFragment(processes: Listener['processes']): string {
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

/**
 * The whole `--json` array (`[`, one listener per line, `]`) as UTF-8 bytes,
 * equal to the text of `formatListJson`. Encoded straight into one buffer: the
 * holders part of a process's sockets is encoded once and copied, so 10,000
 * listeners cost neither a 3 MB string (flattening, then encoding it again
 * for the pipe) nor the garbage of both.
 */
export function listenersJsonBytes(listeners: readonly Listener[]): Buffer {
	if (listeners.length === 0) return Buffer.from('[]\n');
	let buffer = Buffer.allocUnsafe(listeners.length * 256 + 64);
	let at = buffer.write('[\n', 0, 'latin1');
	for (let index = 0; index < listeners.length; index++) {
		const listener = listeners[index]!;
		let holders = holderBytes.get(listener.processes);
		if (holders === undefined) {
			holders = Buffer.from(`${holderFragment(listener.processes)}}`);
			holderBytes.set(listener.processes, holders);
		}
		const head = `${index === 0 ? '' : ',\n'}${listenerHead(listener)}`;
		// A UTF-8 character takes at most 3 bytes per UTF-16 unit; 3 more for "\n]\n".
		const need = at + head.length * 3 + holders.length + 3;
		if (need > buffer.length) {
			const grown = Buffer.allocUnsafe(Math.max(need, buffer.length * 2));
			buffer.copy(grown, 0, 0, at);
			buffer = grown;
		}
		at += buffer.write(head, at, 'utf8');
		at += holders.copy(buffer, at);
	}
	at += buffer.write('\n]\n', at, 'latin1');
	return buffer.subarray(0, at);
}
