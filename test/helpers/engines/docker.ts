/**
 * A dockerd of the test's own: data, exec root, socket and pid file in a
 * temporary directory, started inside a network namespace of the test's own
 * (`nsenter --net`) so that its bridge and iptables rules never touch the
 * host's. Every docker and portui call gets DOCKER_HOST pointing at its
 * socket.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync, mkdtempSync} from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {makeImageTarball} from './image.js';
import {namespaceRunner, removeEngineState} from './netns-runner.js';
import type {RunResult} from './systemd.js';

export const dockerImage = 'portui-busybox:test';

export type DockerEngine = {
	netns: string;
	env: Record<string, string>;
	docker(args: string[]): string;
	portui(args: string[], options?: {timeoutMs?: number}): RunResult;
	run(argv: string[]): RunResult;
	stop(): Promise<void>;
};

export async function startDocker(): Promise<DockerEngine> {
	const dir = mkdtempSync(path.join('/var/tmp', 'portui-docker-'));
	const netns = `portui-dock-${randomBytes(3).toString('hex')}`;
	const socket = path.join(dir, 'docker.sock');
	const env = {DOCKER_HOST: `unix://${socket}`};
	spawnSync('ip', ['netns', 'add', netns]);
	spawnSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
	let log = '';
	const daemon: ChildProcess = spawn(
		'nsenter',
		[
			`--net=/run/netns/${netns}`,
			'--',
			'dockerd',
			'--data-root',
			path.join(dir, 'data'),
			'--exec-root',
			path.join(dir, 'exec'),
			'--pidfile',
			path.join(dir, 'docker.pid'),
			'-H',
			`unix://${socket}`,
		],
		{stdio: ['ignore', 'ignore', 'pipe']},
	);
	daemon.stderr!.on('data', (chunk: Buffer) => {
		log = (log + chunk.toString()).slice(-20_000);
	});
	const runner = namespaceRunner(netns, env);
	const run = (argv: string[]) => runner.run(argv);
	const docker = (args: string[]) => runner.must(['docker', ...args]);
	const exited = () =>
		daemon.exitCode !== null || daemon.signalCode !== null
			? Promise.resolve()
			: new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
	const engine: DockerEngine = {
		netns,
		env,
		docker,
		run,
		portui: runner.portui,
		async stop() {
			const ids = run(['docker', 'ps', '-aq']).stdout.split('\n').filter(Boolean);
			if (ids.length > 0) run(['docker', 'rm', '--force', ...ids]);
			daemon.kill('SIGTERM');
			await Promise.race([exited(), delay(15_000)]);
			if (daemon.exitCode === null && daemon.signalCode === null) {
				daemon.kill('SIGKILL');
				await exited();
			}
			removeEngineState(netns, dir);
		},
	};
	const deadline = Date.now() + 30_000;
	while (!(existsSync(socket) && run(['docker', 'info']).status === 0)) {
		if (daemon.exitCode !== null || Date.now() > deadline) {
			await engine.stop();
			throw new Error(`dockerd did not start:\n${log}`);
		}
		await delay(100);
	}
	try {
		docker(['import', makeImageTarball(dir), dockerImage]);
	} catch (error) {
		await engine.stop();
		throw error;
	}
	return engine;
}
