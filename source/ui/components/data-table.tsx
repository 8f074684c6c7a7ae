/**
 * The app's one table look: a bold underlined header, one line per row, cells
 * padded or truncated (never wrapped) to the widths `layoutColumns` chose,
 * numbers right-aligned, the selected row inverse. Only the rows inside the
 * window are built, so 10,000 rows cost as much as 20; the body always has
 * `height` lines so frames keep the same height.
 */
import {useRef, type ReactNode} from 'react';
import {Box} from 'ink';
import {Text} from './text.js';
import {fitCell} from '../../format/cells.js';
import {GUTTER, scrollWindow, type ColumnLayout} from '../layout/columns.js';
import {useTheme, type Style} from '../theme.js';

export type DataTableProps<Row, Id extends string = string> = {
	columns: Array<ColumnLayout<Id>>;
	rows: readonly Row[];
	/** Index into `rows`; -1 for no selection. */
	selectedIndex: number;
	/** Lines for the body (the header line comes on top of these). */
	height: number;
	/** The text of one cell, untrusted (the table makes it safe, pads and truncates it). */
	cell: (row: Row, column: Id) => string;
	rowKey: (row: Row) => string;
	/** Extra style for a row (appeared, closed, …); the selection adds inverse on top. */
	rowStyle?: (row: Row) => Style | undefined;
	/** Marks the sorted column's header with ▲ or ▼. */
	sort?: {column: Id; descending: boolean};
	/** Shown on the first body line when there are no rows. */
	empty?: ReactNode;
};

/** One row as a single string: cells fitted to their widths, joined by the gutter. */
export function formatRow<Id extends string>(
	columns: Array<ColumnLayout<Id>>,
	value: (column: Id) => string,
): string {
	const gap = ' '.repeat(GUTTER);
	return columns
		.map((column) => fitCell(value(column.id), column.width, column.align))
		.join(gap);
}

export function DataTable<Row, Id extends string = string>({
	columns,
	rows,
	selectedIndex,
	height,
	cell,
	rowKey,
	rowStyle,
	sort,
	empty,
}: DataTableProps<Row, Id>) {
	const theme = useTheme();
	const topRef = useRef(0);
	const bodyHeight = Math.max(0, height);
	const top = scrollWindow({
		previousTop: topRef.current,
		selected: Math.max(0, selectedIndex),
		height: bodyHeight,
		total: rows.length,
	});
	// The window position is view memory, not state: it only keeps scrolling from jumping.
	topRef.current = top;

	const header = formatRow(columns, (id) => {
		const column = columns.find((candidate) => candidate.id === id)!;
		if (sort?.column !== id) return column.header;
		const arrow = sort.descending ? '▼' : '▲';
		const name = column.header.slice(0, Math.max(0, column.width - 1));
		return column.align === 'right' ? arrow + name : name + arrow;
	});

	const lines: ReactNode[] = [];
	for (let line = 0; line < bodyHeight; line++) {
		const index = top + line;
		const row = rows[index];
		if (row === undefined) {
			lines.push(
				<Text key={`blank-${line}`} wrap="truncate-end">
					{line === 0 && rows.length === 0 && empty ? empty : ' '}
				</Text>,
			);
			continue;
		}
		const style: Style = {...rowStyle?.(row)};
		if (index === selectedIndex) Object.assign(style, theme.selected);
		lines.push(
			<Text key={rowKey(row)} wrap="truncate-end" {...style}>
				{formatRow(columns, (id) => cell(row, id))}
			</Text>,
		);
	}

	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end" {...theme.tableHeader}>
				{header}
			</Text>
			{lines}
		</Box>
	);
}
