import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	describeError,
	PortSpecError,
	PortuiError,
	UsageError,
} from '../../source/core/errors.js';

test('usage errors exit 2, other portui errors exit 1', () => {
	assert.equal(new UsageError('x').exitCode, 2);
	assert.equal(new PortSpecError('x').exitCode, 2);
	assert.equal(new PortuiError('x').exitCode, 1);
	assert.equal(new PortSpecError('x').name, 'PortSpecError');
});

test('describeError keeps only the first line', () => {
	assert.equal(describeError(new Error('one\ntwo')), 'one');
	assert.equal(describeError('plain'), 'plain');
});
