/**
 * The service a process belongs to: the one thing an operator stops, starts
 * or reconfigures. Two processes of one service (docker-proxy for IPv4 and
 * IPv6, conmon and the container it supervises, nginx's master and workers,
 * PID 1 holding a socket unit's socket) have one manager, and conflict
 * resolution's parties are managers, never processes.
 *
 * This module holds the model and the key that groups by it; how a process
 * is attributed (cgroup, conmon's command line, `systemctl list-sockets`,
 * `podman ps`) lives in the readers that fill `ProcessReport.manager`.
 */

/** What `who --json` reports as `unitInfo` (issue 10): `unit` itself stays a name. */
export type UnitInfo = {
	activeState: string | null;
	unitFileState: string | null;
	restart: string | null;
	fragmentPath: string | null;
	/** The socket unit that activates this service, when there is one. */
	socket: string | null;
};

export type ManagerScope = 'system' | 'user';

/** How a holder process was tied to its container. */
export type ContainerVia =
	'cgroup' | 'docker-proxy' | 'conmon' | 'rootlessport' | 'slirp4netns' | 'pasta';

export type Manager =
	/** A `.socket` unit: PID 1 (or a `systemd --user`) holds the socket for it. */
	| {
			kind: 'socket-unit';
			socket: string;
			/** The service it activates (`Unit=`, or the socket's own name). */
			service: string | null;
			scope: ManagerScope;
			/** The `systemd --user` instance holding it, for scope `user`. */
			userManagerPid?: number;
	  }
	| {kind: 'unit'; unit: string; scope: ManagerScope; info?: UnitInfo}
	| {
			kind: 'container';
			runtime: 'docker' | 'podman';
			id: string;
			name: string | null;
			via: ContainerVia;
	  }
	/** No manager: the process tree rooted at `rootPid` is the service. */
	| {kind: 'process-tree'; rootPid: number; rootStartTicks: number; rootName: string};

/**
 * One key per service: processes with equal keys are one party. Container
 * ids are compared on their first 12 characters, which is what every engine
 * prints and what conmon's `-c` and the cgroup path share.
 */
export function managerKey(manager: Manager): string {
	switch (manager.kind) {
		case 'socket-unit':
			return `socket-unit:${manager.scope}:${manager.userManagerPid ?? ''}:${manager.socket}`;
		case 'unit':
			return `unit:${manager.scope}:${manager.unit}`;
		case 'container':
			return `container:${manager.runtime}:${manager.id.slice(0, 12)}`;
		case 'process-tree':
			return `process:${manager.rootPid}:${manager.rootStartTicks}`;
	}
}

/** How the manager reads in one line ("socket unit echo.socket (activates echo.service)"). */
export function describeManager(manager: Manager): string {
	switch (manager.kind) {
		case 'socket-unit': {
			const user = manager.scope === 'user' ? 'user ' : '';
			const service = manager.service ? ` (activates ${manager.service})` : '';
			return `${user}socket unit ${manager.socket}${service}`;
		}
		case 'unit':
			return `${manager.scope === 'user' ? 'user ' : ''}unit ${manager.unit}`;
		case 'container':
			return `${manager.runtime} container ${manager.name ?? manager.id.slice(0, 12)}`;
		case 'process-tree':
			return `process ${manager.rootName} (pid ${manager.rootPid})`;
	}
}

/** The parts of a process report the attribution reads. */
export type ManagerInput = {
	details: {pid: number; startTicks: number; name: string};
	ancestry: ReadonlyArray<{pid: number; name: string}>;
	unit: {name: string} | null;
	container: {runtime: string; id: string; name: string | null; via: ContainerVia} | null;
};

/**
 * The manager from what the cgroup and the container CLIs said. Without
 * one, the process is its own service: its tree is what stops with it.
 */
export function managerOf(report: ManagerInput): Manager {
	const {container, unit, details} = report;
	if (container && (container.runtime === 'docker' || container.runtime === 'podman')) {
		return {
			kind: 'container',
			runtime: container.runtime,
			id: container.id,
			name: container.name,
			via: container.via,
		};
	}
	if (unit) return {kind: 'unit', unit: unit.name, scope: 'system'};
	return {
		kind: 'process-tree',
		rootPid: details.pid,
		rootStartTicks: details.startTicks,
		rootName: details.name,
	};
}
