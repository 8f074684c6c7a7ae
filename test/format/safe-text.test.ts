import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	isUnsafe,
	jsonSafe,
	safeText,
	stringifySafe,
	visibleEscape,
} from '../../source/format/safe-text.js';
import {forbiddenInOutput, hostileStrings} from '../fixtures/hostile/strings.js';

test('every hostile string comes out with no control left, each shown as an escape', () => {
	for (const {name, text} of hostileStrings) {
		const shown = safeText(text);
		assert.doesNotMatch(shown, forbiddenInOutput, name);
		assert.doesNotMatch(shown, /\n/, name);
		assert.ok(shown.includes('\\'), `${name}: ${shown}`);
	}
});

test('visible escapes: named, \\xNN for C0, DEL and C1, \\uNNNN above', () => {
	assert.equal(safeText('a\u001b[2Jb'), 'a\\x1b[2Jb');
	assert.equal(safeText('\r\n\t'), '\\r\\n\\t');
	assert.equal(safeText('\u007f\u009b\u0085'), '\\x7f\\x9b\\x85');
	assert.equal(safeText('x\u202ey\u2069'), 'x\\u202ey\\u2069');
	assert.equal(visibleEscape('\u0000'), '\\x00');
});

test('lines mode keeps newline and tab, never carriage return', () => {
	assert.equal(safeText('a\tb\nc\rd\u001b', {lines: true}), 'a\tb\nc\\rd\\x1b');
	assert.equal(isUnsafe('a\nb', {lines: true}), false);
	assert.equal(isUnsafe('a\nb'), true);
});

test('ordinary text, backslashes and non-Latin scripts are returned as they are', () => {
	for (const text of ['nginx: master process', 'C:\\x', 'naïve 日本語 ü €', '']) {
		assert.equal(safeText(text), text);
	}
	const same = 'a'.repeat(100);
	assert.equal(safeText(same), same);
});

test('jsonSafe: parses to the same value, and no raw C1 or bidi control is left', () => {
	for (const {name, text} of hostileStrings) {
		const json = stringifySafe({text, list: [text]});
		assert.doesNotMatch(json, forbiddenInOutput, name);
		assert.deepEqual(JSON.parse(json), {text, list: [text]}, name);
	}
	assert.equal(jsonSafe('"\u009b"'), '"\\u009b"');
	assert.equal(stringifySafe({a: 1}, undefined, 2), '{\n  "a": 1\n}');
});
