import assert from 'node:assert/strict';
import net from 'node:net';
import {test} from 'node:test';
import type {PortState} from '../../../source/core/scan/model.js';
import {
	createSharedWork,
	TcpEngine,
	type TcpEngineOptions,
} from '../../../source/core/scan/tcp-engine.js';

async function listen(): Promise<net.Server> {
	const server = net.createServer((socket) => socket.on('error', () => undefined));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return server;
}

const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port;

const options: TcpEngineOptions = {
	concurrency: 64,
	maxTimeoutMs: 1000,
	minTimeoutMs: 100,
	retries: 1,
	backend: 'bare',
	fixedTimeout: false,
};

test('engines sharing one work cursor probe every port exactly once between them', async () => {
	// Only ports of our own: 150 listening, 150 that listened and were closed.
	const open = await Promise.all(Array.from({length: 150}, listen));
	const closing = await Promise.all(Array.from({length: 150}, listen));
	const closedPorts = closing.map(portOf);
	await Promise.all(
		closing.map(async (server) => new Promise((resolve) => server.close(resolve))),
	);
	try {
		const openPorts = open.map(portOf);
		const ports = [...openPorts, ...closedPorts].sort((a, b) => a - b);
		const hosts = [{address: '127.0.0.1', family: 4 as const, ports}];
		const work = createSharedWork(hosts);
		const seen: Array<Array<[number, PortState]>> = [[], []];
		const engines = seen.map(
			(results) =>
				new TcpEngine(
					hosts,
					options,
					{
						result: (_host, port, state) => results.push([port, state]),
						hostError: () => assert.fail('a listening host is not unreachable'),
					},
					work,
				),
		);
		for (const engine of engines) engine.start();
		await Promise.all(engines.map(async (engine) => engine.done));
		const all = [...seen[0]!, ...seen[1]!].sort((a, b) => a[0] - b[0]);
		assert.deepEqual(
			all.map(([port]) => port),
			ports,
			'every port once, none twice',
		);
		const states = new Map(all);
		for (const port of openPorts) assert.equal(states.get(port), 'open', `${port}`);
		// A closed port of ours may have been taken again meanwhile by another program.
		const reopened = closedPorts.filter((port) => states.get(port) !== 'closed');
		assert.ok(reopened.length < 5, `closed ports answered: ${reopened.join(',')}`);
		// 300 ports are three chunks: both engines took some.
		assert.ok(seen[0]!.length > 0 && seen[1]!.length > 0, 'both engines worked');
	} finally {
		await Promise.all(
			open.map(async (server) => new Promise((resolve) => server.close(resolve))),
		);
	}
});
