/**
 * SYN ("stealth") scans need raw sockets, so portui runs the real nmap
 * (`nmap -sS -n -Pn -oX - --stats-every 1s`) and reads its XML as it streams:
 * each finished `<host>` block gives results, each `<taskprogress>` gives the
 * fraction done. Cancelling kills nmap.
 */
import {accessSync, constants} from 'node:fs';
import {delimiter, join} from 'node:path';
import process from 'node:process';
import {PortuiError} from '../errors.js';
import type {PortState} from './model.js';

/** Path of an executable on PATH, or undefined. */
export function findExecutable(
	name: string,
	path = process.env.PATH ?? '',
): string | undefined {
	for (const directory of path.split(delimiter)) {
		if (!directory) continue;
		const candidate = join(directory, name);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// Not here.
		}
	}
	return undefined;
}

export type SynAvailability =
	{available: true; nmap: string} | {available: false; reason: string};

/** Whether a SYN scan can run here, and if not, what is missing. */
export function synAvailability(): SynAvailability {
	const nmap = findExecutable('nmap');
	const root = process.geteuid?.() === 0;
	if (!nmap && !root) {
		return {
			available: false,
			reason: 'SYN scans need nmap (install it) and root (run with sudo)',
		};
	}
	if (!nmap)
		return {
			available: false,
			reason: 'SYN scans need nmap, which is not installed (e.g. apt install nmap)',
		};
	if (!root)
		return {
			available: false,
			reason: 'SYN scans need root (raw sockets): run portui with sudo',
		};
	return {available: true, nmap};
}

/** Compresses sorted ports into nmap's range syntax (keeps the command line short). */
export function portRanges(ports: number[]): string {
	const sorted = [...ports].sort((a, b) => a - b);
	const parts: string[] = [];
	for (let index = 0; index < sorted.length;) {
		let end = index;
		while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) end++;
		parts.push(end === index ? `${sorted[index]}` : `${sorted[index]}-${sorted[end]}`);
		index = end + 1;
	}
	return parts.join(',');
}

const attribute = (element: string, name: string): string | undefined =>
	new RegExp(`\\b${name}="([^"]*)"`).exec(element)?.[1];

export type NmapHost = {
	address: string;
	up: boolean;
	ports: Array<{port: number; state: PortState; reason: string}>;
	/** State of the ports nmap did not list one by one (`extraports`), by port where nmap says. */
	extra: Array<{state: PortState; ports?: number[]}>;
};

function nmapState(state: string): PortState {
	if (
		state === 'open' ||
		state === 'closed' ||
		state === 'filtered' ||
		state === 'open|filtered'
	)
		return state;
	// unfiltered / closed|filtered have no equivalent in a connect model: be conservative.
	return state === 'unfiltered' ? 'closed' : 'filtered';
}

function expandRanges(text: string): number[] {
	const ports: number[] = [];
	for (const part of text.split(',')) {
		const [start, end] = part.split('-').map(Number);
		for (let port = start; port <= (end ?? start); port++) ports.push(port);
	}
	return ports;
}

/** Parses one `<host>…</host>` block of nmap's XML. */
export function parseHostBlock(block: string): NmapHost {
	const address =
		attribute(/<address [^>]*addrtype="ipv[46]"[^>]*>/.exec(block)?.[0] ?? '', 'addr') ??
		'';
	const up = attribute(/<status [^>]*>/.exec(block)?.[0] ?? '', 'state') === 'up';
	const ports: NmapHost['ports'] = [];
	for (const match of block.matchAll(/<port ([^>]*)>\s*<state ([^>]*)\/?>/g)) {
		ports.push({
			port: Number(attribute(match[1], 'portid')),
			state: nmapState(attribute(match[2], 'state') ?? ''),
			reason: attribute(match[2], 'reason') ?? '',
		});
	}
	const extra: NmapHost['extra'] = [];
	for (const match of block.matchAll(/<extraports ([^>]*)>([\s\S]*?)<\/extraports>/g)) {
		const state = nmapState(attribute(match[1], 'state') ?? '');
		const listed = [...match[2].matchAll(/<extrareasons [^>]*ports="([^"]*)"/g)].map(
			(reason) => reason[1],
		);
		extra.push({
			state,
			ports: listed.length > 0 ? listed.flatMap(expandRanges) : undefined,
		});
	}
	return {address, up, ports, extra};
}

export type NmapRun = {
	targets: string[];
	ports: number[];
	signal?: AbortSignal;
	timeoutMs?: number;
	retries?: number;
	rate?: number;
	onResult: (host: number, port: number, state: PortState, reason: string) => void;
	/** Fraction of the whole scan done, 0-1. */
	onProgress: (fraction: number) => void;
	onHostError: (host: number, error: string) => void;
};

/** Runs `nmap -sS` and reports through the callbacks; resolves when nmap exits. */
export async function runNmap(run: NmapRun): Promise<void> {
	const availability = synAvailability();
	if (!availability.available)
		throw new PortuiError(
			`${availability.reason}; or use a connect scan (without --syn)`,
		);
	const args = [
		'-sS',
		'-n',
		'-Pn',
		'-T4',
		'-oX',
		'-',
		'--stats-every',
		'1s',
		'-p',
		portRanges(run.ports),
	];
	if (run.timeoutMs !== undefined) args.push('--max-rtt-timeout', `${run.timeoutMs}ms`);
	if (run.retries !== undefined) args.push('--max-retries', String(run.retries));
	if (run.rate !== undefined) args.push('--max-rate', String(run.rate));
	if (run.targets.some((target) => target.includes(':'))) {
		if (run.targets.some((target) => !target.includes(':'))) {
			throw new PortuiError(
				'nmap scans IPv4 and IPv6 targets in separate runs: give one family per SYN scan',
			);
		}
		args.push('-6');
	}
	args.push(...run.targets);
	// execa loads lazily: connect and UDP scans never need it.
	const {execa} = await import('execa');
	const child = execa(availability.nmap, args, {
		cancelSignal: run.signal,
		buffer: false,
		stdin: 'ignore',
		stderr: 'pipe',
		reject: false,
	});
	const indexOf = new Map(run.targets.map((target, index) => [target, index]));
	const seen = new Set<number>();
	let buffer = '';
	let stderr = '';
	child.stderr?.setEncoding('utf8');
	child.stderr?.on('data', (chunk: string) => {
		stderr += chunk;
	});
	child.stdout?.setEncoding('utf8');
	child.stdout?.on('data', (chunk: string) => {
		buffer += chunk;
		for (const progress of buffer.matchAll(/<taskprogress [^>]*percent="([\d.]+)"/g)) {
			run.onProgress(Math.min(1, Number(progress[1]) / 100));
		}
		for (;;) {
			const start = buffer.indexOf('<host');
			const startMatch = /<host[\s>]/.exec(buffer);
			const end = buffer.indexOf('</host>');
			if (!startMatch || end < 0 || start < 0) break;
			const block = buffer.slice(startMatch.index, end + '</host>'.length);
			buffer = buffer.slice(end + '</host>'.length);
			const host = parseHostBlock(block);
			const index = indexOf.get(host.address);
			if (index === undefined) continue;
			seen.add(index);
			if (!host.up) {
				run.onHostError(index, 'host down');
				continue;
			}
			const listed = new Set(host.ports.map((entry) => entry.port));
			for (const entry of host.ports)
				run.onResult(index, entry.port, entry.state, entry.reason);
			const general = host.extra.find((entry) => !entry.ports)?.state ?? 'closed';
			const byPort = new Map(
				host.extra.flatMap((entry) =>
					(entry.ports ?? []).map((port) => [port, entry.state] as const),
				),
			);
			for (const port of run.ports) {
				if (listed.has(port)) continue;
				run.onResult(index, port, byPort.get(port) ?? general, 'extraports');
			}
		}
		// Keep only an unfinished tail so a long run does not grow the buffer.
		const open = buffer.lastIndexOf('<host');
		if (open < 0 && buffer.length > 65_536) buffer = buffer.slice(-4096);
	});
	const result = await child;
	if (run.signal?.aborted) return;
	if (result.exitCode !== 0) {
		const line = stderr.trim().split('\n').pop() ?? '';
		throw new PortuiError(`nmap failed (exit ${result.exitCode}): ${line}`);
	}
	for (const [target, index] of indexOf)
		if (!seen.has(index)) run.onHostError(index, `nmap reported nothing for ${target}`);
}
