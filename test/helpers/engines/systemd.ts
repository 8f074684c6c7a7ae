/**
 * A real systemd, booted as the init of a container (systemd-nspawn) from the
 * cached Debian rootfs, with a volatile overlay so every boot starts from the
 * same clean tree and nothing it writes survives. Tests write unit files into
 * it, start them, and run the checkout's portui inside it (the host's node
 * and the checkout are bind-mounted read-only at the same paths), so portui
 * sees systemd as PID 1 exactly as on a server.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';
import {repoRoot, rootfsPath} from './rootfs.js';

export type RunResult = {status: number | null; stdout: string; stderr: string};

export type SystemdMachine = {
	name: string;
	/** The container's systemd, as a host pid. */
	leader: number;
	/** Runs argv inside every namespace of the container. */
	run(argv: string[], options?: {input?: string; timeoutMs?: number}): RunResult;
	/** Like run, but throws with stderr when the command fails. */
	must(argv: string[], options?: {input?: string}): string;
	/** Writes a file inside the container. */
	writeFile(file: string, content: string): void;
	/** Runs the checkout's portui inside the container (CI=true, no stdin). */
	portui(
		args: string[],
		options?: {timeoutMs?: number; env?: Record<string, string>},
	): RunResult;
	/** Writes unit files, reloads systemd. */
	installUnits(units: Record<string, string>): void;
	stop(): Promise<void>;
};

const containerEnv = {
	PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
	HOME: '/root',
	LANG: 'C.UTF-8',
	TERM: 'dumb',
};

function childrenOf(pid: number): number[] {
	try {
		return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
			.trim()
			.split(/\s+/)
			.filter(Boolean)
			.map(Number);
	} catch {
		return [];
	}
}

function comm(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
	} catch {
		return '';
	}
}

async function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
	if (child.exitCode !== null || child.signalCode !== null) return true;
	return Promise.race([
		new Promise<boolean>((resolve) => child.once('exit', () => resolve(true))),
		delay(timeoutMs).then(() => false),
	]);
}

/** Boots systemd in a fresh container; resolves once `systemctl is-system-running` settles. */
export async function bootSystemd(
	options: {name?: string} = {},
): Promise<SystemdMachine> {
	// Machine names may not contain `_`.
	const name = options.name ?? `portui-${randomBytes(3).toString('hex')}`;
	const nspawn = spawn(
		'systemd-nspawn',
		[
			'-b',
			'-D',
			rootfsPath(),
			'-M',
			name,
			'--register=no',
			'--keep-unit',
			'--private-network',
			'--console=passive',
			'--volatile=overlay',
			`--bind-ro=${process.execPath}:/usr/local/bin/node`,
			`--bind-ro=${repoRoot}:${repoRoot}`,
		],
		{stdio: ['ignore', 'ignore', 'pipe'], env: {...containerEnv}},
	);
	let log = '';
	nspawn.stderr!.on('data', (chunk: Buffer) => {
		log += chunk.toString();
	});
	const fail = async (why: string): Promise<never> => {
		nspawn.kill('SIGKILL');
		await exited(nspawn, 5000);
		throw new Error(`systemd container ${name}: ${why}\n${log}`);
	};
	let leader: number | undefined;
	const deadline = Date.now() + 30_000;
	while (leader === undefined) {
		if (nspawn.exitCode !== null) return fail(`nspawn exited ${nspawn.exitCode}`);
		if (Date.now() > deadline) return fail('no systemd after 30 s');
		leader = childrenOf(nspawn.pid!).find((pid) => comm(pid) === 'systemd');
		if (leader === undefined) await delay(50);
	}
	const run = (argv: string[], runOptions: {input?: string; timeoutMs?: number} = {}) => {
		const result = spawnSync('nsenter', ['-t', String(leader), '-a', '--', ...argv], {
			encoding: 'utf8',
			input: runOptions.input ?? '',
			env: containerEnv,
			timeout: runOptions.timeoutMs ?? 60_000,
		});
		return {status: result.status, stdout: result.stdout, stderr: result.stderr};
	};
	const must = (argv: string[], runOptions: {input?: string} = {}) => {
		const result = run(argv, runOptions);
		if (result.status !== 0) {
			throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
		}
		return result.stdout;
	};
	// `--wait` returns once boot is over: "running", or "degraded" if a unit failed.
	for (;;) {
		const state = run(['systemctl', 'is-system-running', '--wait'], {timeoutMs: 30_000});
		const text = state.stdout.trim();
		if (text === 'running' || text === 'degraded') break;
		if (Date.now() > deadline) return fail(`system state ${text || state.stderr}`);
		await delay(100);
	}
	const machine: SystemdMachine = {
		name,
		leader,
		run,
		must,
		writeFile(file, content) {
			must(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat >"$1"', 'sh', file], {
				input: content,
			});
		},
		portui(args, portuiOptions = {}) {
			const result = spawnSync(
				'nsenter',
				[
					'-t',
					String(leader),
					'-a',
					'--',
					'env',
					...Object.entries({...containerEnv, CI: 'true', ...portuiOptions.env}).map(
						([key, value]) => `${key}=${value}`,
					),
					'node',
					`${repoRoot}dist/cli.js`,
					...args,
				],
				{
					encoding: 'utf8',
					stdio: ['ignore', 'pipe', 'pipe'],
					timeout: portuiOptions.timeoutMs ?? 60_000,
				},
			);
			return {status: result.status, stdout: result.stdout, stderr: result.stderr};
		},
		installUnits(units) {
			for (const [unit, text] of Object.entries(units))
				machine.writeFile(`/etc/systemd/system/${unit}`, text);
			must(['systemctl', 'daemon-reload']);
		},
		async stop() {
			// nspawn turns SIGTERM into an orderly shutdown of the container's systemd.
			nspawn.kill('SIGTERM');
			if (!(await exited(nspawn, 15_000))) {
				nspawn.kill('SIGKILL');
				await exited(nspawn, 5000);
			}
		},
	};
	return machine;
}
