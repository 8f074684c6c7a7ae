/**
 * Rootful Podman for the engine tests, all of it the test's own: storage,
 * run directory and configuration in a temporary directory (passed to every
 * podman and portui call through CONTAINERS_CONF and CONTAINERS_STORAGE_CONF),
 * and its containers' networks inside a network namespace of the test's own,
 * entered with `nsenter --net` (not `ip netns exec`, which remounts /sys and
 * hides the cgroup mounts runc needs). FACTS: crun refuses this host's hybrid
 * cgroups, so runc; the default rlimits need CAP_SYS_RESOURCE, so the hard
 * limit.
 */
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {imageName, makeImageTarball} from './image.js';
import {namespaceRunner, removeEngineState} from './netns-runner.js';
import type {RunResult} from './systemd.js';

export type PodmanEngine = {
	netns: string;
	env: Record<string, string>;
	/** Runs podman in the test's namespace; throws on failure. */
	podman(args: string[]): string;
	/** Runs the checkout's portui in the same namespace, seeing the same storage. */
	portui(args: string[], options?: {timeoutMs?: number}): RunResult;
	/** Runs any command in the namespace. */
	run(argv: string[]): RunResult;
	stop(): void;
};

function hardNofile(): number {
	const limits = readFileSync('/proc/self/limits', 'utf8');
	const match = /^Max open files\s+\S+\s+(\S+)/m.exec(limits);
	return match && /^\d+$/.test(match[1]!) ? Number(match[1]) : 1024;
}

export function startPodman(): PodmanEngine {
	const dir = mkdtempSync(path.join('/var/tmp', 'portui-podman-'));
	const netns = `portui-pod-${randomBytes(3).toString('hex')}`;
	const limit = hardNofile();
	writeFileSync(
		path.join(dir, 'containers.conf'),
		`[containers]\ndefault_ulimits = ["nofile=${limit}:${limit}", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\n`,
	);
	writeFileSync(
		path.join(dir, 'storage.conf'),
		`[storage]\ndriver = "overlay"\ngraphroot = "${dir}/storage"\nrunroot = "${dir}/run"\n`,
	);
	const env = {
		CONTAINERS_CONF: path.join(dir, 'containers.conf'),
		CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf'),
	};
	execFileSync('ip', ['netns', 'add', netns]);
	execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
	const runner = namespaceRunner(netns, env);
	const podman = (args: string[]) => runner.must(['podman', ...args]);
	const engine: PodmanEngine = {
		netns,
		env,
		podman,
		run: (argv) => runner.run(argv),
		portui: runner.portui,
		stop() {
			runner.run(['podman', 'rm', '--all', '--force', '--time', '0']);
			runner.run(['podman', 'system', 'reset', '--force']);
			removeEngineState(netns, dir);
		},
	};
	try {
		podman(['import', makeImageTarball(dir), imageName]);
	} catch (error) {
		engine.stop();
		throw error;
	}
	return engine;
}
