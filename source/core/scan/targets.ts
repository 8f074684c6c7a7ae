/**
 * Scan targets in nmap's syntax: IPv4 and IPv6 addresses, CIDR blocks, octet
 * ranges (`192.168.1.1-20`, `10.0-1.0.1`), comma lists, host names (resolved,
 * keeping the name so output shows what it resolved to) and `localhost`.
 * Syntax errors are TargetSpecErrors (exit 2) naming the bad part; a name that
 * does not resolve is not a syntax error but a per-host failure (exit 1).
 */
import {lookup} from 'node:dns/promises';
import {isIPv4, isIPv6} from 'node:net';
import {TargetSpecError} from '../errors.js';

export type Family = 4 | 6;

/** One host to scan, or one that could not be resolved (then `error` is set). */
export type ScanTarget = {
	/** What the user wrote for this host: the name, or the address itself. */
	target: string;
	/** Numeric address ('' when resolution failed). */
	address: string;
	family: Family;
	error?: string;
};

/** Largest number of addresses a single spec (or the whole list) may expand to. */
export const MAX_HOSTS = 65_536;

type Parsed =
	| {kind: 'addresses'; spec: string; addresses: string[]; family: Family}
	| {kind: 'name'; spec: string; name: string};

function bad(spec: string, reason: string): TargetSpecError {
	return new TargetSpecError(`bad target "${spec}": ${reason}`);
}

function ipv4ToNumber(address: string): number {
	return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function numberToIpv4(value: number): string {
	return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function ipv6ToBigInt(address: string): bigint {
	let text = address;
	const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (embedded) {
		const v4 = ipv4ToNumber(embedded[1]);
		text = `${text.slice(0, -embedded[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
	}
	const [head, tail] = text.split('::') as [string, string | undefined];
	const headGroups = head ? head.split(':') : [];
	const tailGroups = tail ? tail.split(':') : [];
	const groups =
		tail === undefined
			? headGroups
			: [
					...headGroups,
					...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'),
					...tailGroups,
				];
	return groups.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group}`), 0n);
}

function bigIntToIpv6(value: bigint): string {
	const groups: string[] = [];
	for (let shift = 112n; shift >= 0n; shift -= 16n)
		groups.push(((value >> shift) & 0xffffn).toString(16));
	// Compress the longest run of zero groups, as the canonical form does.
	let best = {start: -1, length: 0};
	for (let index = 0; index < 8;) {
		if (groups[index] !== '0') {
			index++;
			continue;
		}
		let end = index;
		while (end < 8 && groups[end] === '0') end++;
		if (end - index > best.length && end - index > 1)
			best = {start: index, length: end - index};
		index = end;
	}
	if (best.start < 0) return groups.join(':');
	const left = groups.slice(0, best.start).join(':');
	const right = groups.slice(best.start + best.length).join(':');
	return `${left}::${right}`;
}

/** Canonical text of an address (so exclusions and duplicates compare equal). */
export function canonicalAddress(address: string): string {
	if (isIPv4(address)) return numberToIpv4(ipv4ToNumber(address));
	if (isIPv6(address)) return bigIntToIpv6(ipv6ToBigInt(address.replace(/%.*$/, '')));
	return address;
}

function parseIpv4Ranges(spec: string): string[] {
	const octets = spec.split('.');
	if (octets.length !== 4) throw bad(spec, 'an IPv4 address has 4 octets');
	const ranges = octets.map((octet) => {
		const match = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(octet);
		if (octet === '*') return [0, 255] as const;
		if (!match) throw bad(spec, `octet "${octet}" is not a number or range`);
		const start = Number(match[1]);
		const end = match[2] === undefined ? start : Number(match[2]);
		if (start > 255 || end > 255) throw bad(spec, 'octet out of range');
		if (start > end) throw bad(spec, `octet range "${octet}" starts above its end`);
		return [start, end] as const;
	});
	const count = ranges.reduce((product, [start, end]) => product * (end - start + 1), 1);
	if (count > MAX_HOSTS)
		throw bad(spec, `expands to ${count} addresses (at most ${MAX_HOSTS})`);
	const addresses: string[] = [];
	const walk = (index: number, prefix: number[]): void => {
		if (index === 4) {
			addresses.push(prefix.join('.'));
			return;
		}
		const [start, end] = ranges[index];
		for (let octet = start; octet <= end; octet++) walk(index + 1, [...prefix, octet]);
	};
	walk(0, []);
	return addresses;
}

function parseCidr(spec: string): Parsed {
	const [base, bitsText] = spec.split('/') as [string, string];
	if (!/^\d{1,3}$/.test(bitsText))
		throw bad(spec, `prefix length "${bitsText}" is not a number`);
	const bits = Number(bitsText);
	if (isIPv4(base)) {
		if (bits > 32) throw bad(spec, `prefix length /${bits} is above 32`);
		const size = 2 ** (32 - bits);
		if (size > MAX_HOSTS) {
			throw bad(spec, `/${bits} holds ${size} addresses (at most ${MAX_HOSTS}: /16)`);
		}
		const start = Math.floor(ipv4ToNumber(base) / size) * size;
		const addresses = Array.from({length: size}, (_, index) =>
			numberToIpv4(start + index),
		);
		return {kind: 'addresses', spec, addresses, family: 4};
	}
	if (isIPv6(base)) {
		if (bits > 128) throw bad(spec, `prefix length /${bits} is above 128`);
		if (128 - bits > 16) {
			throw bad(
				spec,
				`/${bits} holds 2^${128 - bits} addresses (at most /112: ${MAX_HOSTS})`,
			);
		}
		const size = 1n << BigInt(128 - bits);
		const start = (ipv6ToBigInt(base) / size) * size;
		const addresses = Array.from({length: Number(size)}, (_, index) =>
			bigIntToIpv6(start + BigInt(index)),
		);
		return {kind: 'addresses', spec, addresses, family: 6};
	}
	if (/^[\d.]+$/.test(base)) {
		parseIpv4Ranges(base);
		throw bad(spec, 'not an IPv4 address');
	}
	throw bad(spec, 'a prefix needs a numeric IPv4 or IPv6 address');
}

const HOST_NAME =
	/^(?=.{1,253}$)(?!-)[a-z\d-]{1,63}(?<!-)(?:\.(?!-)[a-z\d-]{1,63}(?<!-))*\.?$/i;

/** Parses one target token (no commas) without resolving names. */
function parseOne(spec: string): Parsed {
	if (spec === '') throw bad(spec, 'empty');
	if (spec.includes('/')) return parseCidr(spec);
	if (isIPv6(spec))
		return {kind: 'addresses', spec, addresses: [canonicalAddress(spec)], family: 6};
	if (spec.includes(':')) throw bad(spec, 'not a valid IPv6 address');
	if (/^[\d.*-]+$/.test(spec) && /\./.test(spec)) {
		return {kind: 'addresses', spec, addresses: parseIpv4Ranges(spec), family: 4};
	}
	if (/^\d+$/.test(spec)) throw bad(spec, 'not an address or host name');
	if (!HOST_NAME.test(spec)) throw bad(spec, 'not an address or host name');
	return {kind: 'name', spec, name: spec};
}

/** Splits argv items and comma lists into tokens. */
function tokens(specs: string[]): string[] {
	const out: string[] = [];
	for (const spec of specs) {
		for (const part of spec.split(',')) {
			const token = part.trim();
			if (token === '') throw bad(spec, 'empty entry in the list');
			out.push(token);
		}
	}
	return out;
}

/**
 * Checks target syntax without resolving anything (for inline validation in
 * the UI). Throws the same TargetSpecError the scan would.
 */
export function validateTargets(specs: string[]): void {
	if (specs.length === 0)
		throw new TargetSpecError('no target given (e.g. 127.0.0.1, localhost, 10.0.0.0/24)');
	for (const token of tokens(specs)) parseOne(token);
}

export type Resolver = (name: string) => Promise<{address: string; family: Family}>;

/** IPv4 first, like nmap's default: `localhost` means 127.0.0.1. */
const defaultResolver: Resolver = async (name) => {
	try {
		const found = await lookup(name, {family: 4});
		return {address: found.address, family: 4};
	} catch {
		const found = await lookup(name, {family: 6});
		return {address: found.address, family: 6};
	}
};

/**
 * Expands target specs into hosts, resolving names, and removes exclusions
 * (same syntax). Duplicates are scanned once. Names that fail to resolve are
 * returned with `error` set so the scan can report them and exit 1.
 */
export async function resolveTargets(
	specs: string[],
	exclude: string[] = [],
	resolver: Resolver = defaultResolver,
): Promise<ScanTarget[]> {
	validateTargets(specs);
	const parsed = tokens(specs).map(parseOne);
	const excluded = new Set<string>();
	for (const item of exclude.length > 0 ? tokens(exclude).map(parseOne) : []) {
		if (item.kind === 'addresses')
			for (const address of item.addresses) excluded.add(address);
		else {
			try {
				excluded.add(canonicalAddress((await resolver(item.name)).address));
			} catch {
				// An exclusion that does not resolve excludes nothing.
			}
		}
	}
	const seen = new Set<string>();
	const targets: ScanTarget[] = [];
	for (const item of parsed) {
		if (item.kind === 'addresses') {
			for (const address of item.addresses) {
				if (excluded.has(address) || seen.has(address)) continue;
				seen.add(address);
				targets.push({target: address, address, family: item.family});
			}
			continue;
		}
		try {
			const found = await resolver(item.name);
			const address = canonicalAddress(found.address);
			if (excluded.has(address) || seen.has(address)) continue;
			seen.add(address);
			targets.push({target: item.name, address, family: found.family});
		} catch {
			targets.push({
				target: item.name,
				address: '',
				family: 4,
				error: 'cannot resolve host name',
			});
		}
		if (targets.length > MAX_HOSTS) break;
	}
	if (targets.length > MAX_HOSTS) {
		throw new TargetSpecError(`too many targets: more than ${MAX_HOSTS} hosts`);
	}
	return targets;
}

/**
 * Whether scanning this address needs the user's explicit go-ahead: anything
 * outside loopback, private, link-local and unique-local ranges.
 */
export function needsConfirmation(address: string): boolean {
	if (isIPv4(address)) {
		const value = ipv4ToNumber(address);
		const inBlock = (base: string, bits: number): boolean =>
			Math.floor(value / 2 ** (32 - bits)) ===
			Math.floor(ipv4ToNumber(base) / 2 ** (32 - bits));
		return !(
			inBlock('127.0.0.0', 8) ||
			inBlock('10.0.0.0', 8) ||
			inBlock('172.16.0.0', 12) ||
			inBlock('192.168.0.0', 16) ||
			inBlock('169.254.0.0', 16) ||
			inBlock('100.64.0.0', 10)
		);
	}
	if (isIPv6(address)) {
		const value = ipv6ToBigInt(address);
		if (value === 1n) return false;
		const top = value >> 112n;
		if ((top & 0xfe00n) === 0xfc00n) return false; // fc00::/7 unique local
		if ((top & 0xffc0n) === 0xfe80n) return false; // fe80::/10 link local
		if (value >> 32n === 0xffffn)
			return needsConfirmation(numberToIpv4(Number(value & 0xffffffffn)));
		return true;
	}
	return true;
}
