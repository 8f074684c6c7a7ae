/**
 * The whole story of one process, as the process screen shows it and `portui
 * who` prints it: details, sockets, place in the tree, who manages it and the
 * warnings. Split in two because the parts cost differently: the /proc part
 * is synchronous and cheap (the screen re-reads it every second), the
 * manager part runs systemctl / docker and is read once per screen.
 */
import process from 'node:process';
import {PermissionError, describeError} from '../errors.js';
import {readSocketRecords, type SocketRecord} from '../sockets/kernel.js';
import type {Listener} from '../sockets/listener.js';
import {OwnerIndex, socketInodesOf} from '../sockets/owners.js';
import {readAncestry, readChildren, type ProcessLink} from './ancestry.js';
import {readCgroup, type CgroupInfo} from './cgroup.js';
import {
	dockerCli,
	matchProxyContainer,
	parseDockerProxyArgs,
	podmanCli,
	type ContainerCli,
} from './containers.js';
import {readProcessDetails, type DetailsOptions, type ProcessDetails} from './details.js';
import {namespaceOwner, readNamespaceInit, type NamespaceInit} from './pid-namespace.js';
import {sessionAncestors, shellOrigin, type ShellOrigin} from './session.js';
import {managerOf, type ContainerVia, type Manager} from './manager.js';
import {systemctlManager, type ServiceManager, type UnitFacts} from './systemd.js';
import {processWarnings, type ProcessWarning} from './warnings.js';

/** One socket a process holds, with the other processes holding it too. */
export type ProcessSocket = SocketRecord & {sharedWith: ProcessLink[]};

export type ProcessSnapshot = {
	details: ProcessDetails;
	/** From PID 1 down to the parent. */
	ancestry: ProcessLink[];
	children: ProcessLink[];
	/** Null when /proc/PID/cgroup could not be read. */
	cgroup: CgroupInfo | null;
	shell: ShellOrigin | null;
	/** Listening TCP and bound UDP sockets it holds. */
	listeners: ProcessSocket[];
	/** Every other socket it holds (established, closing, connected UDP). */
	connections: ProcessSocket[];
	/** Connections in state ESTAB. */
	established: number;
	/** True when its fds could not be read (another user's process, without root). */
	socketsHidden: boolean;
	/** Set when it is the init of a PID namespace (a container's PID 1): its namespace stops with it. */
	namespaceInit: NamespaceInit | null;
};

export type ManagerFacts = {
	/** The systemd unit from the cgroup, with `systemctl show` facts when systemd answers. */
	unit: {name: string; facts?: UnitFacts; unavailable?: string} | null;
	/** The container it runs in, or (for docker-proxy) the one it forwards to. */
	container: {
		runtime: string;
		id: string;
		name: string | null;
		image: string | null;
		status?: string;
		via: ContainerVia;
		unavailable?: string;
	} | null;
};

export type ProcessReport = ProcessSnapshot &
	ManagerFacts & {
		warnings: ProcessWarning[];
		/** The service it belongs to: what conflict resolution groups and acts on. */
		manager: Manager;
	};

export type SnapshotOptions = DetailsOptions & {
	/** An owner index kept across refreshes makes "who shares this socket" cheap. */
	owners?: OwnerIndex;
	/** The socket records to match against (read from the kernel when absent). */
	records?: SocketRecord[];
};

/** Runs a read that needs privileges portui may lack: undefined when denied. */
function unlessDenied<T>(read: () => T): T | undefined {
	try {
		return read();
	} catch (error: unknown) {
		if (error instanceof PermissionError) return undefined;
		throw error;
	}
}

/** Reads the /proc side of a process. Throws ProcessGoneError when it is gone. */
export function readProcessSnapshot(
	pid: number,
	options: SnapshotOptions = {},
): ProcessSnapshot {
	const procRoot = options.procRoot ?? '/proc';
	const details = readProcessDetails(pid, options);
	const ancestry = unlessDenied(() => readAncestry(pid, procRoot)) ?? [];
	const children = unlessDenied(() => readChildren(pid, procRoot)) ?? [];
	const cgroup = unlessDenied(() => readCgroup(pid, procRoot)) ?? null;
	const inodes = details.kernelThread
		? new Set<number>()
		: unlessDenied(() => socketInodesOf(pid, procRoot));
	const listeners: ProcessSocket[] = [];
	const connections: ProcessSocket[] = [];
	if (inodes && inodes.size > 0) {
		const records =
			options.records ?? readSocketRecords({listening: true, connected: true});
		const owners = options.owners ?? new OwnerIndex({procRoot});
		const held = records.filter((record) => inodes.has(record.inode));
		owners.refresh(new Set(held.map((record) => record.inode)));
		for (const record of held) {
			const sharedWith = owners
				.holdersOf(record.inode)
				.filter((holder) => holder.pid !== pid)
				.map((holder) => ({pid: holder.pid, name: holder.name}));
			const socket = {...record, sharedWith};
			if (
				record.state === 'LISTEN' ||
				(record.protocol === 'udp' && record.state === 'UNCONN')
			) {
				listeners.push(socket);
			} else connections.push(socket);
		}
		const order = (a: SocketRecord, b: SocketRecord) =>
			a.localPort - b.localPort ||
			a.protocol.localeCompare(b.protocol) ||
			a.localAddress.localeCompare(b.localAddress) ||
			a.remoteAddress.localeCompare(b.remoteAddress) ||
			a.remotePort - b.remotePort;
		listeners.sort(order);
		connections.sort(order);
	}
	return {
		details,
		ancestry,
		children,
		cgroup,
		shell:
			cgroup?.unit || cgroup?.container ? null : (shellOrigin(ancestry, details) ?? null),
		listeners,
		connections,
		established: connections.filter((socket) => socket.state === 'ESTAB').length,
		socketsHidden: inodes === undefined,
		namespaceInit: details.kernelThread
			? null
			: (readNamespaceInit(pid, procRoot) ?? null),
	};
}

export type ManagerOptions = {
	services?: ServiceManager;
	docker?: ContainerCli;
	podman?: ContainerCli;
};

/** Asks systemd and the container CLIs about a process. Never throws for an absent tool. */
export async function readManagerFacts(
	snapshot: Pick<ProcessSnapshot, 'details' | 'cgroup'>,
	options: ManagerOptions = {},
): Promise<ManagerFacts> {
	const services = options.services ?? systemctlManager;
	const docker = options.docker ?? dockerCli;
	const podman = options.podman ?? podmanCli;
	const facts: ManagerFacts = {unit: null, container: null};
	const unitName = snapshot.cgroup?.unit;
	if (unitName && !snapshot.cgroup?.container) {
		facts.unit = {name: unitName};
		try {
			if (await services.available()) {
				const shown = await services.show(unitName);
				if (shown) facts.unit.facts = shown;
			} else facts.unit.unavailable = 'systemd is not available';
		} catch (error: unknown) {
			facts.unit.unavailable = describeError(error);
		}
	}
	const inCgroup = snapshot.cgroup?.container;
	if (inCgroup) {
		facts.container = {
			runtime: inCgroup.runtime,
			id: inCgroup.id,
			name: null,
			image: null,
			via: 'cgroup',
		};
		const cli =
			inCgroup.runtime === 'docker'
				? docker
				: inCgroup.runtime === 'podman'
					? podman
					: undefined;
		if (cli) {
			try {
				if (await cli.available()) {
					const [found] = await cli.inspect([inCgroup.id]);
					if (found) {
						Object.assign(facts.container, {
							name: found.name,
							image: found.image,
							status: found.status,
						});
					}
				} else facts.container.unavailable = `${cli.runtime} is not available`;
			} catch (error: unknown) {
				facts.container.unavailable = describeError(error);
			}
		}
	} else if (snapshot.details.name === 'docker-proxy' && snapshot.details.argv) {
		const target = parseDockerProxyArgs(snapshot.details.argv);
		if (target) {
			try {
				if (await docker.available()) {
					const found = matchProxyContainer(target, await docker.running());
					if (found) {
						facts.container = {
							runtime: 'docker',
							id: found.id,
							name: found.name,
							image: found.image,
							status: found.status,
							via: 'docker-proxy',
						};
					}
				}
			} catch {
				// Without an engine, the proxy stays attributed to itself.
			}
		}
	}
	return facts;
}

export type InspectOptions = SnapshotOptions &
	ManagerOptions & {
		/** The listeners the question is about (the selected row, or those on the port asked). */
		focus?: Array<Pick<Listener, 'protocol' | 'address' | 'port'>>;
		selfPid?: number;
		sessionAncestors?: ReadonlySet<number>;
	};

/** The warnings for a snapshot and its managers. */
export function warningsFor(
	snapshot: ProcessSnapshot,
	managers: ManagerFacts,
	options: Pick<InspectOptions, 'focus' | 'selfPid' | 'sessionAncestors'> = {},
): ProcessWarning[] {
	const {details} = snapshot;
	const container = managers.container;
	const owner =
		container?.via === 'cgroup'
			? namespaceOwner({
					container: {runtime: container.runtime, id: container.name ?? container.id},
				})
			: snapshot.cgroup
				? namespaceOwner(snapshot.cgroup)
				: undefined;
	return processWarnings({
		pid: details.pid,
		uid: details.uid,
		kernelThread: details.kernelThread,
		exe: details.exe,
		exeDeleted: details.exeDeleted,
		listeners:
			options.focus ??
			snapshot.listeners.map((socket) => ({
				protocol: socket.protocol,
				address: socket.localAddress,
				port: socket.localPort,
			})),
		unit: managers.unit?.facts,
		selfPid: options.selfPid ?? process.pid,
		sessionAncestors: options.sessionAncestors ?? sessionAncestors(),
		...(snapshot.namespaceInit
			? {namespaceInit: snapshot.namespaceInit, ...(owner ? {namespaceOwner: owner} : {})}
			: {}),
	});
}

/** Everything about a process. Throws ProcessGoneError when it is gone. */
export async function inspectProcess(
	pid: number,
	options: InspectOptions = {},
): Promise<ProcessReport> {
	const snapshot = readProcessSnapshot(pid, options);
	const managers = await readManagerFacts(snapshot, options);
	return {
		...snapshot,
		...managers,
		warnings: warningsFor(snapshot, managers, options),
		manager: managerOf({...snapshot, ...managers}),
	};
}
