import '../helpers/force-color.js';
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {StaticTable, type StaticColumn} from '../../source/ui/components/static-table.js';
import {DataTable} from '../../source/ui/components/data-table.js';
import {layoutColumns} from '../../source/ui/layout/columns.js';
import {ThemeContext, themeFor} from '../../source/ui/theme.js';

type Id = 'fd' | 'target';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;]*m/g;
const strip = (text: string) => text.replace(ANSI, '');
/** The SGR parameters a frame uses: 1 bold, 4 underline, 30-38/90-97 foreground colours… */
const sgr = (text: string) =>
	(text.match(ANSI) ?? []).flatMap((code) => code.slice(2, -1).split(';').map(Number));
const isColour = (parameter: number) =>
	(parameter >= 30 && parameter <= 38) ||
	(parameter >= 40 && parameter <= 48) ||
	(parameter >= 90 && parameter <= 97) ||
	(parameter >= 100 && parameter <= 107);

const columns: Array<StaticColumn<Id>> = [
	{id: 'fd', header: 'FD', align: 'right', min: 3, max: 5},
	{id: 'target', header: 'TARGET', min: 6, max: 200, grow: true},
];

const rows: Array<Record<Id, string>> = [
	{fd: '0', target: '/dev/null'},
	{fd: '12', target: 'socket:[4242]'},
	{fd: '255', target: '/var/log/a-long-log-file-name-that-cannot-fit.log'},
];

function frameOf(node: React.ReactElement, env: NodeJS.ProcessEnv = {}) {
	const app = render(
		<ThemeContext.Provider value={themeFor(env)}>{node}</ThemeContext.Provider>,
	);
	// Read before unmounting: with CI set the last frame is blank afterwards.
	const frame = app.lastFrame() ?? '';
	app.unmount();
	return frame;
}

test('a static table: header line, right-aligned numbers, no box lines, one line per row', () => {
	const frame = strip(frameOf(<StaticTable columns={columns} rows={rows} width={60} />));
	const lines = frame.split('\n');
	assert.equal(lines.length, 4, `header and three rows, nothing else:\n${frame}`);
	assert.equal(lines[0]!.trimEnd(), ' FD TARGET');
	assert.equal(lines[1]!.trimEnd(), '  0 /dev/null');
	assert.equal(lines[2]!.trimEnd(), ' 12 socket:[4242]');
	assert.match(lines[3]!, /^255 \/var\/log\/a-long/);
	assert.doesNotMatch(frame, /[─│┌┐└┘├┤┬┴┼]/, 'no box drawing');
});

test('cells are cut with … to the width, never wrapped', () => {
	const frame = strip(frameOf(<StaticTable columns={columns} rows={rows} width={30} />));
	const lines = frame.split('\n');
	assert.equal(lines.length, 4);
	for (const line of lines) assert.ok(line.length <= 30, `"${line}" is wider than 30`);
	assert.equal(lines[3], '255 /var/log/a-long-log-file-…');
	assert.doesNotMatch(frame, /cannot-fit/);
});

test('the same rows look the same as in DataTable', () => {
	const width = 40;
	const content = {fd: 3, target: Math.max(...rows.map((row) => row.target.length))};
	const staticFrame = frameOf(
		<StaticTable columns={columns} rows={rows} width={width} />,
	);
	const dataFrame = frameOf(
		<DataTable
			columns={layoutColumns(columns, width, content)}
			rows={rows}
			selectedIndex={-1}
			height={rows.length}
			cell={(row, id) => row[id]}
			rowKey={(row) => row.fd}
		/>,
	);
	const plain = (frame: string) =>
		strip(frame)
			.split('\n')
			.map((line) => line.trimEnd());
	assert.deepEqual(plain(staticFrame), plain(dataFrame));
	// The header carries the theme's header style (bold, underlined) in both.
	const header = (frame: string) => frame.split('\n')[0]!;
	assert.ok(sgr(header(staticFrame)).includes(1), 'bold header');
	assert.ok(sgr(header(staticFrame)).includes(4), 'underlined header');
	assert.deepEqual(sgr(header(staticFrame)).sort(), sgr(header(dataFrame)).sort());
});

test('a column style colours its cells, and NO_COLOR takes the colour away', () => {
	const keyColumns = (
		style: ReturnType<typeof themeFor>,
	): Array<StaticColumn<'key' | 'text'>> => [
		{id: 'key', header: 'KEY', min: 3, max: 8, style: style.key},
		{id: 'text', header: 'ACTION', min: 6, max: 40, grow: true},
	];
	const keyRows = [
		{key: 'q', text: 'quit'},
		{key: '?', text: 'help'},
	];
	const coloured = frameOf(
		<StaticTable
			columns={keyColumns(themeFor({}))}
			rows={keyRows}
			width={40}
			header={false}
		/>,
	);
	assert.ok(sgr(coloured).includes(36), 'the key column is cyan');
	assert.equal(strip(coloured).split('\n').length, 2, 'no header line');

	const env = {NO_COLOR: '1'};
	const plain = frameOf(
		<StaticTable columns={keyColumns(themeFor(env))} rows={keyRows} width={40} />,
		env,
	);
	assert.ok(sgr(plain).includes(1), 'keys stay bold');
	assert.ok(sgr(plain).includes(4), 'the header stays underlined');
	assert.deepEqual(sgr(plain).filter(isColour), [], 'no colour at all');
	assert.equal(strip(plain).split('\n')[0]!.trimEnd(), 'KEY ACTION');
});

test('an empty table shows its header and the empty text', () => {
	const frame = strip(
		frameOf(<StaticTable columns={columns} rows={[]} width={40} empty="no open files" />),
	);
	assert.deepEqual(
		frame.split('\n').map((line) => line.trimEnd()),
		['   FD TARGET', 'no open files'],
	);
});
