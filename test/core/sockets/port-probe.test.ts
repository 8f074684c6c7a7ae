import {test} from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {answersConnect, canListen} from '../../../source/core/sockets/port-probe.js';

async function freePort(): Promise<number> {
	const server = net.createServer().listen(0, '127.0.0.1');
	await once(server, 'listening');
	const {port} = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

test('a free port can be listened on; a listener of ours takes it, on its address or the wildcard', async () => {
	const port = await freePort();
	assert.deepEqual(await canListen(port, 'tcp', ['127.0.0.1']), {free: true});
	const server = net.createServer().listen(port, '127.0.0.1');
	await once(server, 'listening');
	try {
		const answer = await canListen(port, 'tcp', ['127.0.0.1']);
		assert.equal(answer.free, false);
		assert.match(answer.free ? '' : answer.reason, /EADDRINUSE/);
		assert.equal(await answersConnect(port), true);
	} finally {
		server.close();
	}
	assert.equal(await answersConnect(port), false);
});

test('a TCP socket bound but not listening takes the port, though no listener shows it', async () => {
	const port = await freePort();
	// A real process of its own: python binds and never listens.
	const child = spawn(
		'python3',
		[
			'-c',
			`import socket,sys,time\ns=socket.socket()\ns.bind(('0.0.0.0', ${port}))\nprint('bound', flush=True)\ntime.sleep(60)`,
		],
		{stdio: ['ignore', 'pipe', 'inherit']},
	);
	try {
		await once(child.stdout!, 'data');
		const answer = await canListen(port, 'tcp');
		assert.equal(answer.free, false, 'the bound port is not free');
		assert.equal(await answersConnect(port), false, 'yet nothing answers on it');
	} finally {
		child.kill('SIGKILL');
	}
});

test('UDP: a bound socket takes the port; released, it is free again', async () => {
	const socket = dgram.createSocket('udp4');
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	const {port} = socket.address();
	const held = await canListen(port, 'udp', ['127.0.0.1']);
	assert.equal(held.free, false);
	await new Promise<void>((resolve) => socket.close(resolve));
	assert.deepEqual(await canListen(port, 'udp', ['127.0.0.1']), {free: true});
});
