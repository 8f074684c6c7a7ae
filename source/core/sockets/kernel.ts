/**
 * Socket records straight from the kernel, with the listening/connected
 * filter applied as early as the backend allows. Three backends, tried in
 * order: netlink sock_diag through the native addon (the kernel filters by
 * state, cost follows listeners), `ss -tuaneH` (same kernel filter, one
 * process spawn), and /proc/net/{tcp,tcp6,udp,udp6} (every socket, parsed).
 */
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';
import {parseProcNetAddress, interfaceName} from './address.js';
import {
	AF_INET,
	AF_INET6,
	IPPROTO_TCP,
	IPPROTO_UDP,
	ROW,
	dumpTable,
	loadAddon,
	prefetchDumps,
	rowLocalAddress,
	startFdWalk,
	type DiagRows,
} from './netlink.js';

export type SocketProtocol = 'tcp' | 'udp';

export type SocketRecord = {
	protocol: SocketProtocol;
	family: 4 | 6;
	/** As `ss` names states: LISTEN, UNCONN, ESTAB, SYN-SENT, TIME-WAIT, CLOSE-WAIT… */
	state: string;
	localAddress: string;
	localPort: number;
	remoteAddress: string;
	remotePort: number;
	inode: number;
	uid: number;
};

export type SocketQuery = {
	/** Default both. */
	protocols?: SocketProtocol[];
	/** TCP LISTEN and bound, unconnected UDP (UNCONN with a port). Default true. */
	listening?: boolean;
	/** Every other TCP state and connected UDP. Default false. */
	connected?: boolean;
};

/**
 * child_process, loaded when the ss backend is first needed: it pulls in net,
 * dgram and streams, milliseconds of every cold start that the netlink
 * backend never uses.
 */
function childProcess(): typeof import('node:child_process') {
	return createRequire(import.meta.url)(
		'node:child_process',
	) as typeof import('node:child_process');
}

/** What a listener table asks the kernel for. */
export const LISTENER_QUERY: SocketQuery = {listening: true, connected: false};

export type KernelBackend = 'netlink' | 'ss' | 'procnet';

/** The previous read's records by inode (a Map will do). */
export type RecordLookup = {get(inode: number): SocketRecord | undefined};

/** Kernel TCP state numbers (include/net/tcp_states.h) → the names `ss` prints. */
export const TCP_STATE_NAMES: readonly string[] = [
	'UNKNOWN',
	'ESTAB',
	'SYN-SENT',
	'SYN-RECV',
	'FIN-WAIT-1',
	'FIN-WAIT-2',
	'TIME-WAIT',
	'UNCONN',
	'CLOSE-WAIT',
	'LAST-ACK',
	'LISTEN',
	'CLOSING',
	'SYN-RECV',
];
const TCP_ESTABLISHED = 1;
const TCP_CLOSE = 7;
/** The kernel's TCP_LISTEN state number. */
export const TCP_LISTEN = 10;

export function stateName(state: number): string {
	return TCP_STATE_NAMES[state] ?? `STATE-${state}`;
}

/** The kernel state mask for one protocol and query. */
export function stateMask(protocol: SocketProtocol, query: SocketQuery): number {
	const listening = query.listening ?? true;
	const connected = query.connected ?? false;
	let mask = 0;
	if (protocol === 'tcp') {
		if (listening) mask |= 1 << TCP_LISTEN;
		// Every real state but LISTEN and CLOSE (a bound, never-listened TCP socket).
		if (connected) mask |= 0x1fff & ~(1 << TCP_LISTEN) & ~(1 << TCP_CLOSE) & ~1;
	} else {
		if (listening) mask |= 1 << TCP_CLOSE;
		if (connected) mask |= 1 << TCP_ESTABLISHED;
	}
	return mask;
}

/**
 * Whether a record belongs in the answer: the state is in the mask, and an
 * unconnected UDP socket counts as listening only once it has a port.
 */
function wanted(
	protocol: SocketProtocol,
	state: number,
	localPort: number,
	mask: number,
) {
	if ((mask & (1 << state)) === 0) return false;
	if (protocol === 'udp' && state === TCP_CLOSE && localPort === 0) return false;
	return true;
}

function protocolsOf(query: SocketQuery): SocketProtocol[] {
	return query.protocols ?? ['tcp', 'udp'];
}

/**
 * Reads through the sock_diag addon. Throws when it is missing or the kernel
 * refuses. `reuse` (the previous read's records by inode) lets a refresh keep
 * the record of a socket it has seen instead of parsing a new one: a socket's
 * local address cannot change while its inode lives, so inode, port, state and
 * uid matching is enough.
 */
export function readWithNetlink(
	query: SocketQuery = {},
	reuse?: RecordLookup,
): SocketRecord[] {
	const records: SocketRecord[] = [];
	for (const {protocol, mask, table} of netlinkDumps(query)) {
		const {rows, addresses} = table;
		for (let at = 0, index = 0; at < rows.length; at += ROW.fields, index++) {
			if (!wantedRow(protocol, rows, at, mask)) continue;
			const state = rows[at + ROW.state]!;
			const localPort = rows[at + ROW.localPort]!;
			const inode = rows[at + ROW.inode]!;
			const cached = reuse?.get(inode);
			if (
				cached &&
				cached.localPort === localPort &&
				cached.protocol === protocol &&
				cached.state === TCP_STATE_NAMES[state] &&
				cached.uid === rows[at + ROW.uid] &&
				cached.remotePort === rows[at + ROW.remotePort] &&
				cached.family === rows[at + ROW.family]
			) {
				records.push(cached);
				continue;
			}
			records.push({
				protocol,
				family: rows[at + ROW.family] === 6 ? 6 : 4,
				state: stateName(state),
				localAddress: rowLocalAddress(table, index, interfaceName),
				localPort,
				remoteAddress: addresses[rows[at + ROW.remoteAddress]!]!,
				remotePort: rows[at + ROW.remotePort]!,
				inode,
				uid: rows[at + ROW.uid]!,
			});
		}
	}
	return records;
}

/** One decoded dump of a netlink read, with the protocol and state mask it was asked for. */
export type NetlinkDump = {protocol: SocketProtocol; mask: number; table: DiagRows};

/** The dumps (IPv4 and IPv6 per protocol) that answer `query`. Throws as dumpTable. */
export function netlinkDumps(query: SocketQuery): NetlinkDump[] {
	const dumps: NetlinkDump[] = [];
	for (const protocol of protocolsOf(query)) {
		const mask = stateMask(protocol, query);
		if (mask === 0) continue;
		const number = protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
		for (const family of [AF_INET, AF_INET6])
			dumps.push({protocol, mask, table: dumpTable(family, number, mask)});
	}
	return dumps;
}

/** Whether the row at `at` belongs in the answer (see wanted). */
export function wantedRow(
	protocol: SocketProtocol,
	rows: Uint32Array,
	at: number,
	mask: number,
): boolean {
	return wanted(protocol, rows[at + ROW.state]!, rows[at + ROW.localPort]!, mask);
}

/**
 * Starts the slow, system-call-bound parts of a one-shot listener read on
 * the addon's threads: the fd walk of every process, and the dumps that
 * readWithNetlink(LISTENER_QUERY) will ask for. They overlap whatever the
 * caller does until it reads (loading modules, parsing flags), so this module
 * stays light to import. Without the addon it does nothing.
 */
export function startListenerRead(procRoot = '/proc'): void {
	startFdWalk(procRoot);
	prefetchNetlink(LISTENER_QUERY);
}

/** Starts, on the addon's thread, the dumps a readWithNetlink(query) would make (see prefetchDumps). */
function prefetchNetlink(query: SocketQuery): boolean {
	const requests: Array<[number, number, number]> = [];
	for (const protocol of protocolsOf(query)) {
		const mask = stateMask(protocol, query);
		if (mask === 0) continue;
		const number = protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
		for (const family of [AF_INET, AF_INET6]) requests.push([family, number, mask]);
	}
	return prefetchDumps(requests);
}

/** ss state names back to kernel numbers, for the same filtering as the other backends. */
const SS_STATES = new Map<string, number>(
	TCP_STATE_NAMES.map((name, index) => [name, index] as [string, number]).filter(
		([, index]) => index !== 12,
	),
);

/**
 * Splits an `ss` endpoint (`127.0.0.1:80`, `[::1]:80`, `*:80`,
 * `127.0.0.53%lo:53`, `[fe80::1]%eth0:123`) into address and port.
 * `*` is ss's name for a dual-stack IPv6 wildcard.
 */
export function parseSsEndpoint(
	text: string,
): {family: 4 | 6; address: string; port: number} | undefined {
	const colon = text.lastIndexOf(':');
	if (colon <= 0) return undefined;
	const portText = text.slice(colon + 1);
	const port = portText === '*' ? 0 : Number(portText);
	if (!Number.isInteger(port) || port < 0 || port > 65535 || portText === '')
		return undefined;
	let host = text.slice(0, colon);
	let scope = '';
	const percent = host.lastIndexOf('%');
	if (percent > 0 && percent > host.lastIndexOf(']')) {
		scope = host.slice(percent);
		host = host.slice(0, percent);
	}
	if (host === '*') return {family: 6, address: `::${scope}`, port};
	if (host.startsWith('[') && host.endsWith(']')) {
		const inner = host.slice(1, -1);
		if (!inner.includes(':')) return undefined;
		return {family: 6, address: inner + scope, port};
	}
	if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return undefined;
	return {family: 4, address: host + scope, port};
}

/**
 * Parses `ss -tuaneH` output (netid, state, queues, local, peer, details with
 * `uid:` and `ino:`). `uid:` is absent for root's sockets. Lines that do not
 * parse are skipped.
 */
export function parseSsOutput(text: string, query: SocketQuery = {}): SocketRecord[] {
	const records: SocketRecord[] = [];
	const protocols = new Set(protocolsOf(query));
	for (const line of text.split('\n')) {
		const fields = line.trim().split(/\s+/);
		if (fields.length < 6) continue;
		const protocol = fields[0];
		if (protocol !== 'tcp' && protocol !== 'udp') continue;
		if (!protocols.has(protocol)) continue;
		const state = SS_STATES.get(fields[1]!);
		if (state === undefined) continue;
		const local = parseSsEndpoint(fields[4]!);
		const remote = parseSsEndpoint(fields[5]!);
		if (!local || !remote) continue;
		if (!wanted(protocol, state, local.port, stateMask(protocol, query))) continue;
		let inode: number | undefined;
		let uid = 0;
		for (const field of fields.slice(6)) {
			if (field.startsWith('ino:')) inode = Number(field.slice(4));
			else if (field.startsWith('uid:')) uid = Number(field.slice(4));
		}
		if (inode === undefined || !Number.isInteger(inode) || !Number.isInteger(uid))
			continue;
		records.push({
			protocol,
			family: local.family,
			state: stateName(state),
			localAddress: local.address,
			localPort: local.port,
			remoteAddress: remote.address,
			remotePort: remote.port,
			inode,
			uid,
		});
	}
	return records;
}

/** Runs `ss` with the kernel filter matching the query. Throws when ss is missing or fails. */
export function readWithSs(query: SocketQuery = {}): SocketRecord[] {
	const listening = query.listening ?? true;
	const connected = query.connected ?? false;
	if (!listening && !connected) return [];
	// Both -t and -u always: with one protocol ss drops the Netid column.
	const args = ['-tuneH'];
	// -l asks the kernel for listeners only; -a for everything, filtered afterwards.
	args.push(listening && !connected ? '-l' : '-a');
	const result = childProcess().spawnSync('ss', args, {
		encoding: 'utf8',
		maxBuffer: 512 * 1024 * 1024,
	});
	if (result.error) throw result.error;
	if (result.status !== 0) {
		throw new Error(`ss exited with ${result.status}: ${result.stderr.trim()}`);
	}
	return parseSsOutput(result.stdout, query);
}

/**
 * Parses one /proc/net/{tcp,udp}{,6} file. The header and malformed lines are
 * skipped.
 */
export function parseProcNet(
	text: string,
	protocol: SocketProtocol,
	query: SocketQuery = {},
): SocketRecord[] {
	const mask = stateMask(protocol, query);
	const records: SocketRecord[] = [];
	for (const line of text.split('\n')) {
		const fields = line.trim().split(/\s+/);
		// sl local remote st tx:rx tr:when retrnsmt uid timeout inode …
		if (fields.length < 10 || !fields[0]!.endsWith(':')) continue;
		const [localHex, localPortHex] = fields[1]!.split(':');
		const [remoteHex, remotePortHex] = fields[2]!.split(':');
		if (!localPortHex || !remotePortHex || !/^[0-9A-Fa-f]{1,2}$/.test(fields[3]!))
			continue;
		const state = parseInt(fields[3]!, 16);
		const localPort = parseInt(localPortHex, 16);
		const remotePort = parseInt(remotePortHex, 16);
		if (
			!/^[0-9A-Fa-f]{4}$/.test(localPortHex) ||
			!/^[0-9A-Fa-f]{4}$/.test(remotePortHex)
		) {
			continue;
		}
		if (!wanted(protocol, state, localPort, mask)) continue;
		const local = parseProcNetAddress(localHex!);
		const remote = parseProcNetAddress(remoteHex!);
		const uid = Number(fields[7]);
		const inode = Number(fields[9]);
		if (!local || !remote || !/^\d+$/.test(fields[7]!) || !/^\d+$/.test(fields[9]!))
			continue;
		records.push({
			protocol,
			family: local.family,
			state: stateName(state),
			localAddress: local.address,
			localPort,
			remoteAddress: remote.address,
			remotePort,
			inode,
			uid,
		});
	}
	return records;
}

/** Reads /proc/net (or a copy under procRoot). Missing files (no IPv6) count as empty. */
export function readWithProcNet(
	query: SocketQuery = {},
	procRoot = '/proc',
): SocketRecord[] {
	const records: SocketRecord[] = [];
	for (const protocol of protocolsOf(query)) {
		for (const suffix of ['', '6']) {
			let text: string;
			try {
				text = readFileSync(`${procRoot}/net/${protocol}${suffix}`, 'utf8');
			} catch {
				continue;
			}
			for (const record of parseProcNet(text, protocol, query)) records.push(record);
		}
	}
	return records;
}

let autoBackend: KernelBackend | undefined;

/**
 * The backend `auto` starts with: netlink when the addon loads, else `ss` when
 * it runs, else /proc/net. No trial dump: with 10,000 listeners that would
 * double a cold start. A backend failing later falls through to the next.
 */
export function detectBackend(): KernelBackend {
	if (autoBackend) return autoBackend;
	if (loadAddon()) autoBackend = 'netlink';
	else if (childProcess().spawnSync('ss', ['-V'], {stdio: 'ignore'}).status === 0)
		autoBackend = 'ss';
	else autoBackend = 'procnet';
	return autoBackend;
}

/** Reads with one named backend. */
export function readWithBackend(
	backend: KernelBackend,
	query: SocketQuery = {},
	procRoot = '/proc',
	reuse?: RecordLookup,
): SocketRecord[] {
	if (backend === 'netlink') return readWithNetlink(query, reuse);
	if (backend === 'ss') return readWithSs(query);
	return readWithProcNet(query, procRoot);
}

/**
 * Socket records matching the query, from the best backend available. A
 * backend that fails at run time (addon error, ss gone) falls through to the
 * next one for this call.
 */
export function readSocketRecords(query: SocketQuery = {}): SocketRecord[] {
	const order: KernelBackend[] = ['netlink', 'ss', 'procnet'];
	const first = order.indexOf(detectBackend());
	let lastError: unknown;
	for (const backend of order.slice(first)) {
		try {
			return readWithBackend(backend, query);
		} catch (error: unknown) {
			lastError = error;
		}
	}
	throw lastError;
}
