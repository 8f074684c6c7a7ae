/**
 * Listing listeners at scale, against `ss -tulnp` in the same run:
 *   1. 10,000 TCP listeners over 4 processes;
 *   2. 20 listeners + 20,000 established loopback connections.
 * For each: cold `portui list --json` (the whole dist/cli.js process, run as
 * the `portui` binary runs) vs `ss -tulnp` wall time, and portui's in-process steady-state refresh (ListenerReader.read())
 * vs `ss -tulnp`. Medians. Goals: steady ≤ 0.25x, cold ≤ 1.5x.
 * Everything binds 127.0.0.1 on ports the kernel picks, and is killed at the end.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {closeSync, openSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath, pathToFileURL} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 7);
const STEADY_RUNS = Number(process.env.BENCH_STEADY_RUNS ?? 25);

/** Listens on `count` kernel-picked ports of 127.0.0.1, then prints "ready". */
const LISTEN_SCRIPT = `
const net = require('node:net');
const count = Number(process.argv[1]);
let opened = 0;
for (let index = 0; index < count; index++) {
	const server = net.createServer((socket) => {});
	server.on('error', (error) => { console.error(error.message); process.exit(1); });
	server.listen({port: 0, host: '127.0.0.1', backlog: 4096}, () => {
		if (++opened === count) console.log(JSON.stringify([]));
	});
}
setInterval(() => {}, 1e6);
`;

/** Listeners whose accepted connections are kept; prints their ports. */
const SERVER_SCRIPT = `
const net = require('node:net');
const count = Number(process.argv[1]);
const ports = [];
const kept = [];
for (let index = 0; index < count; index++) {
	const server = net.createServer((socket) => { kept.push(socket); socket.on('error', () => {}); });
	server.listen({port: 0, host: '127.0.0.1', backlog: 4096}, () => {
		ports.push(server.address().port);
		if (ports.length === count) console.log(JSON.stringify(ports));
	});
}
setInterval(() => {}, 1e6);
`;

/** Opens `count` connections spread over the given ports, 256 in flight; prints "[]" when done. */
const CLIENT_SCRIPT = `
const net = require('node:net');
const count = Number(process.argv[1]);
const ports = JSON.parse(process.argv[2]);
const kept = [];
let started = 0, done = 0;
function next() {
	if (started >= count) return;
	const port = ports[started++ % ports.length];
	const socket = net.connect(port, '127.0.0.1', () => {
		kept.push(socket);
		if (++done === count) console.log('[]'); else next();
	});
	socket.on('error', (error) => { console.error(error.message); process.exit(1); });
}
for (let index = 0; index < 256; index++) next();
setInterval(() => {}, 1e6);
`;

type Fleet = {children: ChildProcess[]};

async function start(fleet: Fleet, script: string, args: string[]): Promise<unknown> {
	// Node cannot raise its own fd limit: raise it (to the hard limit, which may be
	// as low as 20,000 in a container) in a shell that then execs node.
	const quoted = [script, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`);
	const child = spawn(
		'sh',
		[
			'-c',
			`ulimit -n "$(ulimit -Hn)" && exec "${process.execPath}" -e ${quoted.join(' ')}`,
		],
		{stdio: ['ignore', 'pipe', 'inherit']},
	);
	fleet.children.push(child);
	const lines = createInterface({input: child.stdout!});
	const [line] = (await Promise.race([
		once(lines, 'line'),
		once(child, 'exit').then(() => {
			throw new Error('bench child exited early');
		}),
	])) as [string];
	return JSON.parse(line) as unknown;
}

async function stop(fleet: Fleet) {
	await Promise.all(
		fleet.children.map(async (child) => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = once(child, 'exit');
			child.kill('SIGKILL');
			await exited;
		}),
	);
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2
		? sorted[middle]!
		: (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Wall time of one run, its output written to /dev/null (as hyperfine does):
 * the figure is the tool's own work, not this process reading 11 MB of JSON
 * from a pipe (portui prints every holder's command line; ss prints 1 MB).
 */
function wallMs(command: string, args: string[]): number {
	const devNull = openSync('/dev/null', 'w');
	const started = performance.now();
	const result = spawnSync(command, args, {stdio: ['ignore', devNull, 'ignore']});
	closeSync(devNull);
	const elapsed = performance.now() - started;
	if (result.status !== 0)
		throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
	return elapsed;
}

/** Alternates the two commands so that machine noise hits both alike. */
function coldPair(): {portui: number; ss: number; entries: number} {
	const portui: number[] = [];
	const ss: number[] = [];
	for (let run = 0; run < COLD_RUNS; run++) {
		// The binary as users run it: dist/cli.js through its own launcher line.
		portui.push(wallMs(cli, ['list', '--json']));
		ss.push(wallMs('ss', ['-tulnp']));
	}
	const output = spawnSync(process.execPath, [cli, 'list', '--json'], {
		encoding: 'utf8',
		maxBuffer: 1 << 30,
	});
	const entries = (JSON.parse(output.stdout) as unknown[]).length;
	if (process.env.BENCH_VERBOSE)
		process.stdout.write(
			`  cold runs: portui ${portui.map((ms) => ms.toFixed(0)).join(' ')}; ss ${ss.map((ms) => ms.toFixed(0)).join(' ')}\n`,
		);
	return {portui: median(portui), ss: median(ss), entries};
}

type ReaderModule = typeof import('../source/core/sockets/reader.js');

async function steadyPair(): Promise<{portui: number; ss: number; stats: string}> {
	const {ListenerReader} = (await import(
		pathToFileURL(join(root, 'dist', 'core', 'sockets', 'reader.js')).href
	)) as ReaderModule;
	const reader = new ListenerReader();
	reader.read();
	reader.read();
	const portui: number[] = [];
	const ss: number[] = [];
	for (let run = 0; run < STEADY_RUNS; run++) {
		const started = performance.now();
		reader.read();
		portui.push(performance.now() - started);
		if (run % 3 === 0) ss.push(wallMs('ss', ['-tulnp']));
	}
	return {portui: median(portui), ss: median(ss), stats: JSON.stringify(reader.stats)};
}

function report(label: string, portui: number, ss: number, goal: number) {
	const ratio = portui / ss;
	process.stdout.write(
		`  ${label.padEnd(34)} portui ${portui.toFixed(1).padStart(7)} ms   ss -tulnp ${ss
			.toFixed(1)
			.padStart(
				7,
			)} ms   ratio ${ratio.toFixed(2)}x (goal ≤ ${goal}x) ${ratio <= goal ? 'ok' : 'MISSED'}\n`,
	);
}

async function measure(name: string) {
	// The fleet's node processes go on collecting and compiling for a moment
	// after they report ready: let that pass, so it lands on neither tool.
	await new Promise((resolve) => setTimeout(resolve, 2000));
	const cold = coldPair();
	const steady = await steadyPair();
	process.stdout.write(`${name}: ${cold.entries} sockets listed by portui\n`);
	report('cold `portui list --json`', cold.portui, cold.ss, 1.5);
	report('steady ListenerReader.read()', steady.portui, steady.ss, 0.25);
	process.stdout.write(`  owner index: ${steady.stats}\n`);
}

function vmHwmKb(pid: number): number | undefined {
	try {
		const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined;
	}
}

/** Peak RSS of the TUI over ~5 s, run in a detached tmux session (needs tmux). */
async function tuiPeakRss(): Promise<void> {
	if (spawnSync('tmux', ['-V']).status !== 0) {
		process.stdout.write('  TUI peak RSS: skipped (no tmux)\n');
		return;
	}
	const session = `portui-bench-${process.pid}`;
	const started = spawnSync('tmux', [
		'new-session',
		'-d',
		'-s',
		session,
		'-x',
		'200',
		'-y',
		'50',
		`CI=false exec "${cli}"`,
	]);
	if (started.status !== 0) {
		process.stdout.write('  TUI peak RSS: skipped (tmux failed)\n');
		return;
	}
	try {
		await new Promise((resolve) => setTimeout(resolve, 500));
		const pane = spawnSync('tmux', ['list-panes', '-t', session, '-F', '#{pane_pid}'], {
			encoding: 'utf8',
		});
		const pid = Number(pane.stdout.trim());
		let peak = 0;
		for (let tick = 0; tick < 25; tick++) {
			await new Promise((resolve) => setTimeout(resolve, 200));
			peak = Math.max(peak, vmHwmKb(pid) ?? 0);
		}
		const screen = spawnSync('tmux', ['capture-pane', '-p', '-t', session], {
			encoding: 'utf8',
		});
		const alive = screen.stdout.trim().length > 0;
		process.stdout.write(
			`  TUI peak RSS (VmHWM after ~5 s, 10,000 listeners): ${(peak / 1024).toFixed(0)} MB (goal < 200 MB) ${
				peak > 0 && peak < 200 * 1024 ? 'ok' : 'MISSED'
			}${alive ? '' : ' (screen empty?)'}\n`,
		);
	} finally {
		spawnSync('tmux', ['kill-session', '-t', session]);
	}
}

export async function bench(): Promise<void> {
	process.stdout.write(
		`listeners bench (medians: ${COLD_RUNS} cold runs, ${STEADY_RUNS} steady reads; other work on this machine skews absolute times, compare ratios)\n`,
	);
	const listeners: Fleet = {children: []};
	try {
		await Promise.all(
			[0, 1, 2, 3].map(async () => start(listeners, LISTEN_SCRIPT, ['2500'])),
		);
		await measure('1. 10,000 TCP listeners over 4 processes');
		if (!process.env.BENCH_NO_TUI) await tuiPeakRss();
	} finally {
		await stop(listeners);
	}
	const busy: Fleet = {children: []};
	try {
		const ports = (await start(busy, SERVER_SCRIPT, ['20'])) as number[];
		await Promise.all(
			[0, 1].map(async () =>
				start(busy, CLIENT_SCRIPT, ['10000', JSON.stringify(ports)]),
			),
		);
		await measure('2. 20 listeners + 20,000 established loopback connections');
	} finally {
		await stop(busy);
	}
}
