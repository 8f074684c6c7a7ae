import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatTextTable, writeTextTable} from '../../source/format/text-table.js';
import {safeText} from '../../source/format/safe-text.js';
import {forbiddenInOutput, hostileStrings} from '../fixtures/hostile/strings.js';

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

test('control characters in cells are shown as escapes and cannot break lines; missing cells are empty', () => {
	const text = formatTextTable([{header: 'A'}, {header: 'B'}], [['x\ny\tz'], ['1', '2']]);
	assert.equal(text, 'A        B\nx\\ny\\tz\n1        2\n');
});

test('every hostile string in a cell: nothing a terminal acts on, the escapes shown, columns aligned', () => {
	const rows = hostileStrings.map((entry) => [entry.text, 'after']);
	const text = formatTextTable([{header: 'CELL'}, {header: 'NEXT'}], rows);
	const lines = text.trimEnd().split('\n');
	assert.equal(lines.length, hostileStrings.length + 1, 'one line per row');
	for (const [index, entry] of hostileStrings.entries()) {
		const line = lines[index + 1]!;
		assert.doesNotMatch(line, forbiddenInOutput, entry.name);
		assert.ok(line.startsWith(safeText(entry.text)), `${entry.name}: ${line}`);
		// The next column starts where the header says: widths were measured after escaping.
		assert.equal(line.indexOf('after'), lines[0]!.indexOf('NEXT'), entry.name);
	}
});

test('a cut falls between characters, never inside a surrogate pair', () => {
	const text = formatTextTable([{header: 'A'}], [['😀😀😀😀😀😀']], {maxWidth: 4});
	assert.equal(text, 'A\n😀😀😀…\n');
});

test('written in chunks: the same text whatever the table size, lines without trailing spaces', () => {
	const wide = [
		{header: 'A'},
		{header: 'N', align: 'right' as const},
		{header: 'B'},
		{header: 'LAST'},
	];
	// Cells that end in spaces, empty ones, control characters, text of two and
	// three UTF-8 bytes a character, and enough rows to cross many chunk edges.
	const samples = ['', 'x', 'tail  ', 'é', '€uro', 'tab\there', 'line\nbreak', ' lead'];
	const rows: string[][] = [];
	for (let index = 0; index < 6000; index++) {
		rows.push([
			samples[index % samples.length]!,
			index % 7 === 0 ? '' : String(index),
			samples[(index * 3) % samples.length]!,
			index % 5 === 0 ? '' : `€ command ${'é'.repeat(index % 40)} ${index}`,
		]);
	}
	// The definition: cells padded to their column, two spaces apart, the line trimmed.
	const widths = wide.map((column, index) =>
		Math.max(column.header.length, ...rows.map((row) => safeText(row[index]!).length)),
	);
	const expected = [wide.map((column) => column.header), ...rows]
		.map((row) =>
			row
				.map((cell, index) => {
					const clean = safeText(cell);
					return wide[index]!.align === 'right'
						? clean.padStart(widths[index]!)
						: clean.padEnd(widths[index]!);
				})
				.join('  ')
				.trimEnd(),
		)
		.join('\n');
	const chunks: Buffer[] = [];
	writeTextTable(wide, rows, (chunk) => chunks.push(Buffer.from(chunk)));
	assert.ok(chunks.length > 3, `several chunks (${chunks.length})`);
	assert.ok(chunks.every((chunk) => chunk.length <= 128 * 1024));
	assert.equal(Buffer.concat(chunks).toString('utf8'), `${expected}\n`);
	assert.equal(formatTextTable(wide, rows), `${expected}\n`);
});

test('a cell longer than a chunk is written whole', () => {
	const long = 'é'.repeat(100_000);
	const text = formatTextTable(
		[{header: 'A'}, {header: 'B'}],
		[
			['x', long],
			[long, 'y'],
		],
	);
	assert.equal(
		text,
		`A${' '.repeat(99_999)}  B\nx${' '.repeat(99_999)}  ${long}\n${long}  y\n`,
	);
});
