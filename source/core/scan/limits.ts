/**
 * How many probes may be in flight without EMFILE or running out of local
 * ports: FACTS.md measured a naive scanner under `ulimit -n 256` losing 27 of
 * 1,000 open ports to EMFILE. The budget comes from the soft limit on open
 * files (Node raises it to the hard limit at startup, so read it in-process),
 * minus descriptors already open, minus a margin for the rest of the program.
 */
import {readdirSync, readFileSync} from 'node:fs';

const MARGIN = 64;

/** The soft RLIMIT_NOFILE of this process (1024 when /proc is unreadable). */
export function openFileLimit(): number {
	try {
		const text = readFileSync('/proc/self/limits', 'utf8');
		const match = /^Max open files\s+(\d+|unlimited)/m.exec(text);
		if (match) return match[1] === 'unlimited' ? 1_048_576 : Number(match[1]);
	} catch {
		// Fall through to the common default.
	}
	return 1024;
}

function openFileCount(): number {
	try {
		return readdirSync('/proc/self/fd').length;
	} catch {
		return 32;
	}
}

/** Local ports the kernel may hand out to connect() (ip_local_port_range). */
export function ephemeralPortCount(): number {
	try {
		const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
			.trim()
			.split(/\s+/)
			.map(Number);
		if (high >= low) return high - low + 1;
	} catch {
		// Fall through to Linux's default range.
	}
	return 28_232;
}

/** Default number of TCP probes in flight (all workers together). */
export const DEFAULT_CONCURRENCY = 2048;

/**
 * The number of probes in flight to use: the request (or the default), capped
 * by free descriptors and half the ephemeral range. Never below 1.
 */
export function probeBudget(requested?: number): number {
	const free = openFileLimit() - openFileCount() - MARGIN;
	const cap = Math.max(1, Math.min(free, Math.floor(ephemeralPortCount() / 2)));
	return Math.max(1, Math.min(requested ?? DEFAULT_CONCURRENCY, cap));
}
