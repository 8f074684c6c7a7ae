import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {test} from 'node:test';
import {
	decodeConfig,
	displayConfig,
	encodeConfig,
} from '../../../source/core/conflicts/config-text.js';

test('any bytes decode and encode back to themselves', () => {
	const samples = [
		Buffer.alloc(0),
		Buffer.from('plain ASCII\n'),
		Buffer.from('f\xfcr\0\r\n', 'latin1'),
		Buffer.from([0xef, 0xbb, 0xbf, 0x41, 0xff]),
		// Overlong, surrogate, beyond U+10FFFF and truncated sequences are all not UTF-8.
		Buffer.from([0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xe2, 0x82]),
		Buffer.from('ü😀 valid', 'utf8'),
		Buffer.concat([Buffer.from('😀'), Buffer.from([0xbc, 0x80])]),
		...Array.from({length: 200}, () => randomBytes(64)),
	];
	for (const bytes of samples) {
		assert.equal(
			encodeConfig(decodeConfig(bytes)).toString('hex'),
			bytes.toString('hex'),
		);
	}
});

test('valid UTF-8 decodes as itself; a BOM is set aside', () => {
	assert.deepEqual(decodeConfig(Buffer.from('\ufeffPort 22\n', 'utf8')), {
		text: 'Port 22\n',
		bom: true,
	});
	assert.deepEqual(decodeConfig(Buffer.from('für 😀', 'utf8')), {
		text: 'für 😀',
		bom: false,
	});
});

test('bytes that are not UTF-8 are shown as \\xNN, never U+FFFD', () => {
	const {text} = decodeConfig(Buffer.from('# f\xfcr\nPORT=80 \xff', 'latin1'));
	assert.equal(displayConfig(text), '# f\\xfcr\nPORT=80 \\xff');
	assert.equal(displayConfig('für 😀'), 'für 😀');
});
