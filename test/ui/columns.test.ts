import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	GUTTER,
	layoutColumns,
	listColumnSpecs,
	scrollWindow,
	type ColumnLayout,
} from '../../source/ui/layout/columns.js';

const typical = {address: 13, service: 10, pid: 7, process: 15, user: 15};

function total(columns: ColumnLayout[]): number {
	return (
		columns.reduce((sum, column) => sum + column.width, 0) + GUTTER * (columns.length - 1)
	);
}

function ids(columns: ColumnLayout[]): string[] {
	return columns.map((column) => column.id);
}

test('at 80 columns every list column fits and the command takes the rest', () => {
	const columns = layoutColumns(listColumnSpecs, 80, typical);
	assert.deepEqual(ids(columns), [
		'protocol',
		'address',
		'port',
		'service',
		'pid',
		'process',
		'user',
		'age',
		'command',
	]);
	assert.equal(total(columns), 80);
	const command = columns.find((column) => column.id === 'command')!;
	assert.ok(command.width >= 10);
	assert.equal(columns.find((column) => column.id === 'port')!.align, 'right');
	assert.equal(columns.find((column) => column.id === 'pid')!.align, 'right');
});

test('wide terminals give the extra width to the command only', () => {
	const columns = layoutColumns(listColumnSpecs, 200, typical);
	assert.equal(total(columns), 200);
	assert.equal(columns.find((column) => column.id === 'address')!.width, 13);
	assert.ok(columns.find((column) => column.id === 'command')!.width > 100);
});

test('narrower terminals drop age, then service, then command, then user', () => {
	const widths = [70, 60, 50, 40].map((width) => {
		const columns = layoutColumns(listColumnSpecs, width, typical);
		assert.ok(total(columns) <= width, `fits ${width}`);
		return ids(columns);
	});
	assert.ok(!widths[0]!.includes('age'));
	assert.ok(widths[0]!.includes('command'));
	assert.ok(!widths[1]!.includes('service'));
	assert.ok(!widths[2]!.includes('command'));
	assert.ok(!widths[3]!.includes('user'));
	assert.deepEqual(widths[3], ['protocol', 'address', 'port', 'pid', 'process']);
});

test('shrinking comes before dropping, and nothing exceeds a tiny width', () => {
	const columns = layoutColumns(listColumnSpecs, 80, typical);
	assert.ok(ids(columns).includes('age'));
	assert.ok(columns.find((column) => column.id === 'process')!.width < 15);
	assert.equal(
		columns.find((column) => column.id === 'address')!.width,
		13,
		'addresses are not cut while something else can give',
	);
	for (const width of [1, 5, 12, 20, 33]) {
		assert.ok(total(layoutColumns(listColumnSpecs, width, typical)) <= width);
	}
});

test('the scroll window follows the selection and moves as little as possible', () => {
	assert.equal(scrollWindow({previousTop: 0, selected: 5, height: 10, total: 100}), 0);
	assert.equal(scrollWindow({previousTop: 0, selected: 10, height: 10, total: 100}), 1);
	assert.equal(scrollWindow({previousTop: 50, selected: 55, height: 10, total: 100}), 50);
	assert.equal(scrollWindow({previousTop: 50, selected: 20, height: 10, total: 100}), 20);
	assert.equal(scrollWindow({previousTop: 95, selected: 99, height: 10, total: 100}), 90);
	assert.equal(scrollWindow({previousTop: 40, selected: 3, height: 10, total: 8}), 0);
});
