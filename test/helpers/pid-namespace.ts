/**
 * Real PID namespaces for the namespace-init and kernel-thread tests:
 * `unshare -fp --mount-proc` running test/fixtures/processes/pid-namespace-init.pl,
 * an init that listens on a loopback port (or whose pid 2 does) and children
 * that log every signal they catch. It is started through a shell that exits
 * at once, so it is nobody's descendant here, as a container is not
 * portui's. `stop()` SIGKILLs the init, which ends everything in it.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {
	existsSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	readlinkSync,
	rmSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';

const script = fileURLToPath(
	new URL('../fixtures/processes/pid-namespace-init.pl', import.meta.url),
);

export type NamespaceMode = 'init-catches-term' | 'init-ignores-term' | 'pid2-listens';

/** Why these tests cannot run here, or false when they can (root, unshare, perl). */
export const namespacesUnavailable: string | false = (() => {
	if (process.getuid?.() !== 0) return 'needs root to make PID namespaces';
	const probe = spawnSync('unshare', ['-fp', '--mount-proc', 'perl', '-e', '1'], {
		stdio: 'ignore',
	});
	return probe.status === 0 ? false : 'unshare -fp --mount-proc or perl is missing';
})();

/** True when strace can trace here (CI installs it; ptrace may be forbidden elsewhere). */
export const straceUnavailable: string | false = (() => {
	const probe = spawnSync('strace', ['-qq', '-e', 'trace=none', 'true'], {
		stdio: 'ignore',
	});
	return probe.status === 0 ? false : 'strace is missing or cannot trace';
})();

export type PidNamespace = {
	/** The init, as this (the host's) namespace numbers it. */
	init: number;
	/** Host pid of each process by its pid inside the namespace (1 is the init). */
	hostPid: Map<number, number>;
	/** Every process of the namespace (host pids), the init first. */
	members: number[];
	ports: {init?: number; pid2?: number; pid3?: number};
	/** Signals the processes inside caught, one `NAME NSPID SIGNAME` line each. */
	caught(): string[];
	/** The members still alive (same start time, not zombies). */
	alive(): number[];
	/** Waits (bounded) until no member is alive; returns those still alive. */
	waitGone(timeoutMs?: number): Promise<number[]>;
	/** Runs a command inside the namespace (its pids, its /proc), with `nsenter`. */
	enter(command: string, args: string[], options?: EnterOptions): ChildProcess;
	stop(): Promise<void>;
};

export type EnterOptions = {env?: NodeJS.ProcessEnv; stdin?: 'ignore' | 'pipe'};

function readStart(pid: number): {start: number; state: string} | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
		return {start: Number(fields[19]), state: fields[0]!};
	} catch {
		return undefined;
	}
}

function parentOf(pid: number): number | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return undefined;
	}
}

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a namespace and waits (bounded) until its processes are ready. */
export async function startPidNamespace(mode: NamespaceMode): Promise<PidNamespace> {
	const dir = mkdtempSync(path.join(tmpdir(), 'portui-pidns-'));
	const log = path.join(dir, 'signals.log');
	const ready = path.join(dir, 'ready');
	const errors = path.join(dir, 'errors');
	const shell = spawnSync(
		'sh',
		[
			'-c',
			'unshare -fp --mount-proc perl "$SCRIPT" "$MODE" "$LOG" >"$READY" 2>"$ERRORS" </dev/null & echo $!',
		],
		{
			env: {
				...process.env,
				SCRIPT: script,
				MODE: mode,
				LOG: log,
				READY: ready,
				ERRORS: errors,
			},
		},
	);
	const unsharePid = Number(String(shell.stdout).trim());
	if (!Number.isInteger(unsharePid) || unsharePid <= 0) {
		rmSync(dir, {recursive: true, force: true});
		throw new Error(`unshare did not start: ${String(shell.stderr)}`);
	}
	let line = '';
	for (let attempt = 0; attempt < 500 && !line; attempt++) {
		const text = existsSync(ready) ? readFileSync(ready, 'utf8') : '';
		if (text.includes('\n')) line = text.split('\n')[0]!;
		else if (!readStart(unsharePid)) break;
		else await sleep(20);
	}
	const init = readdirSync('/proc')
		.filter((name) => /^\d+$/.test(name))
		.map(Number)
		.find((pid) => parentOf(pid) === unsharePid);
	const fields = Object.fromEntries(
		line
			.split(' ')
			.filter(Boolean)
			.map((pair) => pair.split('=') as [string, string]),
	);
	if (!init || !fields.members) {
		if (init) spawnSync('kill', ['-KILL', String(init)]);
		const output = [ready, errors]
			.map((file) => (existsSync(file) ? readFileSync(file, 'utf8') : ''))
			.join('');
		rmSync(dir, {recursive: true, force: true});
		throw new Error(`the PID namespace did not start (${mode}): ${output}`);
	}

	// Host pids by namespace pid: the last NSpid entry is the pid inside.
	const namespace = readlinkSync(`/proc/${init}/ns/pid`);
	const hostPid = new Map<number, number>();
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			if (readlinkSync(`/proc/${name}/ns/pid`) !== namespace) continue;
			const nsPids = /^NSpid:\s+(.*)$/m
				.exec(readFileSync(`/proc/${name}/status`, 'utf8'))![1]!
				.split(/\s+/);
			hostPid.set(Number(nsPids.at(-1)), Number(name));
		} catch {
			// Not a process any more.
		}
	}
	const expected = fields.members.split(',').map(Number);
	const members = expected.map((nsPid) => {
		const pid = hostPid.get(nsPid);
		if (pid === undefined) throw new Error(`no host pid for ${nsPid} in ${mode}`);
		return pid;
	});
	const started = new Map(members.map((pid) => [pid, readStart(pid)!.start]));
	const alive = () =>
		members.filter((pid) => {
			const now = readStart(pid);
			return now !== undefined && now.start === started.get(pid) && now.state !== 'Z';
		});
	const port = (key: string) => (fields[key] ? Number(fields[key]) : undefined);
	return {
		init,
		hostPid,
		members,
		ports: {init: port('init-port'), pid2: port('pid2-port'), pid3: port('pid3-port')},
		caught: () =>
			existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [],
		alive,
		async waitGone(timeoutMs = 5000) {
			const deadline = Date.now() + timeoutMs;
			while (alive().length > 0 && Date.now() < deadline) await sleep(50);
			return alive();
		},
		enter(command, args, options = {}) {
			return spawn('nsenter', ['-t', String(init), '-p', '-m', '--', command, ...args], {
				stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
				env: options.env ?? process.env,
			});
		},
		async stop() {
			if (alive().includes(init)) {
				try {
					process.kill(init, 'SIGKILL');
				} catch {
					// Gone in between.
				}
			}
			// unshare (reaped by whoever adopted it) ends with its init.
			const deadline = Date.now() + 5000;
			while (readStart(unsharePid)?.state.match(/[^ZX]/) && Date.now() < deadline)
				await sleep(20);
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

export type Traced = {
	code: number | null;
	stdout: string;
	stderr: string;
	/** Every signal the traced process tree sent: `kill(2)` and friends, as `[pid, SIGNAME]`. */
	signals: Array<[number, string]>;
};

/**
 * Runs a command under `strace -f`, recording every signal it sends: the proof
 * of what portui signalled, beside what the targets themselves saw.
 */
export async function traceSignals(
	command: string,
	args: string[],
	options: {env?: NodeJS.ProcessEnv; spawnVia?: (argv: string[]) => ChildProcess} = {},
): Promise<Traced> {
	const dir = mkdtempSync(path.join(tmpdir(), 'portui-strace-'));
	const out = path.join(dir, 'trace');
	const argv = [
		'strace',
		'-f',
		'-qq',
		'-e',
		'trace=kill,tkill,tgkill,pidfd_send_signal',
		'-e',
		'signal=none',
		'-o',
		out,
		command,
		...args,
	];
	const child = options.spawnVia
		? options.spawnVia(argv)
		: spawn(argv[0]!, argv.slice(1), {
				stdio: ['pipe', 'pipe', 'pipe'],
				env: options.env ?? process.env,
			});
	child.stdin?.end();
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
	const [code] = (await once(child, 'close')) as [number | null];
	const trace = existsSync(out) ? readFileSync(out, 'utf8') : '';
	rmSync(dir, {recursive: true, force: true});
	const signals: Array<[number, string]> = [];
	for (const match of trace.matchAll(/\bkill\((-?\d+), (SIG[A-Z0-9]+|0)\)/g)) {
		signals.push([Number(match[1]), match[2]!]);
	}
	return {code, stdout, stderr, signals};
}
