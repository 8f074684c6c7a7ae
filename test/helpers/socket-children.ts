/**
 * Real listeners for the sockets tests: in this process, and in child
 * processes that print their port and then wait to be killed. Everything binds
 * loopback (or a wildcard on a port the kernel picks, closed at the end).
 */
import {spawn, type ChildProcess, type StdioOptions} from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import {once} from 'node:events';
import {createInterface} from 'node:readline';

export type Cleanup = Array<() => unknown>;

export async function listenTcp(
	cleanup: Cleanup,
	host: string,
	options: {ipv6Only?: boolean} = {},
): Promise<{server: net.Server; port: number}> {
	const server = net.createServer();
	server.listen({port: 0, host, ipv6Only: options.ipv6Only ?? false});
	await once(server, 'listening');
	cleanup.push(() => server.close());
	return {server, port: (server.address() as net.AddressInfo).port};
}

export async function bindUdp(
	cleanup: Cleanup,
	type: 'udp4' | 'udp6',
	host: string,
	options: {ipv6Only?: boolean} = {},
): Promise<{socket: dgram.Socket; port: number}> {
	const socket = dgram.createSocket({type, ipv6Only: options.ipv6Only ?? false});
	socket.bind(0, host);
	await once(socket, 'listening');
	cleanup.push(() => socket.close());
	return {socket, port: socket.address().port};
}

/**
 * A node child that opens the listeners described by `specs` (JSON: a list
 * of {kind: 'tcp'|'udp4'|'udp6', host}) and prints their ports as one JSON line.
 */
const CHILD_SCRIPT = `
const net = require('node:net'), dgram = require('node:dgram');
const specs = JSON.parse(process.argv[1]);
Promise.all(specs.map((spec) => new Promise((resolve) => {
	if (spec.kind === 'tcp') {
		const server = net.createServer();
		server.listen({port: 0, host: spec.host}, () => resolve(server.address().port));
	} else {
		const socket = dgram.createSocket(spec.kind);
		socket.bind(0, spec.host, () => resolve(socket.address().port));
	}
}))).then((ports) => console.log(JSON.stringify(ports)));
setInterval(() => {}, 1e6);
`;

export type ListenerSpec = {kind: 'tcp' | 'udp4' | 'udp6'; host: string};

/** Spawns a node child holding the listeners; resolves with it and the ports, in spec order. */
export async function spawnListenerChild(
	cleanup: Cleanup,
	specs: ListenerSpec[],
	options: {command?: string[]} = {},
): Promise<{child: ChildProcess; ports: number[]}> {
	const prefix = options.command ?? [];
	const argv = [...prefix, process.execPath, '-e', CHILD_SCRIPT, JSON.stringify(specs)];
	const child = spawn(argv[0]!, argv.slice(1), {stdio: ['ignore', 'pipe', 'inherit']});
	cleanup.push(() => killAndWait(child));
	const lines = createInterface({input: child.stdout!});
	const [line] = (await Promise.race([
		once(lines, 'line'),
		once(child, 'exit').then(() => {
			throw new Error('listener child exited before printing its ports');
		}),
	])) as [string];
	return {child, ports: JSON.parse(line) as number[]};
}

/** A child that only sleeps, holding whatever extra fds it is given (inherited sockets). */
export function spawnHolder(cleanup: Cleanup, stdio: StdioOptions): ChildProcess {
	const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], {stdio});
	cleanup.push(() => killAndWait(child));
	return child;
}

export async function killAndWait(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = once(child, 'exit');
	child.kill('SIGKILL');
	await exited;
}

export async function runCleanup(cleanup: Cleanup): Promise<void> {
	for (const step of cleanup.reverse()) {
		try {
			await step();
		} catch {
			// Keep cleaning up.
		}
	}
	cleanup.length = 0;
}

/** The fd number behind a listening server (to hand it to a child). */
export function serverFd(server: net.Server): number {
	const handle = (server as unknown as {_handle?: {fd?: number}})._handle;
	if (typeof handle?.fd !== 'number' || handle.fd < 0)
		throw new Error('server has no fd');
	return handle.fd;
}
