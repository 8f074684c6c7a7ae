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

type ListFlags = {
	json?: boolean;
	tcp?: boolean;
	udp?: boolean;
	port?: number;
	ipv4?: boolean;
	ipv6?: boolean;
};

/**
 * The everyday flags, parsed without loading meow (tens of ms of a cold
 * start that is itself compared with `ss`). Anything else (--help, --port=N,
 * every mistake) returns undefined and goes through meow, the one source of
 * help text and error messages.
 */
export function quickFlags(argv: string[]): ListFlags | undefined {
	const flags: ListFlags = {};
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index];
		if (argument === '--json') flags.json = true;
		else if (argument === '--tcp') flags.tcp = true;
		else if (argument === '--udp') flags.udp = true;
		else if (argument === '--4') flags.ipv4 = true;
		else if (argument === '--6') flags.ipv6 = true;
		else if (argument === '--port') {
			const value = argv[++index];
			if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
			const port = Number(value);
			if (port < 1 || port > 65535) return undefined;
			flags.port = port;
		} else return undefined;
	}
	return flags;
}

async function meowFlags(argv: string[]): Promise<ListFlags> {
	const {integerFlag, parseCommand} = await import('./flags.js');
	const cli = await parseCommand({
		name: 'list',
		help,
		argv,
		flags: {
			json: {type: 'boolean' as const},
			tcp: {type: 'boolean' as const},
			udp: {type: 'boolean' as const},
			port: {type: 'string' as const},
			4: {type: 'boolean' as const},
			6: {type: 'boolean' as const},
		},
	});
	const flags = cli.flags as Record<string, unknown>;
	// meow only honours --help and --version when they come alone.
	if (flags.help) cli.showHelp(0);
	if (flags.version) cli.showVersion();
	return {
		json: Boolean(flags.json),
		tcp: Boolean(flags.tcp),
		udp: Boolean(flags.udp),
		port: integerFlag('port', flags.port as string | undefined, {min: 1, max: 65535}),
		ipv4: Boolean(flags['4']),
		ipv6: Boolean(flags['6']),
	};
}

export async function run(argv: string[]): Promise<number> {
	const flags = quickFlags(argv) ?? (await meowFlags(argv));
	const protocols: Array<'tcp' | 'udp'> = [];
	if (flags.tcp) protocols.push('tcp');
	if (flags.udp) protocols.push('udp');
	const want4 = Boolean(flags.ipv4);
	const want6 = Boolean(flags.ipv6);
	const filter: ListFilter = {
		protocols: protocols.length > 0 ? protocols : undefined,
		port: flags.port,
		family: want4 === want6 ? undefined : want4 ? 4 : 6,
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
