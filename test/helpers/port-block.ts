/**
 * Real loopback listeners on a block of consecutive ports, for tests that
 * need "these ports are taken, that one is not" without guessing.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import {readSocketRecords} from '../../source/core/sockets/kernel.js';

export type Held = {close(): Promise<void>};

export function listenTcp(port: number, host = '127.0.0.1'): Promise<net.Server> {
	return new Promise((resolve, reject) => {
		const server = net.createServer((socket) => socket.destroy());
		server.once('error', reject);
		server.listen({port, host, exclusive: true}, () => resolve(server));
	});
}

export function bindUdp(port: number, host = '127.0.0.1'): Promise<dgram.Socket> {
	return new Promise((resolve, reject) => {
		const socket = dgram.createSocket('udp4');
		socket.once('error', reject);
		socket.bind({port, address: host, exclusive: true}, () => resolve(socket));
	});
}

export function closeTcp(server: net.Server): Promise<void> {
	return new Promise((resolve) => server.close(() => resolve()));
}

export function closeUdp(socket: dgram.Socket): Promise<void> {
	return new Promise((resolve) => socket.close(() => resolve()));
}

/** Whether nothing on this host holds the port (TCP and UDP on the loopback bind). */
export async function bindable(port: number): Promise<boolean> {
	try {
		const server = await listenTcp(port);
		await closeTcp(server);
		const socket = await bindUdp(port);
		await closeUdp(socket);
		return true;
	} catch {
		return false;
	}
}

/**
 * A base port such that base … base+count-1 are all free right now (random,
 * 20000-29999): bindable on 127.0.0.1, and no listener on any other address
 * either (other tests on this machine listen on 127.0.1.x and ::1 too).
 */
export async function freeBlock(count: number): Promise<number> {
	const taken = new Set(
		readSocketRecords({listening: true}).map((record) => record.localPort),
	);
	for (let attempt = 0; attempt < 50; attempt++) {
		const base = 20000 + Math.floor(Math.random() * (10000 - count));
		let ok = true;
		for (let port = base; port < base + count && ok; port++) {
			ok = !taken.has(port) && (await bindable(port));
		}
		if (ok) return base;
	}
	throw new Error(`no block of ${count} free ports found`);
}
