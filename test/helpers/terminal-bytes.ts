/**
 * What a terminal would act on in the bytes a program wrote to it: every
 * escape sequence that is not CSI (OSC, DCS, APC, PM, SOS and the rest), C1
 * controls sent as UTF-8, bidi controls, and C0 controls other than newline,
 * carriage return and tab. CSI sequences are allowed only when `allowedCsi`
 * (a whole-sequence pattern) admits them. Also: which corpus strings arrived
 * raw, byte for byte.
 */
import {hostileStrings} from '../fixtures/hostile/strings.js';

// eslint-disable-next-line no-control-regex
const CSI = /^\u001b\[[0-?]*[ -/]*[@-~]/;
const BIDI = /[\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

function excerpt(text: string, at: number): string {
	return JSON.stringify(text.slice(Math.max(0, at - 20), at + 30));
}

/** Each thing in `bytes` a terminal would act on that it should not, with some context. */
export function terminalFindings(
	bytes: Buffer,
	options: {allowedCsi?: RegExp} = {},
): string[] {
	const text = bytes.toString('utf8');
	const findings: string[] = [];
	for (let at = 0; at < text.length; at++) {
		const code = text.charCodeAt(at);
		if (code === 0x1b) {
			const csi = CSI.exec(text.slice(at, at + 64));
			if (!csi) {
				findings.push(
					`ESC ${JSON.stringify(text[at + 1] ?? '')} at ${excerpt(text, at)}`,
				);
				continue;
			}
			if (options.allowedCsi && !options.allowedCsi.test(csi[0])) {
				findings.push(`CSI ${JSON.stringify(csi[0])} at ${excerpt(text, at)}`);
			}
			at += csi[0].length - 1;
		} else if (code < 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) {
			findings.push(`C0 0x${code.toString(16)} at ${excerpt(text, at)}`);
		} else if (code >= 0x7f && code <= 0x9f) {
			findings.push(
				`${code === 0x7f ? 'DEL' : 'C1'} 0x${code.toString(16)} at ${excerpt(text, at)}`,
			);
		} else if (BIDI.test(text[at]!)) {
			findings.push(`bidi U+${code.toString(16)} at ${excerpt(text, at)}`);
		}
	}
	return findings;
}

/** Findings of one kind once each, with how many there were and the first one's context. */
export function summariseFindings(findings: string[]): string[] {
	const kinds = new Map<string, {count: number; first: string}>();
	for (const finding of findings) {
		const kind = finding.slice(0, finding.indexOf(' at '));
		const entry = kinds.get(kind);
		if (entry) entry.count++;
		else kinds.set(kind, {count: 1, first: finding});
	}
	return [...kinds.values()].map(({count, first}) => `${count}x ${first}`);
}

/**
 * The corpus entries that arrived exactly as the attacker wrote them (a
 * terminal's line discipline sends a newline as CR LF). `except` names
 * entries the program itself sends as part of its own output.
 */
export function rawHostile(bytes: Buffer, except: string[] = []): string[] {
	const text = bytes.toString('utf8');
	return hostileStrings
		.filter((entry) => !except.includes(entry.name))
		.filter(
			(entry) =>
				text.includes(entry.text) || text.includes(entry.text.replaceAll('\n', '\r\n')),
		)
		.map((entry) => entry.name);
}
