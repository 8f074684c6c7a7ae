import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatTextTable, truncate} from '../../source/format/text-table.js';

const columns = [
	{header: 'NAME'},
	{header: 'PORT', align: 'right' as const},
	{header: 'COMMAND'},
];
const rows = [
	['nginx', '80', 'nginx: master process /usr/sbin/nginx -g daemon on;'],
	['sshd', '22', 'sshd: /usr/sbin/sshd -D'],
];

test('aligns columns with two-space gutters and right-aligned numbers', () => {
	assert.equal(
		formatTextTable(columns, rows),
		[
			'NAME   PORT  COMMAND',
			'nginx    80  nginx: master process /usr/sbin/nginx -g daemon on;',
			'sshd     22  sshd: /usr/sbin/sshd -D',
			'',
		].join('\n'),
	);
});

test('cuts the last column first, with an ellipsis, to fit maxWidth', () => {
	const text = formatTextTable(columns, rows, {maxWidth: 30});
	const lines = text.trimEnd().split('\n');
	assert.ok(
		lines.every((line) => line.length <= 30),
		text,
	);
	assert.equal(lines[1], 'nginx    80  nginx: master pr…');
	assert.equal(lines[2], 'sshd     22  sshd: /usr/sbin/…');
});

test('then shrinks the widest other columns, never wraps', () => {
	const wide = [{header: 'ADDRESS'}, {header: 'X'}];
	const text = formatTextTable(wide, [['fe80::1c2:3ff:fe04:506%eth0', 'y']], {
		maxWidth: 14,
	});
	const lines = text.trimEnd().split('\n');
	assert.equal(lines.length, 2);
	assert.ok(
		lines.every((line) => line.length <= 14),
		text,
	);
	assert.match(lines[1]!, /…/);
});

test('control characters in cells cannot break lines; missing cells are empty', () => {
	const text = formatTextTable([{header: 'A'}, {header: 'B'}], [['x\ny\tz'], ['1', '2']]);
	assert.equal(text, 'A      B\nx y z\n1      2\n');
});

test('truncate', () => {
	assert.equal(truncate('abcdef', 6), 'abcdef');
	assert.equal(truncate('abcdef', 4), 'abc…');
	assert.equal(truncate('abcdef', 1), '…');
	assert.equal(truncate('abcdef', 0), '');
});
