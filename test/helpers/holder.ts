/**
 * Starts test/fixtures/processes/holder.mjs: a real process holding a
 * loopback listener, established connections to a port of the test's, and
 * optionally a child sharing its listening socket. Cleanup kills both.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {createServer, type Server, type Socket} from 'node:net';
import {fileURLToPath} from 'node:url';

export const HOLDER_SCRIPT = fileURLToPath(
	new URL('../fixtures/processes/holder.mjs', import.meta.url),
);

export type Holder = {
	child: ChildProcess;
	pid: number;
	/** The port the holder listens on. */
	port: number;
	/** Pid of the child sharing the listening socket, if asked for. */
	sharer: number | null;
	spawnedAtMs: number;
	stop: () => Promise<void>;
};

export async function startHolder(options: {
	targetPort?: number;
	connections?: number;
	share?: boolean;
	cwd?: string;
	host?: string;
	/** Extra arguments, e.g. a marker that makes the command line unique. */
	args?: string[];
}): Promise<Holder> {
	const spawnedAtMs = Date.now();
	const child = spawn(process.execPath, [HOLDER_SCRIPT, ...(options.args ?? [])], {
		cwd: options.cwd,
		stdio: ['pipe', 'pipe', 'inherit'],
		env: {
			...process.env,
			TARGET_PORT: String(options.targetPort ?? 0),
			CONNECTIONS: String(options.connections ?? 0),
			SHARE: options.share ? '1' : '0',
			HOST: options.host ?? '127.0.0.1',
		},
	});
	let sharer: number | null = null;
	const stop = async () => {
		if (sharer !== null) {
			try {
				process.kill(sharer, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGKILL');
			await once(child, 'exit');
		}
	};
	try {
		const line = await new Promise<string>((resolve, reject) => {
			let buffer = '';
			child.stdout!.on('data', (chunk: Buffer) => {
				buffer += chunk.toString();
				const newline = buffer.indexOf('\n');
				if (newline >= 0) resolve(buffer.slice(0, newline));
			});
			child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
			child.once('error', reject);
		});
		const ready = JSON.parse(line) as {port: number; sharer: number | null};
		sharer = ready.sharer;
		return {child, pid: child.pid!, port: ready.port, sharer, spawnedAtMs, stop};
	} catch (error) {
		await stop();
		throw error;
	}
}

/** A loopback listener in the test process that keeps the connections it accepts. */
export async function startTarget(): Promise<{
	server: Server;
	port: number;
	accepted: Socket[];
	close: () => Promise<void>;
}> {
	const accepted: Socket[] = [];
	const server = createServer((socket) => {
		socket.on('error', () => {});
		accepted.push(socket);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		server,
		port,
		accepted,
		close: async () => {
			for (const socket of accepted) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** A loopback TCP port nothing listens on right now (bound, then released). */
export async function freeLoopbackPort(): Promise<number> {
	const server = createServer();
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const address = server.address();
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return typeof address === 'object' && address ? address.port : 0;
}
