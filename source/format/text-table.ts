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

export function formatTextTable(
	columns: TextColumn[],
	rows: string[][],
	options: {maxWidth?: number} = {},
): string {
	const cells = rows.map((row) => columns.map((_, index) => clean(row[index] ?? '')));
	const widths = columns.map((column) => column.header.length);
	for (const row of cells) {
		for (let index = 0; index < widths.length; index++) {
			if (row[index]!.length > widths[index]!) widths[index] = row[index]!.length;
		}
	}
	const maxWidth = options.maxWidth;
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
	const line = (row: string[]) =>
		row
			.map((cell, index) => {
				const width = widths[index]!;
				const text = truncate(cell, width);
				return columns[index]!.align === 'right'
					? text.padStart(width)
					: text.padEnd(width);
			})
			.join(GUTTER)
			.trimEnd();
	const header = columns.map((column) => column.header);
	return [line(header), ...cells.map(line)].join('\n') + '\n';
}
