/**
 * A real listening process for conflict tests: a node child that binds a TCP
 * port on 127.0.0.1 (0 = any free one), prints it, and serves until killed.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

/**
 * A server that takes its port from `PORT=` in `.env` in its working
 * directory, as twelve-factor apps do: what a reconfigure rewrites.
 */
export const ENV_SERVER_SCRIPT = `
const net = require('node:net');
const fs = require('node:fs');
const port = Number(/^PORT=(\\d+)/m.exec(fs.readFileSync('.env', 'utf8'))[1]);
const server = net.createServer((socket) => socket.on('error', () => {}));
server.listen(port, '127.0.0.1', () => {
	process.stdout.write(JSON.stringify({port: server.address().port}) + '\\n');
});
setInterval(() => {}, 1 << 30);
`;

export async function startListenerChild(
	options: {
		port?: number;
		cwd?: string;
		env?: Record<string, string>;
		script?: string;
	} = {},
): Promise<ListenerChild> {
	const child = spawn(process.execPath, ['-e', options.script ?? SCRIPT], {
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

/**
 * A port that was free on 127.0.0.1 a moment ago, below the ephemeral range
 * (32768-60999): there, the ports just above it can be the local ports of
 * other programs' connections, which a later bind() collides with.
 */
export async function unusedLowPort(): Promise<number> {
	for (let attempt = 0; attempt < 200; attempt++) {
		const port = 20_000 + Math.floor(Math.random() * 10_000);
		if (
			(await portIsFree(port)) &&
			(await portIsFree(port + 1)) &&
			(await portIsFree(port + 2))
		)
			return port;
	}
	throw new Error('no free port found in 20000-29999');
}

/** A port that was free on 127.0.0.1 a moment ago (the kernel picked it). */
export async function unusedPort(): Promise<number> {
	const server = net.createServer();
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const {port} = server.address() as net.AddressInfo;
	server.close();
	await once(server, 'close');
	return port;
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

export type OrphanListener = {
	pid: number;
	port: number;
	/** True while the process exists and is not a zombie. */
	alive(): boolean;
	/** SIGKILLs it if still there. */
	stop(): void;
};

/**
 * A listener that is not a descendant of the test: started through a shell
 * that exits at once, so it is reparented away, as a service or another
 * user's program is. portui refuses to signal its own children, so a test of
 * terminating "someone else's" process needs one of these.
 */
export async function startOrphanListener(
	options: {cwd?: string; script?: string; port?: number} = {},
): Promise<OrphanListener> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-orphan-'));
	const ready = path.join(dir, 'ready');
	try {
		const shell = spawnSync(
			'sh',
			['-c', 'node -e "$SCRIPT" > "$READY" 2>/dev/null </dev/null & echo $!'],
			{
				cwd: options.cwd,
				env: {
					...process.env,
					SCRIPT: options.script ?? SCRIPT,
					READY: ready,
					LISTEN_PORT: String(options.port ?? 0),
				},
				encoding: 'utf8',
			},
		);
		const pid = Number(shell.stdout.trim());
		if (!Number.isInteger(pid) || pid <= 0)
			throw new Error(`no pid from sh: ${shell.stderr}`);
		const alive = () => {
			try {
				return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
			} catch {
				return false;
			}
		};
		const stop = () => {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		};
		// Bounded wait for the ready line.
		for (let attempt = 0; attempt < 500; attempt++) {
			const text = existsSync(ready) ? readFileSync(ready, 'utf8') : '';
			if (text.includes('\n')) {
				const {port} = JSON.parse(text.split('\n')[0]!) as {port: number};
				return {pid, port, alive, stop};
			}
			if (!alive()) break;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		stop();
		throw new Error('orphan listener did not start');
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
