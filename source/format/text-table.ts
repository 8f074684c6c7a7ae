/**
 * The plain-text table every printing command uses: a header row, columns
 * separated by two spaces, cells cut with `…` rather than wrapped when the
 * table is wider than `maxWidth`. Widest columns give way first; the last
 * column (usually a command line) is allowed to run to the edge. Cells are
 * untrusted text: they are shown through the cell layer (format/cells.ts),
 * so no caller can print one raw.
 */
import {cellText, cellWidth, isPlainCell, truncateCell} from './cells.js';

export type TextColumn = {header: string; align?: 'left' | 'right'};

const GUTTER = '  ';
const MIN_WIDTH = 3;

/**
 * The rows as shown: every cell through `cellText` (untrusted text made safe
 * on one line). A row whose cells are all plain ASCII, nearly every row, is
 * kept as it is; `plain` marks those, whose widths are their lengths.
 */
function shownRows(rows: ReadonlyArray<readonly string[]>): {
	rows: ReadonlyArray<readonly string[]>;
	plain: Uint8Array;
} {
	const plain = new Uint8Array(rows.length);
	let shown: Array<readonly string[]> | undefined;
	for (let index = 0; index < rows.length; index++) {
		const row = rows[index]!;
		let clean = true;
		for (let cell = 0; cell < row.length; cell++) {
			if (!isPlainCell(row[cell]!)) {
				clean = false;
				break;
			}
		}
		if (clean) {
			plain[index] = 1;
			continue;
		}
		shown ??= rows.slice();
		shown[index] = row.map(cellText);
	}
	return {rows: shown ?? rows, plain};
}

/** Bytes per chunk handed to a sink: big enough to write rarely, small enough to stay in cache. */
const CHUNK_BYTES = 128 * 1024;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const WHITESPACE = /\s/;

/** Whether text ends in whitespace (a regex ending in $ would scan the whole cell). */
function endsInSpace(text: string): boolean {
	const code = text.charCodeAt(text.length - 1);
	if (Number.isNaN(code)) return false;
	if (code === SPACE) return true;
	return code > 127 && WHITESPACE.test(text[text.length - 1]!);
}

/** Column widths: the widest cell or header, then cut down to fit `maxWidth`. */
function columnWidths(
	columns: TextColumn[],
	rows: ReadonlyArray<readonly string[]>,
	plain: Uint8Array,
	maxWidth: number | undefined,
): number[] {
	const widths = columns.map((column) => cellWidth(column.header));
	for (let row = 0; row < rows.length; row++) {
		const cells = rows[row]!;
		for (let index = 0; index < widths.length; index++) {
			const cell = cells[index];
			if (cell === undefined) continue;
			const width = plain[row] ? cell.length : cellWidth(cell);
			if (width > widths[index]!) widths[index] = width;
		}
	}
	if (maxWidth !== undefined && maxWidth > 0) {
		const total = () =>
			widths.reduce((sum, width) => sum + width, 0) + GUTTER.length * (widths.length - 1);
		// The last column shrinks first, then the widest of the rest, never below a minimum.
		const last = widths.length - 1;
		let excess = total() - maxWidth;
		if (excess > 0 && last >= 0) {
			const floor = Math.min(
				widths[last]!,
				Math.max(MIN_WIDTH, columns[last]!.header.length),
			);
			const cut = Math.min(excess, widths[last]! - floor);
			widths[last]! -= cut;
			excess -= cut;
		}
		while (excess > 0) {
			let widest = -1;
			for (let index = 0; index < widths.length; index++) {
				const floor = Math.max(MIN_WIDTH, Math.min(columns[index]!.header.length, 6));
				if (widths[index]! <= floor) continue;
				if (widest === -1 || widths[index]! > widths[widest]!) widest = index;
			}
			if (widest === -1) break;
			widths[widest]!--;
			excess--;
		}
	}
	return widths;
}

/**
 * Writes the table as UTF-8 through `sink`, a chunk at a time, each line
 * without trailing spaces. Nothing per line is allocated beyond what a cell
 * already is: a list of 10,000 listeners made 40 MB of line strings when
 * built as one string (every fresh page costs ~10 us on this machine class).
 * The sink must be done with a chunk when it returns (the buffer is reused).
 */
export function writeTextTable(
	columns: TextColumn[],
	rows: ReadonlyArray<readonly string[]>,
	sink: (chunk: Uint8Array) => void,
	options: {maxWidth?: number} = {},
): void {
	const shown = shownRows(rows);
	const widths = columnWidths(columns, shown.rows, shown.plain, options.maxWidth);
	const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
	let at = 0;
	const flush = () => {
		if (at > 0) sink(buffer.subarray(0, at));
		at = 0;
	};
	const spaces = (count: number) => {
		while (count > 0) {
			if (at === CHUNK_BYTES) flush();
			const run = Math.min(count, CHUNK_BYTES - at);
			buffer.fill(SPACE, at, at + run);
			at += run;
			count -= run;
		}
	};
	const text = (value: string) => {
		// Up to three bytes per UTF-16 unit.
		if (at + value.length * 3 > CHUNK_BYTES) flush();
		if (value.length * 3 > CHUNK_BYTES) sink(Buffer.from(value));
		else at += buffer.write(value, at);
	};
	const line = (row: readonly string[], plain: boolean) => {
		// Spaces owed before the next visible text: dropped at the end of the line.
		let owed = 0;
		for (let index = 0; index < widths.length; index++) {
			const width = widths[index]!;
			const cell = truncateCell(row[index] ?? '', width);
			if (index > 0) owed += GUTTER.length;
			const padding = width - (plain ? cell.length : cellWidth(cell));
			const right = columns[index]!.align === 'right';
			if (right) owed += padding;
			const visible = endsInSpace(cell) ? cell.trimEnd() : cell;
			if (visible !== '') {
				spaces(owed);
				text(visible);
				owed = 0;
			}
			owed += cell.length - visible.length;
			if (!right) owed += padding;
		}
		if (at === CHUNK_BYTES) flush();
		buffer[at++] = NEWLINE;
	};
	line(
		columns.map((column) => cellText(column.header)),
		false,
	);
	for (let index = 0; index < shown.rows.length; index++)
		line(shown.rows[index]!, shown.plain[index] === 1);
	flush();
}

export function formatTextTable(
	columns: TextColumn[],
	rows: ReadonlyArray<readonly string[]>,
	options: {maxWidth?: number} = {},
): string {
	const chunks: Buffer[] = [];
	writeTextTable(columns, rows, (chunk) => chunks.push(Buffer.from(chunk)), options);
	return Buffer.concat(chunks).toString('utf8');
}
