/**
 * `portui list`: every listening socket as an aligned table or JSON. Plain
 * printing: no React, no Ink.
 */
import {formatAge} from '../format/duration.js';
import {formatTextTable, writeTextTable, type TextColumn} from '../format/text-table.js';
import {encodeListenersJson} from '../core/sockets/json.js';
import type {Listener, ListenerSnapshot} from '../core/sockets/listener.js';
import {readListeners} from '../core/sockets/reader.js';
import {serviceName} from '../core/sockets/services.js';
import {parseCommand, parsePort, type CommandTable} from './flags.js';
import {stderr, stdout, stdoutBytes} from './write-out.js';

const help = `
Usage
  $ portui list [options]

Lists every listening TCP socket and every bound UDP socket, with the
processes that hold it.

Options
  --json      One JSON object per socket (an array)
  --tcp       TCP only
  --udp       UDP only
  --port N    Only sockets on port N
  --4         IPv4 only
  --6         IPv6 only

Without root, other users' sockets are listed without their processes.
`;

export type ListFilter = {
	protocols?: Array<'tcp' | 'udp'>;
	port?: number;
	family?: 4 | 6;
};

export function filterListeners(listeners: Listener[], filter: ListFilter): Listener[] {
	return listeners.filter(
		(listener) =>
			(!filter.protocols || filter.protocols.includes(listener.protocol)) &&
			(filter.port === undefined || listener.port === filter.port) &&
			(filter.family === undefined || listener.family === filter.family),
	);
}

/** Table order: protocol, then port, then IPv4 before IPv6, then address. */
export function sortListeners(listeners: Listener[]): Listener[] {
	return [...listeners].sort(
		(a, b) =>
			// Plain comparisons: localeCompare is slow over 10,000 rows.
			(a.protocol === b.protocol ? 0 : a.protocol < b.protocol ? -1 : 1) ||
			a.port - b.port ||
			a.family - b.family ||
			(a.address < b.address ? -1 : a.address > b.address ? 1 : 0) ||
			a.inode - b.inode,
	);
}

/** The PID cell: the first holder, and how many more share the socket (`1234,+2`). */
export function pidCell(listener: Listener): string {
	const [first, ...rest] = listener.processes;
	if (!first) return listener.processesHidden ? '?' : '-';
	return rest.length === 0 ? String(first.pid) : `${first.pid},+${rest.length}`;
}

const LIST_COLUMNS: TextColumn[] = [
	{header: 'PROTO'},
	{header: 'ADDRESS'},
	{header: 'PORT', align: 'right'},
	{header: 'SERVICE'},
	{header: 'PID', align: 'right'},
	{header: 'PROCESS'},
	{header: 'USER'},
	{header: 'AGE', align: 'right'},
	{header: 'COMMAND'},
];

/** The table's cells, one row per listener, in LIST_COLUMNS order. */
function listTableRows(listeners: Listener[], nowMs: number): string[][] {
	return listeners.map((listener) => {
		const first = listener.processes[0];
		return [
			listener.protocol,
			listener.address,
			String(listener.port),
			serviceName(listener.port, listener.protocol) ?? '',
			pidCell(listener),
			first?.name ?? '',
			first?.user ?? listener.user,
			first ? formatAge(nowMs - first.startedAtMs) : '',
			first?.command ?? '',
		];
	});
}

export function formatListTable(
	listeners: Listener[],
	nowMs: number,
	maxWidth?: number,
): string {
	return formatTextTable(LIST_COLUMNS, listTableRows(listeners, nowMs), {maxWidth});
}

export function hiddenHint(snapshot: ListenerSnapshot): string | undefined {
	if (snapshot.isRoot || snapshot.hiddenCount === 0) return undefined;
	const count = snapshot.hiddenCount;
	return `portui: ${count} socket${count === 1 ? '' : 's'} belong${count === 1 ? 's' : ''} to other users; run with sudo to see their processes`;
}

export const listCommand = {
	name: 'list',
	help,
	flags: {
		json: {type: 'boolean'},
		tcp: {type: 'boolean'},
		udp: {type: 'boolean'},
		port: {type: 'string'},
		4: {type: 'boolean'},
		6: {type: 'boolean'},
	},
	conflicts: [
		{
			flags: ['--tcp', '--udp'],
			why: 'each keep one protocol: give one, or neither for both',
		},
		{
			flags: ['--4', '--6'],
			why: 'each keep one address family: give one, or neither for both',
		},
	],
} as const satisfies CommandTable;

export async function run(argv: string[]): Promise<number> {
	const {flags} = await parseCommand(listCommand, argv);
	const filter: ListFilter = {
		protocols: flags.tcp ? ['tcp'] : flags.udp ? ['udp'] : undefined,
		port: flags.port === undefined ? undefined : parsePort(flags.port, {what: '--port'}),
		family: flags[4] ? 4 : flags[6] ? 6 : undefined,
	};
	const snapshot = readListeners();
	const listeners = sortListeners(filterListeners(snapshot.listeners, filter));
	try {
		if (flags.json) {
			encodeListenersJson(listeners, stdoutBytes);
		} else {
			// The cells are made safe (and measured after) in the table's cell layer.
			writeTextTable(
				LIST_COLUMNS,
				listTableRows(listeners, snapshot.takenAtMs),
				stdoutBytes,
				{maxWidth: stdout.columns},
			);
		}
	} catch (error: unknown) {
		// `portui list | head`: a closed pipe ends the listing, not with a stack trace.
		if ((error as NodeJS.ErrnoException).code === 'EPIPE') return 0;
		throw error;
	}
	const hint = hiddenHint({
		...snapshot,
		hiddenCount: listeners.filter((listener) => listener.processesHidden).length,
	});
	if (hint) stderr.line(hint);
	return 0;
}
