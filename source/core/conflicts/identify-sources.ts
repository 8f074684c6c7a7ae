/**
 * The real system behind identification: the sockets core for listeners,
 * connections and /etc/services, the processes core for each holder's unit,
 * container and parent, systemd for failing units, and the config adapters
 * for declarations. Each part can be replaced (tests point declarations at a
 * temp dir).
 */
import {existsSync} from 'node:fs';
import path from 'node:path';
import {readCgroup} from '../processes/cgroup.js';
import {readProcessDetails} from '../processes/details.js';
import {readSocketRecords} from '../sockets/kernel.js';
import {readListeners} from '../sockets/reader.js';
import {serviceName} from '../sockets/services.js';
import type {DeclaredPort, IdentifySources, ProcessFacts} from './identify.js';
import {systemdUnitLog} from './unit-contenders.js';
import {declarationsOfPort} from './reconfigure.js';

/** Facts about one process from the processes core; undefined once it has gone. */
export function readProcessFacts(pid: number): ProcessFacts | undefined {
	try {
		const details = readProcessDetails(pid, {openFilesShown: 0});
		let unit: string | undefined;
		let container: ProcessFacts['container'];
		try {
			const cgroup = readCgroup(pid);
			// A user manager (user@1000.service) is not the service itself: its inner unit is.
			unit = cgroup.unit?.startsWith('user@') ? cgroup.userUnit : cgroup.unit;
			if (unit && !unit.endsWith('.service')) unit = undefined;
			container = cgroup.container;
		} catch {
			// No cgroup file (gone, or no permission): the rest still stands.
		}
		return {
			ppid: details.ppid,
			parentName: details.parentName ?? undefined,
			tty: details.tty ?? undefined,
			cwd: details.cwd ?? undefined,
			unit,
			container,
		};
	} catch {
		return undefined;
	}
}

export function countConnections(port: number, protocol: 'tcp' | 'udp'): number {
	return readSocketRecords({
		protocols: [protocol],
		listening: false,
		connected: true,
	}).filter(
		(record) =>
			record.localPort === port &&
			(protocol === 'udp' || record.state === 'ESTAB' || record.state === 'CLOSE-WAIT'),
	).length;
}

/**
 * Declarations of a port: every adapter's default locations (under `root`),
 * the extra files, and a `.env` in each holder's working directory.
 */
export function configDeclarations(
	options: {root?: string; configFiles?: string[]} = {},
): IdentifySources['declarations'] {
	return async (port, protocol, hints) => {
		const found: DeclaredPort[] = [];
		const seen = new Set<string>();
		const add = (declarations: DeclaredPort[]) => {
			for (const declared of declarations) {
				const key = `${declared.file}:${declared.line}:${declared.port}`;
				if (declared.protocol !== protocol || seen.has(key)) continue;
				seen.add(key);
				found.push(declared);
			}
		};
		try {
			add(declarationsOfPort(port, options.root ? {root: options.root} : {}));
		} catch {
			// An unreadable config tree hides its declarations, nothing more.
		}
		const files = [
			...(options.configFiles ?? []),
			...hints.cwds
				.map((cwd) => path.join(cwd, '.env'))
				.filter((file) => existsSync(file)),
		];
		for (const file of files) {
			try {
				add(declarationsOfPort(port, {file}));
			} catch {
				// Not a config portui knows, or unreadable: skipped.
			}
		}
		return found;
	};
}

export type SourceOverrides = Partial<IdentifySources>;

/** The real sources, with any part overridden. */
export function systemSources(overrides: SourceOverrides = {}): IdentifySources {
	return {
		listeners: () => readListeners().listeners,
		serviceName: (port, protocol) => serviceName(port, protocol),
		processFacts: readProcessFacts,
		connections: countConnections,
		units: systemdUnitLog,
		declarations: configDeclarations(),
		...overrides,
	};
}
