import {test} from 'node:test';
import assert from 'node:assert/strict';
import {cellText, cellWidth, fitCell, truncateCell} from '../../source/format/cells.js';
import {safeText} from '../../source/format/safe-text.js';
import {forbiddenInOutput, hostileStrings} from '../fixtures/hostile/strings.js';

test('cells are padded or truncated with an ellipsis, never longer than their width', () => {
	assert.equal(fitCell('node', 6), 'node  ');
	assert.equal(fitCell('80', 5, 'right'), '   80');
	assert.equal(fitCell('systemd-resolved', 8), 'systemd…');
	assert.equal(fitCell('abc', 1), '…');
	assert.equal(fitCell('abc', 0), '');
	assert.equal(truncateCell('abcdef', 6), 'abcdef');
	assert.equal(truncateCell('abcdef', 4), 'abc…');
	assert.equal(truncateCell('naïve日本', 4), 'naï…');
});

test('a cell is one line of visible escapes, as wide as what is shown', () => {
	assert.equal(cellText('a\nb\tc\u001B[31m'), 'a\\nb\\tc\\x1b[31m');
	assert.equal(fitCell('a\u001b]0;x\u0007', 12), 'a\\x1b]0;x\\x07'.slice(0, 11) + '…');
	assert.equal(cellWidth('😀x'), 2);
	for (const {name, text} of hostileStrings) {
		const shown = cellText(text);
		assert.equal(shown, safeText(text), name);
		assert.doesNotMatch(shown, forbiddenInOutput, name);
		assert.doesNotMatch(shown, /\n/, name);
		for (const width of [1, 5, 20, 200]) {
			const fitted = fitCell(text, width, 'right');
			assert.equal(cellWidth(fitted), width, `${name} at ${width}`);
			assert.doesNotMatch(fitted, forbiddenInOutput, `${name} at ${width}`);
		}
	}
});
