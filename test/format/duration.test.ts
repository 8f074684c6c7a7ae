import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatAge} from '../../source/format/duration.js';

test('formatAge picks the largest whole unit', () => {
	assert.equal(formatAge(0), '0s');
	assert.equal(formatAge(45_900), '45s');
	assert.equal(formatAge(60_000), '1m');
	assert.equal(formatAge(12 * 60_000 + 59_000), '12m');
	assert.equal(formatAge(3 * 3_600_000 + 1), '3h');
	assert.equal(formatAge(23 * 3_600_000), '23h');
	assert.equal(formatAge(5 * 86_400_000 + 7 * 3_600_000), '5d');
	assert.equal(formatAge(400 * 86_400_000), '400d');
});

test('formatAge marks unknown and negative ages', () => {
	assert.equal(formatAge(-5), '-');
	assert.equal(formatAge(Number.NaN), '-');
	assert.equal(formatAge(Number.POSITIVE_INFINITY), '-');
});
