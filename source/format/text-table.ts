/**
 * The plain-text table every printing command uses: a header row, columns
 * separated by two spaces, cells cut with `…` rather than wrapped when the
 * table is wider than `maxWidth`. Widest columns give way first; the last
 * column (usually a command line) is allowed to run to the edge.
 */
export type TextColumn = {header: string; align?: 'left' | 'right'};

const GUTTER = '  ';
const MIN_WIDTH = 3;

/** Cuts a cell to `width` characters, marking the cut with `…`. */
export function truncate(text: string, width: number): string {
	if (text.length <= width) return text;
	if (width <= 0) return '';
	if (width === 1) return '…';
	return `${text.slice(0, width - 1)}…`;
}

/** Cell text made printable on one line: control characters become spaces. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u001f\u007f]/;

function clean(text: string): string {
	// Testing first: nearly every cell is clean, and replace() would copy it.
	return HAS_CONTROL.test(text) ? text.replace(CONTROL, ' ') : text;
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
	maxWidth: number | undefined,
): number[] {
	// clean() swaps one character for one space, so raw lengths are the widths.
	const widths = columns.map((column) => column.header.length);
	for (const row of rows) {
		for (let index = 0; index < widths.length; index++) {
			const length = row[index]?.length ?? 0;
			if (length > widths[index]!) widths[index] = length;
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
	const widths = columnWidths(columns, rows, options.maxWidth);
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
	const line = (row: readonly string[]) => {
		// Spaces owed before the next visible text: dropped at the end of the line.
		let owed = 0;
		for (let index = 0; index < widths.length; index++) {
			const width = widths[index]!;
			const cell = truncate(clean(row[index] ?? ''), width);
			if (index > 0) owed += GUTTER.length;
			const padding = width - cell.length;
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
	line(columns.map((column) => column.header));
	for (const row of rows) line(row);
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
