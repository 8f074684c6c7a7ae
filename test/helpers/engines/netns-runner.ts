/**
 * Commands run inside an engine's network namespace with `nsenter --net`
 * (keeping the host's mounts, which runc needs, unlike `ip netns exec`), with
 * the engine's environment (its config paths or socket) added: the engine's
 * own CLI, and the checkout's portui seeing the same engine.
 */
import {spawnSync} from 'node:child_process';
import {readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {repoRoot} from './rootfs.js';
import type {RunResult} from './systemd.js';

export type NamespaceRunner = {
	run(
		argv: string[],
		options?: {timeoutMs?: number; env?: Record<string, string>},
	): RunResult;
	/** Runs argv and returns stdout; throws with stderr when it fails. */
	must(argv: string[]): string;
	/** The checkout's portui (CI=true, no stdin). */
	portui(args: string[], options?: {timeoutMs?: number}): RunResult;
};

export function namespaceRunner(
	netns: string,
	env: Record<string, string>,
): NamespaceRunner {
	const run: NamespaceRunner['run'] = (argv, options = {}) => {
		const result = spawnSync('nsenter', [`--net=/run/netns/${netns}`, '--', ...argv], {
			encoding: 'utf8',
			env: {...process.env, ...env, ...options.env},
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: options.timeoutMs ?? 120_000,
		});
		return {status: result.status, stdout: result.stdout, stderr: result.stderr};
	};
	return {
		run,
		must(argv) {
			const result = run(argv);
			if (result.status !== 0)
				throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
			return result.stdout;
		},
		portui(args, options = {}) {
			return run([process.execPath, path.join(repoRoot, 'dist/cli.js'), ...args], {
				timeoutMs: options.timeoutMs ?? 60_000,
				env: {CI: 'true'},
			});
		},
	};
}

/** Lazily unmounts whatever an engine left mounted below `dir` (deepest first). */
export function unmountUnder(dir: string): void {
	const mounts = readFileSync('/proc/self/mounts', 'utf8')
		.split('\n')
		.map((line) => line.split(' ')[1] ?? '')
		.map((field) => field.replace(/\\040/g, ' '))
		.filter((point) => point === dir || point.startsWith(`${dir}/`))
		.sort((a, b) => b.length - a.length);
	for (const point of mounts) spawnSync('umount', ['-l', point]);
}

/** Deletes an engine's namespace and directory once its processes are gone. */
export function removeEngineState(netns: string, dir: string): void {
	unmountUnder(dir);
	spawnSync('ip', ['netns', 'del', netns]);
	rmSync(dir, {recursive: true, force: true});
}
