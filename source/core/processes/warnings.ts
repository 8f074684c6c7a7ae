/**
 * What an operator should know before stopping a process: stopping PID 1 or
 * one's own session is fatal, a kernel thread cannot be stopped, a PID
 * namespace's init takes its whole namespace along, systemd will bring a
 * Restart= service back, a listener on all interfaces is exposed to the
 * network. Codes are stable (JSON output); messages are for people.
 */
import type {Listener} from '../sockets/listener.js';
import {describeNamespaceInit, type NamespaceInit} from './pid-namespace.js';
import {willRestart, type UnitFacts} from './systemd.js';

export const WARNING_CODES = [
	'pid-1',
	'kernel-thread',
	'portui-itself',
	'session-ancestor',
	'namespace-init',
	'runs-as-root',
	'bound-all-interfaces',
	'systemd-restarts',
	'exe-deleted',
] as const;

export type WarningCode = (typeof WARNING_CODES)[number];

export type ProcessWarning = {code: WarningCode; message: string};

export type WarningInput = {
	pid: number;
	/** Effective uid; null when unknown. */
	uid: number | null;
	kernelThread: boolean;
	exe: string | null;
	exeDeleted: boolean;
	/** The listeners in question (the selected one, or those on the port asked about). */
	listeners: Array<Pick<Listener, 'protocol' | 'address' | 'port'>>;
	unit?: UnitFacts;
	/** portui's own pid and its session's ancestors. */
	selfPid: number;
	sessionAncestors: ReadonlySet<number>;
	/** Set when the process is the init of a PID namespace (a container's PID 1). */
	namespaceInit?: NamespaceInit;
	/** The container or machine its namespace belongs to, when its cgroup says. */
	namespaceOwner?: string;
};

/** Whether a listening address accepts connections on every interface. */
export function isAllInterfaces(address: string): boolean {
	return (
		address === '0.0.0.0' || address === '::' || address === '*' || address === '[::]'
	);
}

/** The warnings for one process, in order of severity. */
export function processWarnings(input: WarningInput): ProcessWarning[] {
	const warnings: ProcessWarning[] = [];
	const add = (code: WarningCode, message: string) => warnings.push({code, message});
	if (input.pid === 1) add('pid-1', 'PID 1 (init): stopping it brings the system down');
	if (input.kernelThread) add('kernel-thread', 'kernel thread: it cannot be stopped');
	if (input.pid === input.selfPid) add('portui-itself', 'this is portui itself');
	if (input.sessionAncestors.has(input.pid)) {
		add(
			'session-ancestor',
			'serves this terminal (an ancestor of portui): stopping it ends this session',
		);
	}
	if (input.namespaceInit) {
		const init = input.namespaceInit;
		add(
			'namespace-init',
			describeNamespaceInit(init, input.namespaceOwner) +
				(init.catchesTerm
					? ''
					: `; it has no SIGTERM handler, so the kernel drops SIGTERM and only SIGKILL stops it${init.processes > 1 ? ' (and them)' : ''}`),
		);
	}
	if (input.uid === 0) add('runs-as-root', 'runs as root');
	const exposed = input.listeners.filter((listener) => isAllInterfaces(listener.address));
	if (exposed.length > 0) {
		const where = [
			...new Set(
				exposed.map((listener) =>
					listener.address.includes(':')
						? `[${listener.address}]:${listener.port}/${listener.protocol}`
						: `${listener.address}:${listener.port}/${listener.protocol}`,
				),
			),
		].join(', ');
		add('bound-all-interfaces', `bound to all interfaces (${where}), not just loopback`);
	}
	if (input.unit && willRestart(input.unit)) {
		add(
			'systemd-restarts',
			`systemd restarts ${input.unit.unit} when it dies (Restart=${input.unit.restart}): stop the unit instead`,
		);
	}
	if (input.exeDeleted) {
		add(
			'exe-deleted',
			`its executable${input.exe ? ` ${input.exe}` : ''} was deleted or replaced since it started (restart to run the new one)`,
		);
	}
	return warnings;
}
