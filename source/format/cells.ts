/**
 * The one presentation layer for table cells, used by the printing commands'
 * text tables and by every table of the UI: a cell is untrusted text made
 * safe on one line (`safeText`: controls shown as visible escapes, a newline
 * as `\n`), measured after that, padded or cut with `…`, never wrapped.
 * Widths are counted in code points.
 */
import {safeText} from './safe-text.js';

export type Align = 'left' | 'right';

/** Printable ASCII only: safe as it is, one column per UTF-16 unit. Nearly every cell. */
const PLAIN = /^[\u0020-\u007e]*$/;

/** Whether text is printable ASCII: shown as it is, as wide as it is long. */
export function isPlainCell(text: string): boolean {
	return PLAIN.test(text);
}

/** A cell's text as shown: one line, nothing a terminal would act on. */
export function cellText(text: string): string {
	return PLAIN.test(text) ? text : safeText(text);
}

/** Columns `shown` takes (text that went through `cellText`). */
export function cellWidth(shown: string): number {
	if (PLAIN.test(shown)) return shown.length;
	let width = 0;
	for (let index = 0; index < shown.length; index++) {
		const code = shown.charCodeAt(index);
		// The second half of a surrogate pair belongs to the first.
		if (code < 0xdc00 || code > 0xdfff) width++;
	}
	return width;
}

/** Cuts shown text to `width` columns, marking the cut with `…`. */
export function truncateCell(shown: string, width: number): string {
	if (shown.length <= width) return shown;
	if (width <= 0) return '';
	if (width === 1) return '…';
	if (PLAIN.test(shown)) return `${shown.slice(0, width - 1)}…`;
	const characters = Array.from(shown);
	return characters.length <= width
		? shown
		: `${characters.slice(0, width - 1).join('')}…`;
}

/** Untrusted text as exactly `width` columns of a cell: made safe, then padded or cut. */
export function fitCell(text: string, width: number, align: Align = 'left'): string {
	if (width <= 0) return '';
	const cut = truncateCell(cellText(text), width);
	const pad = ' '.repeat(Math.max(0, width - cellWidth(cut)));
	return align === 'right' ? pad + cut : cut + pad;
}
