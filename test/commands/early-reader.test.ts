import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import net from 'node:net';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Runs the CLI with its stdout read by nobody (the reader went away at once, as `| head -c 0`). */
async function runWithClosedReader(
	args: string[],
): Promise<{code: number | null; stderr: string}> {
	const child = spawn(process.execPath, [cli, ...args], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	child.stdout.destroy();
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const [code] = (await once(child, 'exit')) as [number | null];
	return {code, stderr};
}

test('scan and who end quietly when their reader has gone', async () => {
	// Our own listener; its connections are reset by the scan, so it ignores errors.
	const server = net.createServer((socket) => socket.on('error', () => undefined));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = String((server.address() as net.AddressInfo).port);
	try {
		for (const args of [
			['scan', '127.0.0.1', '-p', port],
			['scan', '127.0.0.1', '-p', port, '--json'],
			['who', port, '--json'],
		]) {
			const {code, stderr} = await runWithClosedReader(args);
			assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
			assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, args.join(' '));
		}
	} finally {
		await new Promise((resolve) => server.close(resolve));
	}
});
