/**
 * The real system behind termination: the listener reader, /proc, systemd,
 * the container CLIs and the audit log. Kept apart from terminate.ts so that
 * tests can swap any part without loading the rest.
 */
import process from 'node:process';
import {execa} from 'execa';
import {describeError, PermissionError, PortuiError} from '../errors.js';
import {readCgroup} from '../processes/cgroup.js';
import {
	createContainerCli,
	matchProxyContainer,
	parseDockerProxyArgs,
	type ContainerCli,
} from '../processes/containers.js';
import {readProcessStat} from '../processes/identity.js';
import {readNamespaceInit} from '../processes/pid-namespace.js';
import {sessionAncestors} from '../processes/session.js';
import {systemctlManager, type ServiceManager} from '../processes/systemd.js';
import {readSocketRecords} from '../sockets/kernel.js';
import {socketInodesOf} from '../sockets/owners.js';
import {readListeners} from '../sockets/reader.js';
import {appendAuditEntry} from './audit-log.js';
import type {
	ContainerRuntime,
	ContainerStopper,
	TerminateAction,
	TerminateSystem,
	UnitStopper,
} from './terminate.js';

/** The ServiceManager's stop, plus `systemctl disable`, which it does not offer. */
export function unitStopperFrom(
	manager: ServiceManager,
	command = 'systemctl',
): UnitStopper {
	return {
		available: async () => manager.available(),
		stop: async (unit) => manager.stop(unit),
		async disable(unit) {
			const result = await execa(command, ['disable', '--', unit], {
				reject: false,
				timeout: 60_000,
				stdin: 'ignore',
			});
			if (result.exitCode === 0) return;
			const message = String(result.stderr).split('\n').find(Boolean) ?? 'failed';
			if (/access denied|authentication required|not permitted/i.test(message)) {
				throw new PermissionError(`systemctl disable ${unit}: needs root: run with sudo`);
			}
			throw new PortuiError(`systemctl disable ${unit}: ${message}`);
		},
	};
}

// `docker stop` waits the container's stop timeout (10 s by default) before the runtime kills it.
const clis: Record<ContainerRuntime, ContainerCli> = {
	docker: createContainerCli('docker', {timeoutMs: 90_000}),
	podman: createContainerCli('podman', {timeoutMs: 90_000}),
};

/** `docker stop` / `podman stop` of one container: the daemon itself is never touched. */
export const containerStopper: ContainerStopper = {
	async stop(runtime, id) {
		await clis[runtime].stop(id);
	},
	async resolveProxy(command) {
		const target = parseDockerProxyArgs(command.split(' ').slice(1));
		if (!target || !(await clis.docker.available())) return undefined;
		const container = matchProxyContainer(target, await clis.docker.running());
		return container
			? {runtime: 'docker', id: container.id, name: container.name}
			: undefined;
	},
};

/**
 * A terminal multiplexer's server is not an ancestor of the shell it serves,
 * yet killing it drops the session: tmux names its server pid in $TMUX.
 */
export function multiplexerPids(env: NodeJS.ProcessEnv = process.env): Set<number> {
	const pids = new Set<number>();
	const tmux = env.TMUX?.split(',')[1];
	if (tmux && /^\d+$/.test(tmux)) pids.add(Number(tmux));
	return pids;
}

/**
 * Records each action as one audit log line. A log that cannot be written
 * must not stop a termination half-way: `onWarning` hears why, once per
 * distinct reason, and the actions go on.
 */
export function auditRecorder(
	onWarning: (message: string) => void = () => {},
	file?: string,
): (action: TerminateAction) => void {
	const warned = new Set<string>();
	return (action) => {
		try {
			appendAuditEntry(
				{
					...action,
					time: new Date(action.atMs).toISOString(),
					action: action.action,
					...(action.pid === undefined ? {} : {pids: [action.pid]}),
					...(action.unit === undefined ? {} : {units: [action.unit]}),
					ok: action.outcome === 'done',
				},
				file,
			);
		} catch (error) {
			const message = describeError(error);
			if (warned.has(message)) return;
			warned.add(message);
			onWarning(message);
		}
	};
}

export function defaultTerminateSystem(): TerminateSystem {
	return {
		readListeners: () => readListeners(),
		readSockets: () =>
			readSocketRecords({listening: true}).map((record) => ({
				protocol: record.protocol,
				port: record.localPort,
				inode: record.inode,
			})),
		socketInodesOf: (pid) => socketInodesOf(pid),
		readProcessStat: (pid) => readProcessStat(pid),
		readNamespaceInit: (pid) => readNamespaceInit(pid),
		readCgroup: (pid) => readCgroup(pid),
		units: unitStopperFrom(systemctlManager),
		containers: containerStopper,
		sessionAncestors: () => new Set([...sessionAncestors(), ...multiplexerPids()]),
		kill: (pid, signal) => process.kill(pid, signal),
		record: auditRecorder(),
		now: () => Date.now(),
		selfPid: process.pid,
	};
}
