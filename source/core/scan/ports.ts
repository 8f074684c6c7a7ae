/**
 * Port specifications in nmap's syntax: `22,80,443`, `8000-8100`, `1024-`,
 * `-1024`, `-` or `all`, and service names from /etc/services (`http`, `ssh`).
 * `--top N` comes from data/top-ports.txt, which the project ships (generated
 * from nmap's frequency table, see its header) so the runtime needs no nmap.
 */
import {readFileSync} from 'node:fs';
import {PortSpecError} from '../errors.js';
import {servicePort} from '../sockets/services.js';

export type Protocol = 'tcp' | 'udp';

const MAX_PORT = 65_535;

function lookupService(name: string, protocol: Protocol): number | undefined {
	// A name /etc/services lists for the other protocol only still means its port.
	return (
		servicePort(name, protocol) ?? servicePort(name, protocol === 'tcp' ? 'udp' : 'tcp')
	);
}

function portNumber(text: string, whole: string): number {
	if (!/^\d+$/.test(text)) {
		throw new PortSpecError(`bad port "${whole}": not a number or known service name`);
	}
	const port = Number(text);
	if (port < 1 || port > MAX_PORT) {
		throw new PortSpecError(`bad port "${whole}": ${text} is out of range 1-65535`);
	}
	return port;
}

/**
 * Parses a port list into sorted unique port numbers. Throws a PortSpecError
 * (exit 2) naming the bad part: `70000`, `10-5`, `abc`.
 */
export function parsePorts(spec: string, protocol: Protocol = 'tcp'): number[] {
	const trimmed = spec.trim();
	if (trimmed === '') throw new PortSpecError('bad port list "": empty');
	if (trimmed === '-' || trimmed.toLowerCase() === 'all') return range(1, MAX_PORT);
	const ports = new Set<number>();
	for (const raw of trimmed.split(',')) {
		const part = raw.trim();
		if (part === '') throw new PortSpecError(`bad port list "${spec}": empty entry`);
		const dash = /^(\d*)-(\d*)$/.exec(part);
		if (dash) {
			const start = dash[1] === '' ? 1 : portNumber(dash[1], part);
			const end = dash[2] === '' ? MAX_PORT : portNumber(dash[2], part);
			if (start > end) {
				throw new PortSpecError(
					`bad port range "${part}": start ${start} is above end ${end}`,
				);
			}
			for (let port = start; port <= end; port++) ports.add(port);
			continue;
		}
		if (/^\d+$/.test(part)) {
			ports.add(portNumber(part, part));
			continue;
		}
		if (/^[a-z][\w.+-]*$/i.test(part)) {
			const port = lookupService(part, protocol);
			if (port === undefined) {
				throw new PortSpecError(`bad port "${part}": not a number or known service name`);
			}
			ports.add(port);
			continue;
		}
		throw new PortSpecError(`bad port "${part}": not a number or known service name`);
	}
	return [...ports].sort((a, b) => a - b);
}

function range(start: number, end: number): number[] {
	return Array.from({length: end - start + 1}, (_, index) => start + index);
}

let topCache: Record<Protocol, number[]> | undefined;

/** Every ranked port of a protocol, most frequently open first. */
export function rankedPorts(protocol: Protocol): number[] {
	if (!topCache) {
		const text = readFileSync(
			new URL('../../../data/top-ports.txt', import.meta.url),
			'utf8',
		);
		const cache: Record<Protocol, number[]> = {tcp: [], udp: []};
		for (const line of text.split('\n')) {
			const match = /^(tcp|udp) ([\d,]+)$/.exec(line.trim());
			if (match) cache[match[1] as Protocol] = match[2].split(',').map(Number);
		}
		topCache = cache;
	}
	return topCache[protocol];
}

/** The N most common ports of a protocol (sorted by number, as the scan order). */
export function topPorts(count: number, protocol: Protocol): number[] {
	const ranked = rankedPorts(protocol);
	if (!Number.isInteger(count) || count < 1) {
		throw new PortSpecError(`bad --top "${count}": must be a whole number from 1`);
	}
	if (count > ranked.length) {
		// Ports nmap never saw open rank last, by number, as nmap does.
		const seen = new Set(ranked);
		const rest = range(1, MAX_PORT).filter((port) => !seen.has(port));
		return [...ranked, ...rest].slice(0, count).sort((a, b) => a - b);
	}
	return ranked.slice(0, count).sort((a, b) => a - b);
}
