import assert from 'node:assert/strict';
import {test} from 'node:test';
import {
	bindUdp,
	closeTcp,
	closeUdp,
	freeBlock,
	listenTcp,
} from '../helpers/port-block.js';
import {runPortui} from '../helpers/run-portui.js';

test('skips the TCP and UDP listeners the test opened', async () => {
	const base = await freeBlock(4);
	const tcp = await listenTcp(base);
	const udp = await bindUdp(base + 1);
	try {
		const text = runPortui(['free', `${base}-${base + 3}`]);
		assert.equal(text.status, 0, text.stderr);
		assert.equal(text.stdout, `${base + 2}\n`);
		const json = runPortui(['free', `${base}-${base + 3}`, '--json']);
		assert.deepEqual(JSON.parse(json.stdout), {
			range: `${base}-${base + 3}`,
			port: base + 2,
			skipped: {listening: [base, base + 1], declared: [], connected: []},
		});
	} finally {
		await closeTcp(tcp);
		await closeUdp(udp);
	}
});

test('a range with nothing free: exit 1, one line', async () => {
	const base = await freeBlock(1);
	const tcp = await listenTcp(base);
	try {
		const result = runPortui(['free', String(base)]);
		assert.equal(result.status, 1);
		assert.equal(result.stderr, `portui: no free port in ${base}\n`);
		const json = runPortui(['free', String(base), '--json']);
		assert.equal(json.status, 1);
		assert.equal((JSON.parse(json.stdout) as {port: unknown}).port, null);
	} finally {
		await closeTcp(tcp);
	}
});

test('bad ranges: exit 2, one line', () => {
	for (const range of ['10-5', '70000', 'x-y', '']) {
		const result = runPortui(['free', range]);
		assert.equal(result.status, 2, `${range}: ${result.stderr}`);
		assert.match(result.stderr, /^portui: .+\n$/);
	}
	assert.equal(runPortui(['free', '1-2', '3-4']).status, 2);
});

test('default range 8000-8999 gives a port in it', () => {
	const result = runPortui(['free']);
	assert.equal(result.status, 0, result.stderr);
	const port = Number(result.stdout.trim());
	assert.ok(port >= 8000 && port <= 8999, result.stdout);
});
