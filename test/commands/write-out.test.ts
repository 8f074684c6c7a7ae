import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {test} from 'node:test';
import {textOut, writeAllSync} from '../../source/commands/write-out.js';
import {safeText} from '../../source/format/safe-text.js';
import {forbiddenInOutput, hostileStrings} from '../fixtures/hostile/strings.js';

test('writeAllSync delivers every byte through a full non-blocking pipe', async () => {
	// The reader sleeps first, so the 64 KB pipe fills and the write meets EAGAIN.
	const reader = spawn('sh', ['-c', 'sleep 0.3; wc -c'], {
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	let counted = '';
	reader.stdout.on('data', (chunk: Buffer) => (counted += String(chunk)));
	const exited = new Promise((resolve) => reader.on('exit', resolve));
	const fd = (reader.stdin as unknown as {_handle: {fd: number}})._handle.fd;
	assert.ok(fd > 2, 'the pipe to the reader has an fd of its own');
	const bytes = Buffer.alloc(1 << 20, 'x');
	writeAllSync(fd, bytes);
	reader.stdin.end();
	await exited;
	assert.equal(Number(counted.trim()), bytes.length);
});

test('writeAllSync throws EPIPE when the reader has gone', async () => {
	// The reader closes its end of the pipe and lingers.
	const reader = spawn('sh', ['-c', 'exec 0<&-; sleep 5'], {
		stdio: ['pipe', 'ignore', 'inherit'],
	});
	try {
		const fd = (reader.stdin as unknown as {_handle: {fd: number}})._handle.fd;
		await new Promise((resolve) => setTimeout(resolve, 200));
		assert.throws(() => writeAllSync(fd, Buffer.alloc(1 << 16)), {code: 'EPIPE'});
	} finally {
		reader.kill('SIGKILL');
		reader.stdin.destroy();
	}
});

/** A stream that keeps what it is given, as process.stdout would send it on. */
function keeper(isTTY = true) {
	const written: string[] = [];
	return {
		written,
		stream: {isTTY, columns: 80, write: (text: string) => written.push(text)},
	};
}

test('the writer: a line is escaped whole, a block keeps its lines, controls only by name', () => {
	const {written, stream} = keeper();
	const out = textOut(() => stream);
	for (const {name, text} of hostileStrings) {
		written.length = 0;
		out.line(`name: ${text}`);
		out.block(`first\n${text}\n`);
		out.text(text);
		const all = written.join('');
		assert.doesNotMatch(all.replaceAll('\n', ''), forbiddenInOutput, name);
		// One line for `line`, two for the block: nothing in the text adds one.
		assert.equal(all.split('\n').length - 1, 1 + 2 + (text.includes('\n') ? 1 : 0), name);
		assert.ok(written[0]!.startsWith(`name: ${safeText(text)}`), name);
	}
	written.length = 0;
	out.control('clearLine');
	assert.deepEqual(written, ['\r\u001b[2K']);
	assert.equal(out.isTTY, true);
	assert.equal(out.columns, 80);
	assert.equal(
		textOut(() => keeper(false).stream).columns,
		undefined,
		'no width off a terminal',
	);
});
