import assert from 'node:assert/strict';
import {once} from 'node:events';
import {connect} from 'node:net';
import {after, test} from 'node:test';
import {
	declaredPorts,
	findFreePort,
	portsAfter,
} from '../../../source/core/conflicts/free-port.js';
import {copyFixture, removeTree} from '../../helpers/config-fixtures.js';
import {
	bindUdp,
	closeTcp,
	closeUdp,
	freeBlock,
	listenTcp,
} from '../../helpers/port-block.js';

const roots: string[] = [];
after(() => {
	for (const root of roots) removeTree(root);
});

test('skips real TCP and UDP listeners and finds the next port', async () => {
	const base = await freeBlock(5);
	const tcp = [
		await listenTcp(base),
		await listenTcp(base + 1, '::1').catch(() => listenTcp(base + 1)),
	];
	const udp = await bindUdp(base + 2);
	try {
		const candidates = [base, base + 1, base + 2, base + 3, base + 4];
		const result = findFreePort({candidates, declared: new Set()});
		assert.deepEqual(result, {
			port: base + 3,
			listening: [base, base + 1, base + 2],
			declared: [],
			connected: [],
		});
	} finally {
		for (const server of tcp) await closeTcp(server);
		await closeUdp(udp);
	}
});

test('skips ports declared in known configs (fixture roots), even with nothing listening', () => {
	const root = copyFixture('redis');
	roots.push(root);
	const declared = declaredPorts({root});
	assert.deepEqual([...declared.keys()], [6379]);
	const result = findFreePort({
		candidates: [6379, 6380],
		declared,
		listeners: [],
		connectedPorts: [],
	});
	assert.deepEqual(result, {port: 6380, listening: [], declared: [6379], connected: []});
});

test('declaredPorts reads every adapter default location under root', () => {
	const root = copyFixture('ssh');
	roots.push(root);
	assert.deepEqual(
		[...declaredPorts({root}).keys()].sort((a, b) => a - b),
		[22, 2222, 2223],
	);
});

test('no free port: undefined, with what was skipped; exclusions are not reported', () => {
	const result = findFreePort({
		candidates: [1, 2, 3],
		listeners: [],
		declared: new Set([2, 3]),
		exclude: [1],
		connectedPorts: [],
	});
	assert.deepEqual(result, {
		port: undefined,
		listening: [],
		declared: [2, 3],
		connected: [],
	});
});

test('a port some connection uses as its local port is not free (binding it fails)', async () => {
	const server = await listenTcp(0);
	const address = server.address();
	assert.ok(address && typeof address === 'object');
	const client = connect(address.port, '127.0.0.1');
	await once(client, 'connect');
	try {
		const localPort = client.localPort!;
		const result = findFreePort({
			candidates: [localPort],
			declared: new Set(),
			listeners: [],
		});
		assert.deepEqual(result, {
			port: undefined,
			listening: [],
			declared: [],
			connected: [localPort],
		});
	} finally {
		client.destroy();
		await closeTcp(server);
	}
});

test('portsAfter: upwards first, then downwards', () => {
	const after80 = portsAfter(80);
	assert.equal(after80.length, 65534);
	assert.deepEqual(after80.slice(0, 2), [81, 82]);
	assert.equal(after80[65535 - 80 - 1], 65535);
	assert.deepEqual(after80.slice(-2), [2, 1]);
	assert.deepEqual(portsAfter(65535).slice(0, 2), [65534, 65533]);
});
