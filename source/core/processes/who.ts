/**
 * `portui who PORT`: every socket bound to a port (TCP and UDP, every
 * address) and the full story of each process holding one. The JSON shape
 * (and its key order) is an interface: scripts read it.
 */
import {ProcessGoneError} from '../errors.js';
import {listenerToJson, type ListenerJson} from '../sockets/json.js';
import type {Listener, ListenerSnapshot} from '../sockets/listener.js';
import {OwnerIndex} from '../sockets/owners.js';
import {readListeners} from '../sockets/reader.js';
import {readSocketRecords} from '../sockets/kernel.js';
import {inspectProcess, type InspectOptions, type ProcessReport} from './inspect.js';
import type {WarningCode} from './warnings.js';

export type WhoResult = {
	port: number;
	listeners: Listener[];
	/** One report per process holding a socket on the port, lowest pid first. */
	processes: ProcessReport[];
	/** Processes that exited while they were being read. */
	gone: Array<{pid: number; name: string}>;
	/** Sockets on the port whose holders portui may not see (no root). */
	hidden: number;
};

export type WhoProcessJson = {
	pid: number;
	ppid: number;
	user: string | null;
	name: string;
	command: string;
	exe: string | null;
	cwd: string | null;
	startedAt: string;
	uptimeSeconds: number;
	rssBytes: number | null;
	unit: string | null;
	container: {id: string; name: string | null; image: string | null} | null;
	ancestry: Array<{pid: number; name: string}>;
	connections: number;
	warnings: WarningCode[];
};

export type WhoJson = {
	port: number;
	listeners: ListenerJson[];
	processes: WhoProcessJson[];
};

export type WhoOptions = InspectOptions & {
	/** A listener snapshot to use instead of reading one (tests, the UI). */
	snapshot?: ListenerSnapshot;
};

/** Reads who holds a port. An empty `listeners` means the port is not in use. */
export async function whoPort(
	port: number,
	options: WhoOptions = {},
): Promise<WhoResult> {
	const snapshot = options.snapshot ?? readListeners({procRoot: options.procRoot});
	const listeners = snapshot.listeners
		.filter((listener) => listener.port === port)
		.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.family - b.family);
	const holders = new Map<
		number,
		{name: string; startTicks: number; focus: Listener[]}
	>();
	for (const listener of listeners) {
		for (const holder of listener.processes) {
			const entry = holders.get(holder.pid) ?? {
				name: holder.name,
				startTicks: holder.startTicks,
				focus: [],
			};
			entry.focus.push(listener);
			holders.set(holder.pid, entry);
		}
	}
	const result: WhoResult = {
		port,
		listeners,
		processes: [],
		gone: [],
		hidden: listeners.filter((listener) => listener.processesHidden).length,
	};
	if (holders.size === 0) return result;
	// One socket table and one owner index for every process on the port.
	const records =
		options.records ?? readSocketRecords({listening: true, connected: true});
	const owners = options.owners ?? new OwnerIndex({procRoot: options.procRoot});
	for (const [pid, holder] of [...holders].sort((a, b) => a[0] - b[0])) {
		try {
			result.processes.push(
				await inspectProcess(pid, {
					...options,
					records,
					owners,
					expectStartTicks: holder.startTicks,
					focus: holder.focus,
				}),
			);
		} catch (error: unknown) {
			if (!(error instanceof ProcessGoneError)) throw error;
			result.gone.push({pid, name: holder.name});
		}
	}
	return result;
}

/** One process of `portui who --json`. */
export function processToWhoJson(report: ProcessReport): WhoProcessJson {
	const {details} = report;
	return {
		pid: details.pid,
		ppid: details.ppid,
		user: details.user,
		name: details.name,
		command: details.command,
		exe: details.exe,
		cwd: details.cwd,
		startedAt: details.startedAt,
		uptimeSeconds: details.uptimeSeconds,
		rssBytes: details.rssBytes,
		unit: report.unit?.name ?? null,
		container: report.container
			? {
					id: report.container.id,
					name: report.container.name,
					image: report.container.image,
				}
			: null,
		ancestry: report.ancestry.map((link) => ({pid: link.pid, name: link.name})),
		connections: report.established,
		warnings: report.warnings.map((warning) => warning.code),
	};
}

export function whoToJson(result: WhoResult): WhoJson {
	return {
		port: result.port,
		listeners: result.listeners.map(listenerToJson),
		processes: result.processes.map(processToWhoJson),
	};
}
