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
		const first = listener.processes[0];
		const list = listener.processes
			.map(
				(holder) =>
					`{"pid":${holder.pid},"name":${JSON.stringify(holder.name)},"command":${JSON.stringify(holder.command)},"user":${JSON.stringify(holder.user)}}`,
			)
			.join(',');
		holders = first
			? `"pid":${first.pid},"process":${JSON.stringify(first.name)},"command":${JSON.stringify(first.command)},"processes":[${list}]`
			: '"pid":null,"process":null,"command":null,"processes":[]';
		holderFragments.set(listener.processes, holders);
	}
	return `{"protocol":"${listener.protocol}","family":${listener.family},"address":${quoted(listener.address)},"port":${listener.port},"state":"${listener.state}","inode":${listener.inode},"uid":${listener.uid},"user":${quoted(listener.user)},${holders}}`;
}
