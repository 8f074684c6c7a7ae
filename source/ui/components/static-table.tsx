/**
 * A table that is read, not navigated (help keys, open files): drawn by
 * `@alcalzone/ink-table` but configured to look exactly like `DataTable`, so
 * the app has one table look. No box lines, the `tableHeader` style on the
 * heading, cells fitted (padded or cut with `…`, never wrapped) to the widths
 * `layoutColumns` chose, columns joined by the same gutter. Interactive lists
 * stay on `DataTable`, which builds only the rows in its window and marks a
 * selection; ink-table lays out every row it is given.
 */
import {createContext, useContext, useMemo, type ReactNode} from 'react';
import {Box} from 'ink';
import {Text} from './text.js';
// eslint-disable-next-line no-restricted-imports -- the one wrapper of ink-table
import {Table} from '@alcalzone/ink-table';
import {cellText, cellWidth, fitCell} from '../../format/cells.js';
import {
	GUTTER,
	layoutColumns,
	type ColumnLayout,
	type ColumnSpec,
} from '../layout/columns.js';
import {useTheme, type Style} from '../theme.js';

export type StaticColumn<Id extends string = string> = ColumnSpec<Id> & {
	/** Style of this column's cells (the help's key column takes the theme's `key`). */
	style?: Style;
};

export type StaticTableProps<Id extends string = string> = {
	columns: Array<StaticColumn<Id>>;
	/** One record per row; a missing cell shows empty. */
	rows: ReadonlyArray<Partial<Record<Id, string>>>;
	/** Columns available to the whole table, gutters included. */
	width: number;
	/** Off where the column names would only repeat what the rows make plain. */
	header?: boolean;
	/** Shown instead of the rows when there are none. */
	empty?: ReactNode;
};

type Layout = {
	columns: Array<ColumnLayout & {style?: Style}>;
	header: boolean;
};

/**
 * ink-table builds its row renderers once, in its constructor, from the
 * components it is given; per-table facts therefore reach those components
 * through context rather than through closures that would go stale.
 */
const LayoutContext = createContext<Layout>({columns: [], header: true});

/**
 * ink-table pads each cell with `padding` spaces on both sides and reads 0 as
 * its default of 1; the cells below take that padding off again and put the
 * app's gutter between columns instead.
 */
const PADDING = 1;
const gap = ' '.repeat(GUTTER);

type PartProps = {children?: ReactNode; column?: number};

/** The box lines (corners, rules, separators between rows): the app's tables have none. */
function Skeleton(_props: PartProps) {
	return <></>;
}

function HeaderCell({column = 0}: PartProps) {
	const theme = useTheme();
	const {columns, header} = useContext(LayoutContext);
	const layout = columns[column];
	if (!header || !layout) return <></>;
	// The gutter sits inside the styled text so the underline runs on unbroken, as in DataTable.
	return (
		<Text {...theme.tableHeader}>
			{(column > 0 ? gap : '') + fitCell(layout.header, layout.width, layout.align)}
		</Text>
	);
}

function BodyCell({children, column = 0}: PartProps) {
	const {columns} = useContext(LayoutContext);
	const layout = columns[column];
	if (!layout) return <></>;
	// The value arrived fitted to the column width; ink-table added its padding and,
	// as it counts UTF-16 units rather than characters, maybe more on the right.
	const fitted = fitCell(
		String(children ?? '')
			.slice(PADDING)
			.trimEnd(),
		layout.width,
	);
	return (
		<Text>
			{column > 0 ? gap : ''}
			<Text {...layout.style}>{fitted}</Text>
		</Text>
	);
}

export function StaticTable<Id extends string = string>({
	columns,
	rows,
	width,
	header = true,
	empty,
}: StaticTableProps<Id>) {
	const layout = useMemo<Layout>(() => {
		const content: Partial<Record<Id, number>> = {};
		for (const row of rows) {
			for (const column of columns) {
				const length = cellWidth(cellText(row[column.id] ?? ''));
				content[column.id] = Math.max(content[column.id] ?? 0, length);
			}
		}
		const fitted = layoutColumns(columns, Math.max(1, width), content);
		return {
			columns: fitted.map((column) => ({
				...column,
				style: columns.find((spec) => spec.id === column.id)?.style,
			})),
			header,
		};
	}, [columns, rows, width, header]);

	// Cells are fitted here, so ink-table's own widths (longest value plus padding) all agree.
	const data = useMemo(
		() =>
			rows.map((row) => {
				const record: Record<string, string> = {};
				for (const column of layout.columns) {
					record[column.id] = fitCell(
						row[column.id as Id] ?? '',
						column.width,
						column.align,
					);
				}
				return record;
			}),
		[rows, layout],
	);

	return (
		<LayoutContext.Provider value={layout}>
			<Box flexDirection="column">
				<Table
					data={data}
					columns={layout.columns.map((column) => column.id)}
					padding={PADDING}
					header={HeaderCell}
					cell={BodyCell}
					skeleton={Skeleton}
				/>
				{rows.length === 0 && empty !== undefined ? (
					<Text wrap="truncate-end">{empty}</Text>
				) : null}
			</Box>
		</LayoutContext.Provider>
	);
}
