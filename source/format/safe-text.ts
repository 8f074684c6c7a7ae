/**
 * The one sanitiser for untrusted text. Everything portui shows was written
 * by someone else (process names, command lines, paths, unit and container
 * names, config lines, banners, remote output), and a terminal acts on some
 * characters instead of showing them: ESC and the other C0 controls, DEL, the
 * C1 controls (U+0080-U+009F, which a terminal honours when sent as UTF-8)
 * and the bidirectional controls that reorder what is on screen. Those are
 * shown as visible escapes (`\x1b`, `\x9b`, `\u202e`), never emitted.
 *
 * JSON keeps strings exact when parsed but must be just as safe to `cat`:
 * `jsonSafe` writes the same characters as `\uXXXX` escapes.
 */
/* eslint-disable no-control-regex -- naming control characters is this module's job */

/**
 * Characters never sent to a terminal as they are: C0, DEL, C1, the Arabic
 * letter mark, LRM/RLM, the line and paragraph separators, the bidi
 * embeddings, overrides and isolates, and the byte order mark.
 */
const UNSAFE =
	/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const HAS_UNSAFE =
	/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
/** The same set less newline and tab, for text that is meant to span lines. */
const UNSAFE_BUT_LINES =
	/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const HAS_UNSAFE_BUT_LINES =
	/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
/** What JSON.stringify leaves raw that a terminal would act on (it escapes C0 itself). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const HAS_JSON_UNSAFE =
	/[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

const NAMED: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'};

function hex(code: number, digits: number): string {
	return code.toString(16).padStart(digits, '0');
}

/** The visible form of one unsafe character: `\n`, `\x1b`, `\x9b`, `\u202e`. */
export function visibleEscape(character: string): string {
	const named = NAMED[character];
	if (named) return named;
	const code = character.charCodeAt(0);
	return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

export type SafeTextOptions = {
	/**
	 * Keep newlines and tabs (a diff, a block of lines portui itself laid out).
	 * A carriage return is never kept: it would let a line overwrite what the
	 * operator reads before it.
	 */
	lines?: boolean;
};

/**
 * Untrusted text made safe to show: every character a terminal would act on
 * becomes its visible escape. Text with nothing to escape is returned as it
 * is (no copy), which is nearly every string.
 */
export function safeText(text: string, options: SafeTextOptions = {}): string {
	if (options.lines) {
		return HAS_UNSAFE_BUT_LINES.test(text)
			? text.replace(UNSAFE_BUT_LINES, visibleEscape)
			: text;
	}
	return HAS_UNSAFE.test(text) ? text.replace(UNSAFE, visibleEscape) : text;
}

/** Whether `text` holds a character `safeText` would escape. */
export function isUnsafe(text: string, options: SafeTextOptions = {}): boolean {
	return (options.lines ? HAS_UNSAFE_BUT_LINES : HAS_UNSAFE).test(text);
}

/**
 * JSON text (from JSON.stringify) with the characters it leaves raw written
 * as `\uXXXX`. Such characters can only occur inside JSON strings, so the
 * result parses to exactly the same value.
 */
export function jsonSafe(json: string): string {
	return HAS_JSON_UNSAFE.test(json)
		? json.replace(JSON_UNSAFE, (character) => `\\u${hex(character.charCodeAt(0), 4)}`)
		: json;
}

/** JSON.stringify whose output is safe to `cat` to a terminal. */
export function stringifySafe(
	value: unknown,
	replacer?: (this: unknown, key: string, value: unknown) => unknown,
	space?: number,
): string {
	return jsonSafe(JSON.stringify(value, replacer, space));
}
