/**
 * Socket addresses as `ss -n` prints them: IPv4 dotted, IPv6 compressed the
 * way glibc's inet_ntop does (`::`, `::1`, `::ffff:1.2.3.4`), so that what
 * portui shows can be pasted next to ss output and compared.
 */
import {readdirSync, readFileSync} from 'node:fs';

const ipv4Cache = new Map<number, string>();

/** An IPv4 address from its value as a big-endian (network order) 32-bit number. */
export function formatIpv4(value: number): string {
	let text = ipv4Cache.get(value);
	if (text === undefined) {
		text = `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
		if (ipv4Cache.size < 4096) ipv4Cache.set(value, text);
	}
	return text;
}

/** An IPv6 address from its four 32-bit words, each in network order. */
export function formatIpv6Words(a: number, b: number, c: number, d: number): string {
	// The two addresses every listener table is full of.
	if (a === 0 && b === 0 && c === 0) {
		if (d === 0) return '::';
		if (d === 1) return '::1';
	}
	const words = [a >>> 16, a & 0xffff, b >>> 16, b & 0xffff, c >>> 16, c & 0xffff];
	// Longest run of zero words (at least two), first one on ties: RFC 5952 / glibc.
	let bestStart = -1;
	let bestLength = 0;
	const all = [...words, d >>> 16, d & 0xffff];
	for (let index = 0; index < 8;) {
		if (all[index] !== 0) {
			index++;
			continue;
		}
		let end = index;
		while (end < 8 && all[end] === 0) end++;
		if (end - index > bestLength) {
			bestStart = index;
			bestLength = end - index;
		}
		index = end;
	}
	if (bestLength < 2) bestStart = -1;
	// glibc writes an embedded IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d.
	const ipv4Tail =
		bestStart === 0 && (bestLength === 6 || (bestLength === 5 && all[5] === 0xffff));
	const count = ipv4Tail ? 6 : 8;
	let text = '';
	for (let index = 0; index < count; index++) {
		if (index === bestStart) {
			text += '::';
			index += bestLength - 1;
			continue;
		}
		if (text !== '' && !text.endsWith(':')) text += ':';
		text += all[index]!.toString(16);
	}
	if (ipv4Tail) {
		if (!text.endsWith(':')) text += ':';
		text += formatIpv4(d >>> 0);
	}
	return text;
}

/**
 * An address from /proc/net/{tcp,udp}{,6}: hex of the address bytes read as
 * host-order 32-bit words (little-endian on every machine portui runs on).
 * Returns undefined for text that is not 8 or 32 hex digits.
 */
export function parseProcNetAddress(
	hex: string,
): {family: 4 | 6; address: string} | undefined {
	if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
	if (hex.length === 8)
		return {family: 4, address: formatIpv4(swap32(parseInt(hex, 16)))};
	if (hex.length === 32) {
		const word = (index: number) =>
			swap32(parseInt(hex.slice(index * 8, index * 8 + 8), 16));
		return {family: 6, address: formatIpv6Words(word(0), word(1), word(2), word(3))};
	}
	return undefined;
}

function swap32(value: number): number {
	return (
		(((value & 0xff) << 24) |
			((value & 0xff00) << 8) |
			((value >>> 8) & 0xff00) |
			((value >>> 24) & 0xff)) >>>
		0
	);
}

let interfaceNames: Map<number, string> | undefined;

/** Interface name for an index (`lo`, `eth0`), from /sys/class/net; re-read when unknown. */
export function interfaceName(
	index: number,
	sysRoot = '/sys/class/net',
): string | undefined {
	if (!interfaceNames?.has(index)) {
		interfaceNames = new Map();
		try {
			for (const name of readdirSync(sysRoot)) {
				try {
					const value = Number(readFileSync(`${sysRoot}/${name}/ifindex`, 'utf8').trim());
					if (Number.isInteger(value)) interfaceNames.set(value, name);
				} catch {
					// An interface that went away between readdir and read.
				}
			}
		} catch {
			// No sysfs (some containers): callers print the index instead.
		}
	}
	return interfaceNames.get(index);
}
