import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {test} from 'node:test';
import {writeAllSync} from '../../source/commands/write-out.js';

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
