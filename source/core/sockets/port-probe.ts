/**
 * Whether a port is really free, asked of the kernel rather than read from a
 * socket table: a socket that is bound but not listening, or a DNAT rule that
 * forwards the port to a container, shows no listener and still takes the
 * port. `canListen` tries what a service would do (bind and listen, or bind
 * for UDP) and lets go at once; `answersConnect` asks whether anything
 * answers a connection there, which is what a forward does.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type {Protocol} from './listener.js';

export type ProbeAnswer = {free: true} | {free: false; reason: string};

/** Wildcard addresses to try when none is named: both families. */
const EVERYWHERE = ['0.0.0.0', '::'];

function errorCode(error: unknown): string {
	return (error as NodeJS.ErrnoException).code ?? String(error);
}

function listenOnce(port: number, host: string): Promise<ProbeAnswer> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', (error) => {
			const code = errorCode(error);
			// A family this machine does not have takes nothing from the port.
			if (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL') resolve({free: true});
			else resolve({free: false, reason: `${code} binding ${host}:${port}`});
		});
		// exclusive: a cluster worker would otherwise share the master's handle.
		// ipv6Only: `::` must not answer for 0.0.0.0, which is tried by itself.
		server.listen({port, host, exclusive: true, ipv6Only: host.includes(':')}, () => {
			server.close(() => resolve({free: true}));
		});
	});
}

function bindUdpOnce(port: number, host: string): Promise<ProbeAnswer> {
	return new Promise((resolve) => {
		const family = host.includes(':') ? 'udp6' : 'udp4';
		const socket = dgram.createSocket({type: family, ipv6Only: family === 'udp6'});
		socket.once('error', (error) => {
			const code = errorCode(error);
			socket.close();
			if (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL') resolve({free: true});
			else resolve({free: false, reason: `${code} binding ${host}:${port}/udp`});
		});
		socket.bind({port, address: host, exclusive: true}, () => {
			socket.close(() => resolve({free: true}));
		});
	});
}

/**
 * Whether a service could take `port` now: bind (and for TCP listen) on each
 * address, by default the IPv4 and IPv6 wildcards, releasing it at once.
 */
export async function canListen(
	port: number,
	protocol: Protocol,
	addresses: string[] = EVERYWHERE,
): Promise<ProbeAnswer> {
	for (const host of addresses) {
		const answer =
			protocol === 'tcp' ? await listenOnce(port, host) : await bindUdpOnce(port, host);
		if (!answer.free) return answer;
	}
	return {free: true};
}

/**
 * Whether something answers a TCP connection to `address:port` within
 * `timeoutMs`: a listener, or a forward to one (DNAT). Refused or silent
 * means nothing answers.
 */
export function answersConnect(
	port: number,
	address = '127.0.0.1',
	timeoutMs = 500,
): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({port, host: address});
		const done = (answered: boolean) => {
			clearTimeout(timer);
			socket.removeAllListeners();
			socket.on('error', () => {});
			socket.destroy();
			resolve(answered);
		};
		const timer = setTimeout(() => done(false), timeoutMs);
		socket.once('connect', () => {
			// Our own socket connected to itself (the ephemeral-port trap): nothing answered.
			done(socket.localPort !== port || socket.localAddress !== socket.remoteAddress);
		});
		socket.once('error', () => done(false));
	});
}
