import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parseInterval} from '../../source/commands/ui.js';
import {UsageError} from '../../source/core/errors.js';

test('--interval takes seconds, decimals allowed, within 0.1-3600', () => {
	assert.equal(parseInterval(undefined), 1000);
	assert.equal(parseInterval('2'), 2000);
	assert.equal(parseInterval('0.5'), 500);
	assert.equal(parseInterval('.25'), 250);
	assert.equal(parseInterval('3600'), 3_600_000);
	for (const bad of ['abc', '', '0', '0.05', '-1', '1e3', '1,5', '3601', '2s']) {
		assert.throws(() => parseInterval(bad), UsageError, bad);
	}
});
