import assert from 'node:assert/strict';
import {test} from 'node:test';
import {unifiedDiff} from '../../../source/core/conflicts/diff.js';

const lines = (count: number) =>
	Array.from({length: count}, (_, index) => `line ${index + 1}`).join('\n') + '\n';

test('one changed line: a hunk with three lines of context each side', () => {
	const before = lines(10);
	const after = before.replace('line 5\n', 'line five\n');
	assert.equal(
		unifiedDiff(before, after, {oldLabel: 'a/f', newLabel: 'b/f'}),
		[
			'--- a/f',
			'+++ b/f',
			'@@ -2,7 +2,7 @@',
			' line 2',
			' line 3',
			' line 4',
			'-line 5',
			'+line five',
			' line 6',
			' line 7',
			' line 8',
			'',
		].join('\n'),
	);
});

test('changes far apart make separate hunks; near ones merge', () => {
	const before = lines(30);
	const far = before.replace('line 2\n', 'X\n').replace('line 25\n', 'Y\n');
	assert.equal(unifiedDiff(before, far).match(/^@@/gm)?.length, 2);
	const near = before.replace('line 2\n', 'X\n').replace('line 6\n', 'Y\n');
	assert.equal(unifiedDiff(before, near).match(/^@@/gm)?.length, 1);
});

test('change at the first line, insertions and deletions are counted', () => {
	assert.equal(
		unifiedDiff('a\nb\n', 'z\na\nb\nc\n', {context: 1}),
		['--- a', '+++ b', '@@ -1,2 +1,4 @@', '+z', ' a', ' b', '+c', ''].join('\n'),
	);
	assert.equal(
		unifiedDiff('a\nb\nc\n', 'a\nc\n', {context: 0}),
		['--- a', '+++ b', '@@ -2,1 +1,0 @@', '-b', ''].join('\n'),
	);
});

test('equal texts give no diff', () => {
	assert.equal(unifiedDiff('x\n', 'x\n'), '');
});
