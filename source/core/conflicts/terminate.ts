/**
 * The terminate step of conflict resolution: free a port by stopping whoever
 * holds it, the way that sticks and with nothing else hurt.
 *
 * A plan lists every holder of the port's sockets, grouped by what actually
 * owns them: a systemd service (stopped through systemd, because a killed
 * process is respawned under Restart=), a Docker/Podman container (stopped
 * through its runtime, never the daemon) or a plain process (SIGTERM, a
 * countdown, then SIGKILL only when forced or confirmed). Some holders are never
 * touched (PID 1, kernel threads, portui and its children); the ancestors of
 * this session (the shell or sshd it runs through) and the init of a PID
 * namespace (a container's PID 1, whose whole namespace stops with it) only
 * after the user typed their pid.
 *
 * Execution re-checks, right before every signal, that the pid is still the
 * process that was planned (start time) and still holds the socket, because
 * pids are reused and a plan can sit in a dialog for minutes.
 */
import {constants} from 'node:os';
import {setTimeout as delay} from 'node:timers/promises';
import {PermissionError, PortuiError, ProcessGoneError} from '../errors.js';
import {isKernelThread} from '../processes/identity.js';
import {
	describeNamespaceInit,
	namespaceOwner,
	processCount,
	type NamespaceInit,
} from '../processes/pid-namespace.js';
import type {ProcessStat} from '../procfs.js';
import type {Listener, ListenerSnapshot, Protocol} from '../sockets/listener.js';

/** The container runtimes portui can stop a container through. */
export type ContainerRuntime = 'docker' | 'podman';

/** What portui needs to know about a process's cgroup (a narrow view of processes/cgroup.ts). */
export type CgroupFacts = {
	unit?: string;
	userSession?: string;
	/** The scope it runs in: a systemd-nspawn machine's is `machine-NAME.scope`. */
	scope?: string;
	container?: {runtime: string; id: string};
};

/** The part of the systemd adapter termination uses. */
export interface UnitStopper {
	available(): Promise<boolean>;
	stop(unit: string): Promise<void>;
	disable?(unit: string): Promise<void>;
}

/** The part of the container adapter termination uses. */
export interface ContainerStopper {
	stop(runtime: ContainerRuntime, id: string): Promise<void>;
	/**
	 * The container a `docker-proxy` command line publishes a port for: the proxy
	 * holds the host port on dockerd's behalf, and stopping the proxy (or dockerd)
	 * is never the way to free it.
	 */
	resolveProxy?(
		command: string,
	): Promise<{runtime: ContainerRuntime; id: string; name?: string} | undefined>;
}

/** Stopping these stops every container on the machine, never one port's holder. */
const ENGINE_UNITS = new Set([
	'docker.service',
	'containerd.service',
	'podman.service',
	'crio.service',
	'kubelet.service',
]);

/**
 * Everything termination reads from or does to the system. Tests replace parts
 * (a fake service manager, a signal spy); `defaultTerminateSystem()` in
 * terminate-system.ts wires the real modules.
 */
export type TerminateSystem = {
	readListeners(): ListenerSnapshot;
	/** The kernel's listening sockets alone, without holders: cheap enough to poll. */
	readSockets(): Array<{protocol: Protocol; port: number; inode: number}>;
	/** Inodes of the sockets a process holds; throws ProcessGoneError / PermissionError. */
	socketInodesOf(pid: number): Set<number>;
	/** /proc/PID/stat; throws ProcessGoneError when the process is gone. */
	readProcessStat(pid: number): ProcessStat;
	/** Set when the process is the init of a PID namespace below this one's (a container's PID 1). */
	readNamespaceInit(pid: number): NamespaceInit | undefined;
	readCgroup(pid: number): CgroupFacts;
	units: UnitStopper;
	containers: ContainerStopper;
	/** Processes serving this terminal that are not plain ancestors (e.g. a tmux server). */
	sessionAncestors(): Set<number>;
	/** process.kill: throws with code ESRCH / EPERM. */
	kill(pid: number, signal: NodeJS.Signals): void;
	/** Appends one action to the audit log. Must not throw. */
	record(action: TerminateAction): void;
	now(): number;
	/** portui's own pid: never signalled, nor anything below it. */
	selfPid: number;
};

/** One process holding a socket of the port, as planned. */
export type PlannedHolder = {
	pid: number;
	/** With pid, the identity re-checked before every signal. */
	startTicks: number;
	name: string;
	command: string;
	user: string;
	/** The port's socket inodes this process held when planned. */
	inodes: number[];
};

export type Refusal = {
	reason: string;
	/**
	 * True when the user may override by typing the pid(s) in `confirmPids`
	 * (ancestors of this session, the init of a PID namespace); false for
	 * holders portui never touches.
	 */
	confirmable: boolean;
	/** The pids the user must type to override. */
	confirmPids: number[];
};

export type TerminateTarget = {
	/** Stable id within a plan (`unit:nginx.service`, `container:docker:3f2a…`, `pid:4242`). */
	id: string;
	kind: 'unit' | 'container' | 'process';
	holders: PlannedHolder[];
	unit?: string;
	container?: {runtime: ContainerRuntime; id: string};
	/** Set when portui will not act on this target (unless confirmable and confirmed). */
	refusal?: Refusal;
	/** Set when a holder is the init of a PID namespace: its whole namespace stops with it. */
	namespaceInit?: NamespaceInit;
	/** What the operator should know before it is done (what a signal will and will not do). */
	notes?: string[];
	/** One line saying what will be done: "systemctl stop nginx.service (pids 812, 813)". */
	description: string;
};

export type TerminatePlan = {
	port: number;
	protocols: Protocol[];
	/** The port's sockets at planning time. */
	sockets: Array<Pick<Listener, 'protocol' | 'family' | 'address' | 'port' | 'inode'>>;
	targets: TerminateTarget[];
	/** Sockets whose holders portui may not see (not root). */
	hiddenSockets: number;
	plannedAtMs: number;
};

export type TerminateActionKind =
	'signal' | 'stop-unit' | 'disable-unit' | 'stop-container';

/** One thing done, or refused, or failed: the audit log line and the `--json` record. */
export type TerminateAction = {
	atMs: number;
	action: TerminateActionKind;
	port: number;
	outcome: 'done' | 'refused' | 'failed';
	message: string;
	pid?: number;
	startTicks?: number;
	name?: string;
	command?: string;
	user?: string;
	signal?: NodeJS.Signals;
	unit?: string;
	container?: {runtime: ContainerRuntime; id: string};
};

export type TerminateResult = {
	port: number;
	/** True when no listener was left on the port when verification ended. */
	free: boolean;
	/** Listeners still on the port afterwards. */
	remaining: Listener[];
	actions: TerminateAction[];
	aborted: boolean;
};

/** What execution reports as it goes: the UI renders these, the CLI prints them. */
export type TerminateEvent =
	| {type: 'action'; action: TerminateAction}
	/** Waiting for signalled processes to exit; sent once per second of the countdown. */
	| {type: 'countdown'; pids: number[]; remainingMs: number; timeoutMs: number}
	/** The timeout passed and these processes still run and hold the socket. */
	| {type: 'survivors'; pids: number[]; willKill: boolean}
	| {type: 'verifying'; port: number}
	| {type: 'aborted'; signalled: boolean}
	| {type: 'done'; result: TerminateResult};

export type ExecuteOptions = {
	/** First signal for plain processes (default SIGTERM). Units and containers use their own stop. */
	signal?: NodeJS.Signals;
	/** How long to wait for processes to exit before SIGKILL is considered (default 5000). */
	timeoutMs?: number;
	/** Send SIGKILL to survivors without asking. */
	force?: boolean;
	/** Asked when processes survive the timeout and `force` is not set; no answer means no SIGKILL. */
	confirmKill?: (survivors: PlannedHolder[]) => Promise<boolean>;
	/** Pids the user typed to confirm acting on ancestors of this session. */
	confirmedPids?: Iterable<number>;
	/** Also `systemctl disable` the units stopped, so they stay stopped after a reboot. */
	disableUnits?: boolean;
	/** Aborting before a signal stops everything with nothing (more) signalled. */
	abortSignal?: AbortSignal;
	/** How long to keep looking for the port to become free afterwards (default 3000). */
	verifyTimeoutMs?: number;
	system?: Partial<TerminateSystem>;
};

const POLL_MS = 100;
const KILL_WAIT_MS = 3000;

/** Parses `TERM`, `SIGTERM`, `term` or `15` into a signal name; undefined when it is none. */
export function parseSignal(text: string): NodeJS.Signals | undefined {
	const trimmed = text.trim();
	const signals = constants.signals as Record<string, number>;
	if (/^\d+$/.test(trimmed)) {
		const number = Number(trimmed);
		const name = Object.keys(signals).find((key) => signals[key] === number);
		return name as NodeJS.Signals | undefined;
	}
	const upper = trimmed.toUpperCase();
	const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
	return name in signals ? (name as NodeJS.Signals) : undefined;
}

async function resolveSystem(
	overrides: Partial<TerminateSystem> | undefined,
): Promise<TerminateSystem> {
	const {defaultTerminateSystem} = await import('./terminate-system.js');
	return {...defaultTerminateSystem(), ...overrides};
}

/** `:8080`, or `:53/udp` when the port is not TCP only. */
function portLabel(port: number, protocols: Protocol[]): string {
	return protocols.length === 1 && protocols[0] === 'udp' ? `:${port}/udp` : `:${port}`;
}

function holderLabel(holder: PlannedHolder): string {
	// Command lines may hold newlines (node -e scripts): one line per holder.
	const command = (holder.command || holder.name).replace(/\s+/g, ' ').trim();
	return `${holder.pid} (${command.length > 60 ? `${command.slice(0, 59)}…` : command}, ${holder.user})`;
}

function describe(
	target: Omit<TerminateTarget, 'description' | 'id'>,
	signal: NodeJS.Signals,
): string {
	const pids = target.holders.map((holder) => holder.pid).join(', ');
	if (target.kind === 'unit') return `systemctl stop ${target.unit} (pids ${pids})`;
	if (target.kind === 'container' && target.container) {
		return `${target.container.runtime} stop ${target.container.id.slice(0, 12)} (pids ${pids})`;
	}
	return `${signal} pid ${holderLabel(target.holders[0]!)}`;
}

function isServiceUnit(facts: CgroupFacts): facts is CgroupFacts & {unit: string} {
	const unit = facts.unit;
	if (!unit || !unit.endsWith('.service')) return false;
	// A user's service manager or a login session: stopping it logs the user out.
	if (/^user@\d+\.service$/.test(unit) || /^user-runtime-dir@/.test(unit)) return false;
	if (facts.userSession) return false;
	return true;
}

/** Walks the ppid chain from `pid` upward; bounded, and tolerant of vanishing parents. */
function ancestry(system: TerminateSystem, pid: number): number[] {
	const chain: number[] = [];
	let current = pid;
	for (let step = 0; step < 128 && current > 1; step++) {
		try {
			current = system.readProcessStat(current).ppid;
		} catch {
			break;
		}
		if (current >= 1) chain.push(current);
	}
	return chain;
}

function safeCgroup(system: TerminateSystem, pid: number): CgroupFacts {
	try {
		return system.readCgroup(pid);
	} catch {
		return {};
	}
}

function safeNamespaceInit(
	system: TerminateSystem,
	pid: number,
): NamespaceInit | undefined {
	try {
		return system.readNamespaceInit(pid);
	} catch {
		return undefined;
	}
}

/**
 * What a namespace init's target should say beside its description. Through
 * a service manager or a container runtime that is what stops with it; for a
 * signal, what the kernel does with that signal to an init, which is what the
 * countdown after it means.
 */
function namespaceNotes(
	kind: TerminateTarget['kind'],
	init: NamespaceInit,
	owner: string | undefined,
	signal: NodeJS.Signals,
): string[] {
	if (kind !== 'process')
		return [`${init.pid} is the ${describeNamespaceInit(init, owner)}`];
	if (signal === 'SIGKILL') return [];
	const all = init.processes > 1 ? `, and then all ${processCount(init)} at once` : '';
	if (signal === 'SIGTERM') {
		return init.catchesTerm
			? []
			: [
					`${init.pid} has no SIGTERM handler, so the kernel drops SIGTERM sent to it: only SIGKILL stops it${all}`,
				];
	}
	return [
		`${init.pid} gets only the signals it has a handler for (the kernel drops the others to a namespace's init): ${signal} may do nothing`,
	];
}

/**
 * Plans freeing `port`: every holder of every socket on it, classified and
 * checked against the refusal rules. Reads the system; changes nothing.
 * Throws PermissionError when the port is held but portui cannot see by whom.
 */
export async function planTermination(
	port: number,
	options: {
		protocols?: Protocol[];
		/** Signal named in descriptions of plain-process targets (default SIGTERM). */
		signal?: NodeJS.Signals;
		system?: Partial<TerminateSystem>;
	} = {},
): Promise<TerminatePlan> {
	const system = await resolveSystem(options.system);
	const signal = options.signal ?? 'SIGTERM';
	const wanted = options.protocols ?? ['tcp', 'udp'];
	const snapshot = system.readListeners();
	const sockets = snapshot.listeners.filter(
		(listener) => listener.port === port && wanted.includes(listener.protocol),
	);
	const protocols = [...new Set(sockets.map((socket) => socket.protocol))];
	const hidden = sockets.filter((socket) => socket.processes.length === 0);
	if (sockets.length > 0 && hidden.length === sockets.length) {
		if (hidden.some((socket) => socket.processesHidden)) {
			throw new PermissionError(
				`cannot see which process holds port ${port}: needs root (run with sudo)`,
			);
		}
		throw new PortuiError(
			`no process holds port ${port} (a kernel socket): nothing to stop`,
		);
	}

	// pid → holder, merging the inodes of a process that holds several sockets (IPv4 + IPv6).
	const holders = new Map<number, PlannedHolder>();
	for (const socket of sockets) {
		for (const process of socket.processes) {
			const known = holders.get(process.pid);
			if (known) {
				if (!known.inodes.includes(socket.inode)) known.inodes.push(socket.inode);
				continue;
			}
			holders.set(process.pid, {
				pid: process.pid,
				startTicks: process.startTicks,
				name: process.name,
				command: process.command,
				user: process.user,
				inodes: [socket.inode],
			});
		}
	}

	const selfPid = system.selfPid;
	const ancestors = new Set<number>([
		...ancestry(system, selfPid),
		...system.sessionAncestors(),
	]);
	ancestors.delete(selfPid);
	const ownCgroup = safeCgroup(system, selfPid);
	const unitsAvailable =
		holders.size > 0 ? await system.units.available().catch(() => false) : false;

	type Draft = Omit<TerminateTarget, 'description'>;
	const drafts = new Map<string, Draft>();
	const add = (
		id: string,
		make: () => Omit<Draft, 'id' | 'holders'>,
		holder: PlannedHolder,
	) => {
		const existing = drafts.get(id);
		if (existing) existing.holders.push(holder);
		else drafts.set(id, {id, ...make(), holders: [holder]});
	};
	const inits = new Map<number, {init: NamespaceInit; owner?: string}>();
	const hard = (reason: string): Refusal => ({
		reason,
		confirmable: false,
		confirmPids: [],
	});

	for (const holder of [...holders.values()].sort((a, b) => a.pid - b.pid)) {
		const pid = holder.pid;
		let stat: ProcessStat | undefined;
		try {
			stat = system.readProcessStat(pid);
		} catch {
			stat = undefined;
		}
		if (pid === 1) {
			add(
				`pid:${pid}`,
				() => ({kind: 'process', refusal: hard('PID 1 (init) is never signalled')}),
				holder,
			);
			continue;
		}
		if (stat && isKernelThread(stat)) {
			add(
				`pid:${pid}`,
				() => ({kind: 'process', refusal: hard('kernel threads are never signalled')}),
				holder,
			);
			continue;
		}
		if (pid === selfPid || (stat && ancestry(system, pid).includes(selfPid))) {
			add(
				`pid:${pid}`,
				() => ({
					kind: 'process',
					refusal: hard('that is portui itself (or a process it started)'),
				}),
				holder,
			);
			continue;
		}
		if (holder.name === 'docker-proxy') {
			const found = await system.containers
				.resolveProxy?.(holder.command)
				.catch(() => undefined);
			if (found) {
				add(
					`container:${found.runtime}:${found.id}`,
					() => ({kind: 'container', container: {runtime: found.runtime, id: found.id}}),
					holder,
				);
			} else {
				add(
					`pid:${pid}`,
					() => ({
						kind: 'process',
						refusal: hard(
							"docker-proxy publishes a container's port for dockerd: stop that container (docker ps), not the proxy",
						),
					}),
					holder,
				);
			}
			continue;
		}
		const cgroup = safeCgroup(system, pid);
		const init = safeNamespaceInit(system, pid);
		if (init) inits.set(pid, {init, owner: namespaceOwner(cgroup)});
		// A container first: its processes can sit under a runtime's service unit too.
		const container = cgroup.container;
		if (container && container.id !== ownCgroup.container?.id) {
			if (container.runtime === 'docker' || container.runtime === 'podman') {
				const runtime = container.runtime;
				add(
					`container:${runtime}:${container.id}`,
					() => ({kind: 'container', container: {runtime, id: container.id}}),
					holder,
				);
			} else {
				add(
					`pid:${pid}`,
					() => ({
						kind: 'process',
						refusal: hard(
							`runs in a ${container.runtime} container that would restart it: stop it through ${container.runtime}`,
						),
					}),
					holder,
				);
			}
			continue;
		}
		if (unitsAvailable && isServiceUnit(cgroup)) {
			const unit = cgroup.unit;
			add(
				`unit:${unit}`,
				() => ({
					kind: 'unit',
					unit,
					refusal: ENGINE_UNITS.has(unit)
						? hard(`stopping ${unit} would stop every container on this machine`)
						: ownCgroup.unit === unit
							? hard(`portui runs inside ${unit}: stopping it would stop portui`)
							: undefined,
				}),
				holder,
			);
			continue;
		}
		add(`pid:${pid}`, () => ({kind: 'process'}), holder);
	}

	const targets: TerminateTarget[] = [];
	for (const draft of drafts.values()) {
		if (draft.refusal) {
			targets.push({...draft, description: describe(draft, signal)});
			continue;
		}
		const reasons: string[] = [];
		const confirmPids: number[] = [];
		const ancestorPids = draft.holders
			.map((holder) => holder.pid)
			.filter((pid) => ancestors.has(pid));
		if (ancestorPids.length > 0) {
			reasons.push(
				`${ancestorPids.join(', ')} serves this terminal session (an ancestor of portui): acting on it will drop the session`,
			);
			confirmPids.push(...ancestorPids);
		}
		const namespace = draft.holders
			.map((holder) => inits.get(holder.pid))
			.find((found) => found !== undefined);
		if (namespace) {
			const {init, owner} = namespace;
			draft.namespaceInit = init;
			const notes = namespaceNotes(draft.kind, init, owner, signal);
			if (notes.length > 0) draft.notes = notes;
			// Through a manager, stopping the whole container is what was asked for.
			if (draft.kind === 'process') {
				reasons.push(`${init.pid} is the ${describeNamespaceInit(init, owner)}`);
				if (!confirmPids.includes(init.pid)) confirmPids.push(init.pid);
			}
		}
		if (reasons.length > 0) {
			draft.refusal = {reason: reasons.join('; '), confirmable: true, confirmPids};
		}
		targets.push({...draft, description: describe(draft, signal)});
	}
	// Units and containers first: stopping them takes their processes along.
	const order = {unit: 0, container: 1, process: 2};
	targets.sort(
		(a, b) => order[a.kind] - order[b.kind] || a.holders[0]!.pid - b.holders[0]!.pid,
	);

	return {
		port,
		protocols: protocols.length > 0 ? protocols : wanted,
		sockets: sockets.map(({protocol, family, address, port, inode}) => ({
			protocol,
			family,
			address,
			port,
			inode,
		})),
		targets,
		hiddenSockets: hidden.length,
		plannedAtMs: system.now(),
	};
}

/** True when the target will be acted on given the pids the user typed. */
export function isTargetAllowed(
	target: TerminateTarget,
	confirmedPids: Iterable<number> = [],
): boolean {
	if (!target.refusal) return true;
	if (!target.refusal.confirmable) return false;
	const typed = new Set(confirmedPids);
	return target.refusal.confirmPids.every((pid) => typed.has(pid));
}

type Check = {ok: true} | {ok: false; message: string; gone: boolean};

/**
 * Right before a signal: is this still the process that held the socket? A
 * zombie counts as gone (it holds nothing and cannot be signalled away).
 */
function recheck(
	system: TerminateSystem,
	plan: TerminatePlan,
	holder: PlannedHolder,
): Check {
	const label = portLabel(plan.port, plan.protocols);
	const gone: Check = {
		ok: false,
		gone: true,
		message: new ProcessGoneError(
			`process ${holder.pid} is no longer the one that held ${label}; nothing was signalled`,
		).message,
	};
	let stat: ProcessStat;
	try {
		stat = system.readProcessStat(holder.pid);
	} catch (error: unknown) {
		if (error instanceof ProcessGoneError) return gone;
		return {ok: false, gone: false, message: errorMessage(error)};
	}
	if (stat.startTicks !== holder.startTicks || stat.state === 'Z' || stat.state === 'X')
		return gone;
	let inodes: Set<number>;
	try {
		inodes = system.socketInodesOf(holder.pid);
	} catch (error: unknown) {
		if (error instanceof ProcessGoneError) return gone;
		return {ok: false, gone: false, message: errorMessage(error)};
	}
	if (!holder.inodes.some((inode) => inodes.has(inode))) {
		return {
			ok: false,
			gone: false,
			message: `process ${holder.pid} no longer holds ${label}; nothing was signalled`,
		};
	}
	return {ok: true};
}

/** Alive = same process, not a zombie. */
function isAlive(system: TerminateSystem, holder: PlannedHolder): boolean {
	try {
		const stat = system.readProcessStat(holder.pid);
		return (
			stat.startTicks === holder.startTicks && stat.state !== 'Z' && stat.state !== 'X'
		);
	} catch {
		return false;
	}
}

function errorMessage(error: unknown): string {
	if (error instanceof Error) return error.message.split('\n')[0] ?? String(error);
	return String(error);
}

/** Maps a failed kill() to a typed error; ESRCH means it exited in between. */
function killError(error: unknown, pid: number): PortuiError {
	const code = (error as NodeJS.ErrnoException).code;
	if (code === 'EPERM' || code === 'EACCES') {
		return new PermissionError(
			`cannot signal process ${pid}: needs root: run with sudo`,
			{cause: error},
		);
	}
	if (code === 'ESRCH')
		return new ProcessGoneError(`process ${pid} exited before it was signalled`);
	return new PortuiError(`cannot signal process ${pid}: ${errorMessage(error)}`, {
		cause: error,
	});
}

async function sleep(ms: number, abortSignal: AbortSignal | undefined): Promise<void> {
	try {
		await delay(ms, undefined, {signal: abortSignal});
	} catch {
		// Aborted: the caller checks abortSignal.aborted.
	}
}

/**
 * Carries out a plan, yielding what it does. Ends with a `done` event (also
 * the generator's return value). Aborting stops before the next signal; a
 * signal already sent is reported, never undone.
 */
export async function* executeTermination(
	plan: TerminatePlan,
	options: ExecuteOptions = {},
): AsyncGenerator<TerminateEvent, TerminateResult> {
	const system = await resolveSystem(options.system);
	const signal = options.signal ?? 'SIGTERM';
	const timeoutMs = options.timeoutMs ?? 5000;
	const abortSignal = options.abortSignal;
	const confirmed = [...(options.confirmedPids ?? [])];
	const actions: TerminateAction[] = [];
	let signalled = false;
	let leftRunning = false;

	const act = (fields: Omit<TerminateAction, 'atMs' | 'port'>): TerminateEvent => {
		const action: TerminateAction = {atMs: system.now(), port: plan.port, ...fields};
		actions.push(action);
		system.record(action);
		return {type: 'action', action};
	};
	const about = (holder: PlannedHolder) => ({
		pid: holder.pid,
		startTicks: holder.startTicks,
		name: holder.name,
		command: holder.command,
		user: holder.user,
	});
	const finish = async function* (
		aborted: boolean,
	): AsyncGenerator<TerminateEvent, TerminateResult> {
		if (aborted) yield {type: 'aborted', signalled};
		// Waiting for the port only makes sense when something was stopped and nothing is known to hold on.
		const expectFree =
			!aborted && !leftRunning && actions.some((action) => action.outcome === 'done');
		const remaining = yield* verify(
			system,
			plan,
			expectFree ? (options.verifyTimeoutMs ?? 3000) : 0,
		);
		const result: TerminateResult = {
			port: plan.port,
			free: remaining.length === 0,
			remaining,
			actions,
			aborted,
		};
		yield {type: 'done', result};
		return result;
	};

	// Refused targets are reported first, so the log says what was left alone and why.
	for (const target of plan.targets) {
		if (isTargetAllowed(target, confirmed) || !target.refusal) continue;
		const kind: TerminateActionKind =
			target.kind === 'unit'
				? 'stop-unit'
				: target.kind === 'container'
					? 'stop-container'
					: 'signal';
		for (const holder of target.kind === 'process'
			? target.holders
			: target.holders.slice(0, 1)) {
			yield act({
				action: kind,
				outcome: 'refused',
				message: `${target.description}: ${target.refusal.reason}`,
				...(target.kind === 'process' ? {...about(holder), signal} : {}),
				unit: target.unit,
				container: target.container,
			});
		}
	}
	const allowed = plan.targets.filter((target) => isTargetAllowed(target, confirmed));

	const stillHolding = (
		target: TerminateTarget,
	): {holder?: PlannedHolder; message: string} => {
		let message = '';
		for (const holder of target.holders) {
			const check = recheck(system, plan, holder);
			if (check.ok) return {holder, message: ''};
			message ||= check.message;
		}
		return {message};
	};

	for (const target of allowed.filter((candidate) => candidate.kind !== 'process')) {
		if (abortSignal?.aborted) return yield* finish(true);
		const check = stillHolding(target);
		const kind = target.kind === 'unit' ? 'stop-unit' : 'stop-container';
		if (!check.holder) {
			yield act({
				action: kind,
				outcome: 'refused',
				message: `${target.description}: ${check.message}`,
				unit: target.unit,
				container: target.container,
			});
			continue;
		}
		try {
			if (target.kind === 'unit') await system.units.stop(target.unit!);
			else await system.containers.stop(target.container!.runtime, target.container!.id);
			signalled = true;
			yield act({
				action: kind,
				outcome: 'done',
				message: target.description,
				unit: target.unit,
				container: target.container,
			});
		} catch (error: unknown) {
			signalled = true;
			yield act({
				action: kind,
				outcome: 'failed',
				message: `${target.description}: ${errorMessage(error)}`,
				unit: target.unit,
				container: target.container,
			});
			continue;
		}
		if (target.kind === 'unit' && options.disableUnits) {
			if (!system.units.disable) {
				yield act({
					action: 'disable-unit',
					outcome: 'failed',
					message: `cannot disable ${target.unit}: not supported`,
					unit: target.unit,
				});
				continue;
			}
			try {
				await system.units.disable(target.unit!);
				yield act({
					action: 'disable-unit',
					outcome: 'done',
					message: `systemctl disable ${target.unit}`,
					unit: target.unit,
				});
			} catch (error: unknown) {
				yield act({
					action: 'disable-unit',
					outcome: 'failed',
					message: `systemctl disable ${target.unit}: ${errorMessage(error)}`,
					unit: target.unit,
				});
			}
		}
	}

	const sendTo = function* (
		holders: PlannedHolder[],
		sig: NodeJS.Signals,
	): Generator<TerminateEvent, PlannedHolder[]> {
		const sent: PlannedHolder[] = [];
		for (const holder of holders) {
			const check = recheck(system, plan, holder);
			if (!check.ok) {
				yield act({
					action: 'signal',
					outcome: 'refused',
					message: check.message,
					...about(holder),
					signal: sig,
				});
				continue;
			}
			try {
				system.kill(holder.pid, sig);
				signalled = true;
				sent.push(holder);
				yield act({
					action: 'signal',
					outcome: 'done',
					message: `sent ${sig} to ${holderLabel(holder)}`,
					...about(holder),
					signal: sig,
				});
			} catch (error: unknown) {
				const typed = killError(error, holder.pid);
				yield act({
					action: 'signal',
					outcome: typed instanceof ProcessGoneError ? 'refused' : 'failed',
					message: typed.message,
					...about(holder),
					signal: sig,
				});
			}
		}
		return sent;
	};

	const processes = allowed
		.filter((target) => target.kind === 'process')
		.flatMap((target) => target.holders);
	if (processes.length === 0) return yield* finish(false);
	if (abortSignal?.aborted) return yield* finish(true);

	let waiting = yield* sendTo(processes, signal);
	const waitFor = async function* (
		holders: PlannedHolder[],
		ms: number,
		countdown: boolean,
	): AsyncGenerator<TerminateEvent, PlannedHolder[]> {
		const deadline = system.now() + ms;
		let lastSecond = -1;
		let alive = holders.filter((holder) => isAlive(system, holder));
		while (alive.length > 0 && !abortSignal?.aborted) {
			const remainingMs = deadline - system.now();
			if (remainingMs <= 0) break;
			const second = Math.ceil(remainingMs / 1000);
			if (countdown && second !== lastSecond) {
				lastSecond = second;
				yield {
					type: 'countdown',
					pids: alive.map((holder) => holder.pid),
					remainingMs,
					timeoutMs: ms,
				};
			}
			await sleep(Math.min(POLL_MS, remainingMs), abortSignal);
			alive = alive.filter((holder) => isAlive(system, holder));
		}
		return alive;
	};
	waiting = yield* waitFor(
		waiting,
		signal === 'SIGKILL' ? KILL_WAIT_MS : timeoutMs,
		signal !== 'SIGKILL',
	);
	if (abortSignal?.aborted) return yield* finish(true);
	if (waiting.length > 0 && signal !== 'SIGKILL') {
		// Only those still holding the socket matter: one that closed it is draining, and the port is free.
		const holding = waiting.filter((holder) => recheck(system, plan, holder).ok);
		if (holding.length > 0) {
			const willKill =
				options.force === true ||
				(options.confirmKill ? await options.confirmKill(holding) : false);
			yield {type: 'survivors', pids: holding.map((holder) => holder.pid), willKill};
			leftRunning = !willKill;
			if (abortSignal?.aborted) return yield* finish(true);
			if (willKill) {
				const killed = yield* sendTo(holding, 'SIGKILL');
				yield* waitFor(killed, KILL_WAIT_MS, false);
			}
		}
	}
	return yield* finish(false);
}

function onPort(
	plan: TerminatePlan,
): (socket: {protocol: Protocol; port: number}) => boolean {
	return (socket) =>
		socket.port === plan.port && plan.protocols.includes(socket.protocol);
}

/**
 * Bounded poll until the sockets the plan's targets held are closed, then one
 * read of what is left on the port (another party, a respawned service). Polls
 * the kernel's socket list alone, which is cheap; holders are read once.
 */
async function* verify(
	system: TerminateSystem,
	plan: TerminatePlan,
	timeoutMs: number,
): AsyncGenerator<TerminateEvent, Listener[]> {
	yield {type: 'verifying', port: plan.port};
	const deadline = system.now() + timeoutMs;
	const matches = onPort(plan);
	const planned = new Set(
		plan.targets.flatMap((target) => target.holders.flatMap((holder) => holder.inodes)),
	);
	while (
		system.now() < deadline &&
		system.readSockets().some((socket) => matches(socket) && planned.has(socket.inode))
	) {
		await sleep(POLL_MS, undefined);
	}
	return system.readListeners().listeners.filter(matches);
}

/** Runs plan + execution to completion, collecting events (for scripts and tests). */
export async function terminatePort(
	port: number,
	options: ExecuteOptions & {
		protocols?: Protocol[];
		onEvent?: (event: TerminateEvent) => void;
	} = {},
): Promise<{plan: TerminatePlan; result: TerminateResult}> {
	const plan = await planTermination(port, options);
	const run = executeTermination(plan, options);
	for (;;) {
		const step = await run.next();
		if (step.done) return {plan, result: step.value};
		options.onEvent?.(step.value);
	}
}
