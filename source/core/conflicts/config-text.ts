/**
 * Config files as bytes. A config may hold Latin-1 text, a byte order mark,
 * CRLF line ends, NUL bytes or no final newline, and a rewrite must give back
 * every byte but the port's digits. So a file is decoded losslessly: valid
 * UTF-8 as itself (the adapters' parsers, include paths and columns work on
 * real characters), each byte that is not part of valid UTF-8 as one lone
 * surrogate U+DC80-U+DCFF (the "surrogateescape" of Python's file names),
 * which no valid UTF-8 can produce; a leading BOM is set aside so that the
 * first line parses like any other. Encoding that text gives the same bytes
 * back. Only for display are the escaped bytes turned into `\xNN`.
 */
import {Buffer, isUtf8} from 'node:buffer';

/** A config's text: what the parsers read, and whether the file starts with a UTF-8 BOM. */
export type ConfigText = {text: string; bom: boolean};

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const ESCAPE_BASE = 0xdc00;
/** Escaped bytes: a lone low surrogate (`u`: a surrogate pair is one code point, never matched). */
const ESCAPED = /[\udc80-\udcff]/u;
const ESCAPED_ALL = /[\udc80-\udcff]/gu;

/** Length of the well-formed UTF-8 sequence at `index` (Unicode table 3-7), 0 when there is none. */
function sequenceLength(bytes: Uint8Array, index: number): number {
	const first = bytes[index]!;
	if (first < 0x80) return 1;
	const at = (offset: number) => bytes[index + offset] ?? -1;
	const tail = (offset: number) => at(offset) >= 0x80 && at(offset) <= 0xbf;
	const second = at(1);
	if (first >= 0xc2 && first <= 0xdf) return tail(1) ? 2 : 0;
	if (first >= 0xe0 && first <= 0xef) {
		const low = first === 0xe0 ? 0xa0 : 0x80;
		// ED A0..BF would be a surrogate: not UTF-8, so such bytes are escaped one by one.
		const high = first === 0xed ? 0x9f : 0xbf;
		return second >= low && second <= high && tail(2) ? 3 : 0;
	}
	if (first >= 0xf0 && first <= 0xf4) {
		const low = first === 0xf0 ? 0x90 : 0x80;
		const high = first === 0xf4 ? 0x8f : 0xbf;
		return second >= low && second <= high && tail(2) && tail(3) ? 4 : 0;
	}
	return 0;
}

function decodeBytes(bytes: Uint8Array): string {
	const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (isUtf8(buffer)) return buffer.toString('utf8');
	let text = '';
	let runStart = 0;
	let index = 0;
	while (index < buffer.length) {
		const length = sequenceLength(buffer, index);
		if (length > 0) {
			index += length;
			continue;
		}
		text += buffer.toString('utf8', runStart, index);
		text += String.fromCharCode(ESCAPE_BASE + buffer[index]!);
		index++;
		runStart = index;
	}
	return text + buffer.toString('utf8', runStart);
}

/** Decodes a config's bytes without losing any: `encodeConfig` gives them back. */
export function decodeConfig(bytes: Uint8Array): ConfigText {
	const bom =
		bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
	return {text: decodeBytes(bom ? bytes.subarray(3) : bytes), bom};
}

/** The bytes of a config's text: the inverse of `decodeConfig`. */
export function encodeConfig({text, bom}: ConfigText): Buffer {
	const parts: Buffer[] = bom ? [BOM] : [];
	if (!ESCAPED.test(text)) parts.push(Buffer.from(text, 'utf8'));
	else {
		let runStart = 0;
		for (const match of text.matchAll(ESCAPED_ALL)) {
			parts.push(Buffer.from(text.slice(runStart, match.index), 'utf8'));
			parts.push(Buffer.from([match[0].charCodeAt(0) - ESCAPE_BASE]));
			runStart = match.index + 1;
		}
		parts.push(Buffer.from(text.slice(runStart), 'utf8'));
	}
	return Buffer.concat(parts);
}

/**
 * Config text as it may be shown: each byte that was not UTF-8 as `\xNN`
 * (never U+FFFD, which would hide what the file holds). Controls are left to
 * `safeText`, which every output applies.
 */
export function displayConfig(text: string): string {
	return ESCAPED.test(text)
		? text.replace(
				ESCAPED_ALL,
				(escaped) =>
					`\\x${(escaped.charCodeAt(0) - ESCAPE_BASE).toString(16).padStart(2, '0')}`,
			)
		: text;
}
