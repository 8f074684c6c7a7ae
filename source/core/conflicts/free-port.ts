/**
 * Free-port allocation: the first port in a range that nothing listens on
 * (TCP or UDP, any address) and that no known config declares, so that a
 * service moved there does not collide with one that is merely stopped.
 */
import type {Listener} from '../sockets/listener.js';
import {readSocketRecords} from '../sockets/kernel.js';
import {readListeners} from '../sockets/reader.js';
import {adapters} from './adapters/index.js';
import type {AdapterOptions, PortDeclaration} from './adapters/types.js';

/**
 * Ports declared in the known configs at their default locations (read-only;
 * unreadable or absent configs are skipped), port → declarations.
 */
export function declaredPorts(
	options: AdapterOptions = {},
): Map<number, PortDeclaration[]> {
	const declared = new Map<number, PortDeclaration[]>();
	for (const adapter of adapters) {
		let results;
		try {
			results = adapter.scan({...(options.root ? {root: options.root} : {})});
		} catch {
			continue;
		}
		for (const result of results) {
			for (const found of result.declarations) {
				const list = declared.get(found.port) ?? [];
				list.push(found);
				declared.set(found.port, list);
			}
		}
	}
	return declared;
}

export type FreePortResult = {
	/** The first free port, undefined when every candidate is taken. */
	port: number | undefined;
	/** Candidates passed over because something listens on them (before the port found). */
	listening: number[];
	/** Candidates passed over because a config declares them. */
	declared: number[];
	/** Candidates passed over because a connection uses them as its local port. */
	connected: number[];
};

export type FreePortOptions = {
	/** Candidate ports, in the order to try them. */
	candidates: number[];
	/** Current listeners (default: read now). */
	listeners?: Listener[];
	/** Declared ports (default: scan the known configs under `root`). */
	declared?: Set<number> | Map<number, unknown>;
	/** Root for the config scan (tests). */
	root?: string;
	/** Ports to pass over as well (the port being moved away from). */
	exclude?: Iterable<number>;
	/**
	 * Local ports of current connections (default: read now). Such a port has no
	 * listener, yet binding it fails with EADDRINUSE, so it is not free.
	 */
	connectedPorts?: Iterable<number>;
};

export function findFreePort(options: FreePortOptions): FreePortResult {
	const listening = new Set(
		(options.listeners ?? readListeners().listeners).map((listener) => listener.port),
	);
	const declared =
		options.declared ?? declaredPorts(options.root ? {root: options.root} : {});
	const exclude = new Set(options.exclude ?? []);
	const connected = new Set(
		options.connectedPorts ??
			readSocketRecords({connected: true}).map((record) => record.localPort),
	);
	const result: FreePortResult = {
		port: undefined,
		listening: [],
		declared: [],
		connected: [],
	};
	for (const port of options.candidates) {
		if (exclude.has(port)) continue;
		if (listening.has(port)) result.listening.push(port);
		else if (declared.has(port)) result.declared.push(port);
		else if (connected.has(port)) result.connected.push(port);
		else {
			result.port = port;
			break;
		}
	}
	return result;
}

/** Candidates for "the next free port after PORT": PORT+1 up to 65535, then down from PORT-1. */
export function portsAfter(port: number): number[] {
	const after = Array.from({length: 65535 - port}, (_, index) => port + 1 + index);
	const before = Array.from({length: port - 1}, (_, index) => port - 1 - index);
	return [...after, ...before];
}
