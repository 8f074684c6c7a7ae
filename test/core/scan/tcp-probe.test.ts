import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import net from 'node:net';
import {test} from 'node:test';
import {
	bareAvailable,
	createProber,
	type ProbeOutcome,
} from '../../../source/core/scan/tcp-probe.js';

async function listen(): Promise<net.Server> {
	const server = net.createServer((socket) => socket.on('error', () => undefined));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return server;
}

const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port;

/** TIME_WAIT sockets with `port` at either end, as "local peer" lines. */
function timeWaitSockets(port: number): string[] {
	const out = execFileSync(
		'ss',
		['-Htan', 'state', 'time-wait', `( sport = :${port} or dport = :${port} )`],
		{
			encoding: 'utf8',
		},
	);
	return out
		.split('\n')
		.filter((line) => line.trim() !== '')
		.map((line) => line.trim().split(/\s+/).slice(-2).join(' '));
}

test('the bare-handle backend is available on this Node (else the fallback is what runs)', () => {
	assert.equal(bareAvailable, true);
	assert.equal(createProber('bare').backend, 'bare');
	assert.equal(createProber('socket').backend, 'socket');
});

for (const backend of ['bare', 'socket'] as const) {
	test(`${backend} backend: open, closed, and an RST close that leaves no TIME_WAIT`, async () => {
		const {prober} = createProber(backend);
		const server = await listen();
		const closedServer = await listen();
		const closedPort = portOf(closedServer);
		await new Promise((resolve) => closedServer.close(resolve));
		// A listener may take a port that an earlier connection of another test
		// used and left in TIME_WAIT (SO_REUSEADDR allows it): those were there before.
		const lingering = new Set(timeWaitSockets(portOf(server)));
		try {
			const probe = async (port: number): Promise<ProbeOutcome> =>
				new Promise((resolve) => {
					prober('127.0.0.1', 4, port, resolve);
				});
			for (let round = 0; round < 20; round++)
				assert.equal(await probe(portOf(server)), 'open');
			assert.equal(await probe(closedPort), 'closed');
			// Twenty accepted connections, none left lingering on our side or the server's.
			assert.deepEqual(
				timeWaitSockets(portOf(server)).filter((socket) => !lingering.has(socket)),
				[],
			);
			const six = await new Promise<ProbeOutcome>((resolve) => {
				prober('::1', 6, closedPort, resolve);
			});
			assert.equal(six, 'closed');
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
	});

	test(`${backend} backend: an aborted probe never calls back and closes its socket`, async () => {
		const {prober} = createProber(backend);
		const server = await listen();
		try {
			let called = false;
			const cancel = prober('127.0.0.1', 4, portOf(server), () => {
				called = true;
			});
			cancel();
			await new Promise((resolve) => setTimeout(resolve, 100));
			assert.equal(called, false);
			const leftovers = process
				.getActiveResourcesInfo()
				.filter((name) => /TCPSocketWrap|ConnectWrap/.test(name));
			assert.deepEqual(leftovers, []);
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
	});
}
