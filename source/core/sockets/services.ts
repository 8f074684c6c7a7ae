/**
 * Port ↔ service names from /etc/services (services(5)), read once and kept.
 * A machine without the file (minimal containers) simply has no names.
 */
import {readFileSync} from 'node:fs';

export type ServiceTable = {
	byPort: Map<string, string>;
	byName: Map<string, number>;
};

/**
 * Parses services(5) text: `name port/protocol [aliases…] [# comment]`.
 * The first name for a port wins (as getservbyport); aliases resolve names.
 * Malformed lines are skipped.
 */
export function parseServices(text: string): ServiceTable {
	const byPort = new Map<string, string>();
	const byName = new Map<string, number>();
	for (const raw of text.split('\n')) {
		const hash = raw.indexOf('#');
		const line = hash === -1 ? raw : raw.slice(0, hash);
		const fields = line.trim().split(/\s+/);
		if (fields.length < 2 || fields[0] === '') continue;
		const match = /^(\d+)\/([a-z]+)$/i.exec(fields[1]!);
		if (!match) continue;
		const port = Number(match[1]);
		if (port < 1 || port > 65535) continue;
		const protocol = match[2]!.toLowerCase();
		const portKey = `${port}/${protocol}`;
		if (!byPort.has(portKey)) byPort.set(portKey, fields[0]!);
		for (const name of [fields[0]!, ...fields.slice(2)]) {
			const nameKey = `${name.toLowerCase()}/${protocol}`;
			if (!byName.has(nameKey)) byName.set(nameKey, port);
		}
	}
	return {byPort, byName};
}

let table: ServiceTable | undefined;
let tablePath: string | undefined;

/** The table for a services file, read once per path; empty when the file is missing. */
export function loadServices(path = '/etc/services'): ServiceTable {
	if (table && tablePath === path) return table;
	let text = '';
	try {
		text = readFileSync(path, 'utf8');
	} catch {
		// No services file: no names, which is fine.
	}
	table = parseServices(text);
	tablePath = path;
	return table;
}

/** The service name for a port (`http` for 80/tcp), if /etc/services has one. */
export function serviceName(
	port: number,
	protocol: 'tcp' | 'udp',
	path?: string,
): string | undefined {
	return loadServices(path).byPort.get(`${port}/${protocol}`);
}

/** The port of a service name (`ssh` → 22), if /etc/services has it. */
export function servicePort(
	name: string,
	protocol: 'tcp' | 'udp',
	path?: string,
): number | undefined {
	return loadServices(path).byName.get(`${name.toLowerCase()}/${protocol}`);
}
