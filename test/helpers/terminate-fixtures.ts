/**
 * Real listeners for the termination tests: node processes that listen on a
 * loopback port the kernel picks (port 0), print a ready line, and are killed
 * in cleanup whatever the test did.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {
	isSameProcess,
	readIdentity,
	readProcessStat,
} from '../../source/core/processes/identity.js';

/** A server on 127.0.0.1:0 (or a UDP socket) that prints its port; modes add behaviours. */
const SERVER = `
const net = require('node:net');
const {spawn} = require('node:child_process');
const mode = process.argv[1] ?? 'plain';
if (mode === 'ignore-term') process.on('SIGTERM', () => {});
if (mode === 'udp') {
	// SO_REUSEADDR lets two processes bind one UDP port: two parties on a port.
	const socket = require('node:dgram').createSocket({type: 'udp4', reuseAddr: true});
	socket.bind(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
		process.stdout.write(JSON.stringify({port: socket.address().port, pids: [process.pid]}) + '\\n');
	});
} else {
const server = net.createServer((socket) => socket.end());
server.listen(0, '127.0.0.1', () => {
	const port = server.address().port;
	if (mode !== 'with-child') {
		process.stdout.write(JSON.stringify({port, pids: [process.pid]}) + '\\n');
		return;
	}
	// A child that shares the listening socket (the handle is passed over IPC,
	// as cluster does), and one that does not and must survive.
	const worker = spawn(process.execPath, ['-e', \`
		process.on('message', (message, handle) => {
			handle.on('connection', (socket) => socket.end());
			process.send('ready');
		});
		process.on('disconnect', () => {});
	\`], {stdio: ['ignore', 'ignore', 'inherit', 'ipc']});
	const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'});
	worker.on('message', () => {
		worker.disconnect();
		process.stdout.write(JSON.stringify({port, pids: [process.pid, worker.pid], sleeper: sleeper.pid}) + '\\n');
	});
	worker.send('server', server);
});
}
`;

export type Fixture = {
	port: number;
	/** Pids holding the socket (the server, and its worker in `with-child`). */
	pids: number[];
	/** A child of the server that does not hold the socket (`with-child`). */
	sleeper?: number;
	child: ChildProcess;
	/** Resolves with the signal that ended the server process. */
	exited: Promise<NodeJS.Signals | null>;
};

const started: Array<{pid: number; startTicks: number}> = [];

export async function startListener(
	mode: 'plain' | 'ignore-term' | 'with-child' | 'udp' = 'plain',
	port = 0,
): Promise<Fixture> {
	const child = spawn(process.execPath, ['-e', SERVER, mode, String(port)], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const exited = new Promise<NodeJS.Signals | null>((resolve) => {
		child.once('exit', (_code, signal) => resolve(signal));
	});
	const lines = createInterface({input: child.stdout!});
	const line = await new Promise<string>((resolve, reject) => {
		lines.once('line', resolve);
		child.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
	});
	lines.close();
	const ready = JSON.parse(line) as {port: number; pids: number[]; sleeper?: number};
	for (const pid of [...ready.pids, ...(ready.sleeper ? [ready.sleeper] : [])]) {
		started.push(readIdentity(pid));
	}
	return {...ready, child, exited};
}

/** True while that exact process runs (a zombie awaiting its parent counts as gone). */
export function alive(pid: number): boolean {
	const identity = started.find((entry) => entry.pid === pid);
	try {
		const stat = readProcessStat(pid);
		return (!identity || stat.startTicks === identity.startTicks) && stat.state !== 'Z';
	} catch {
		return false;
	}
}

/** Waits (bounded) until none of these pids is alive; returns those still alive. */
export async function waitGone(pids: number[], timeoutMs = 5000): Promise<number[]> {
	const deadline = Date.now() + timeoutMs;
	let left = pids.filter(alive);
	while (left.length > 0 && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 50));
		left = left.filter(alive);
	}
	return left;
}

/** Kills every fixture process still alive (same identity only): call from `after`. */
export function cleanupListeners(): void {
	for (const identity of started.splice(0)) {
		try {
			if (isSameProcess(identity)) process.kill(identity.pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
}
