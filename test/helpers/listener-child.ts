/**
 * A real listening process for conflict tests: a node child that binds a TCP
 * port on 127.0.0.1 (0 = any free one), prints it, and serves until killed.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import net from 'node:net';

export type ListenerChild = {
	child: ChildProcess;
	pid: number;
	port: number;
	/** Kills the child if still alive and waits for it to exit. */
	stop(): Promise<void>;
};

const SCRIPT = `
const net = require('node:net');
const server = net.createServer((socket) => socket.on('error', () => {}));
server.listen(Number(process.env.LISTEN_PORT || 0), '127.0.0.1', () => {
	process.stdout.write(JSON.stringify({port: server.address().port}) + '\\n');
});
setInterval(() => {}, 1 << 30);
`;

export async function startListenerChild(
	options: {port?: number; cwd?: string; env?: Record<string, string>} = {},
): Promise<ListenerChild> {
	const child = spawn(process.execPath, ['-e', SCRIPT], {
		cwd: options.cwd,
		env: {...process.env, ...options.env, LISTEN_PORT: String(options.port ?? 0)},
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const exited = once(child, 'exit');
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGKILL');
			await exited;
		}
	};
	try {
		const port = await new Promise<number>((resolve, reject) => {
			let text = '';
			child.stdout!.on('data', (chunk: Buffer) => {
				text += chunk.toString();
				const line = text.split('\n')[0];
				if (text.includes('\n')) resolve((JSON.parse(line!) as {port: number}).port);
			});
			child.once('exit', (code) => reject(new Error(`listener child exited (${code})`)));
		});
		return {child, pid: child.pid!, port, stop};
	} catch (error) {
		await stop();
		throw error;
	}
}

/** Opens a client connection to a loopback port; resolves once connected. */
export async function connectTo(port: number): Promise<net.Socket> {
	const socket = net.connect(port, '127.0.0.1');
	await once(socket, 'connect');
	return socket;
}

/** True when nothing accepts connections on 127.0.0.1:port. */
export async function portIsFree(port: number): Promise<boolean> {
	const server = net.createServer();
	try {
		server.listen(port, '127.0.0.1');
		await once(server, 'listening');
		return true;
	} catch {
		return false;
	} finally {
		server.close();
	}
}
