/**
 * portui's Text and the components built on it, given the hostile corpus:
 * every string Ink draws comes out as visible escapes, one line per Text,
 * nothing a terminal would act on. (test/e2e/hostile-output.test.ts checks
 * the same for every screen in a real terminal.)
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {Box} from 'ink';
import type {ReactElement} from 'react';
import {DataTable} from '../../source/ui/components/data-table.js';
import {SelectList} from '../../source/ui/components/select-list.js';
import {StaticTable} from '../../source/ui/components/static-table.js';
import {Text} from '../../source/ui/components/text.js';
import {layoutColumns} from '../../source/ui/layout/columns.js';
import {safeText} from '../../source/format/safe-text.js';
import {forbiddenInOutput, hostileStrings} from '../fixtures/hostile/strings.js';

function frameOf(node: ReactElement): string {
	const app = render(node);
	// Read before unmounting: with CI set the last frame is blank afterwards.
	const frame = app.lastFrame() ?? '';
	app.unmount();
	return frame;
}

test('Text shows every hostile string as escapes, through nesting, arrays and fragments', () => {
	for (const {name, text} of hostileStrings) {
		const frame = frameOf(
			<Text wrap="truncate-end">
				[{text}]<Text bold>{text}</Text>
				{[text, 7]}
				<>{text}</>
			</Text>,
		);
		assert.doesNotMatch(frame, forbiddenInOutput, name);
		assert.equal(frame.split('\n').length, 1, `${name}: one line`);
		// Narrow enough to fit 100 columns whole for the first copy.
		assert.ok(frame.startsWith(`[${safeText(text)}]`.slice(0, 60)), `${name}: ${frame}`);
	}
});

test('pick lists, data tables and static tables draw hostile cells the same way', () => {
	const rows = hostileStrings.map((entry, index) => ({
		key: String(index),
		name: entry.text,
		other: `x${entry.text}`,
	}));
	const columns = layoutColumns(
		[
			{id: 'name' as const, header: 'NAME', min: 10, max: 40},
			{id: 'other' as const, header: 'OTHER', min: 10, max: 40, grow: true},
		],
		100,
	);
	const frame = frameOf(
		<Box flexDirection="column">
			<SelectList
				items={rows.map((row) => ({key: row.key, label: row.name, value: row.key}))}
			/>
			<DataTable
				columns={columns}
				rows={rows}
				selectedIndex={0}
				height={rows.length}
				cell={(row, column) => row[column]}
				rowKey={(row) => row.key}
			/>
			<StaticTable
				columns={[
					{id: 'name', header: 'NAME', min: 10, max: 40},
					{id: 'other', header: 'OTHER', min: 10, max: 40, grow: true},
				]}
				rows={rows}
				width={100}
			/>
		</Box>,
	);
	assert.doesNotMatch(frame, forbiddenInOutput);
	// The list, the table's heading and rows, the static table's heading and rows.
	assert.equal(frame.split('\n').length, 3 * rows.length + 2);
	for (const {name, text} of hostileStrings) {
		const shown = safeText(text).slice(0, 9);
		const count = frame.split(shown).length - 1;
		assert.ok(count >= 3, `${name}: ${shown} shown ${count} times`);
	}
});
