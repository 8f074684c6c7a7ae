/**
 * The init of a PID namespace: a container's PID 1, seen from outside it.
 * Stopping it stops everything in its namespace (the kernel SIGKILLs the rest
 * when it dies), and it receives only the signals it has a handler for, bar
 * SIGKILL: SIGTERM to an init without a handler is dropped. So an operator is
 * told both before portui acts on one.
 */
import {readdirSync, readlinkSync} from 'node:fs';
import {hasSignal, parseStatus, readProcFile} from '../procfs.js';

const SIGTERM = 15;

export type NamespaceInit = {
	pid: number;
	/** Processes in its PID namespace, itself included: all of them stop with it. */
	processes: number;
	/** True when some processes could not be read (no root): `processes` is then a lower bound. */
	countIncomplete: boolean;
	/** Whether it has a SIGTERM handler; without one the kernel drops SIGTERM sent to it. */
	catchesTerm: boolean;
};

/** Whether `NSpid:` (from the status of a process) says it is pid 1 of a namespace nested below this /proc's. */
export function isNamespaceInitPids(nsPids: readonly number[]): boolean {
	return nsPids.length > 1 && nsPids.at(-1) === 1;
}

function pidNamespaceLink(pid: number, procRoot: string): string {
	return readlinkSync(`${procRoot}/${pid}/ns/pid`);
}

/**
 * Whether a process whose namespace link cannot be read may be in a namespace
 * `depth` levels below this /proc's: only one with at least as many NSpid
 * entries can (a process never moves to another PID namespace, and the
 * machine's own PID 1 is often unreadable even to root).
 */
function mayBeMember(pid: string, depth: number, procRoot: string): boolean {
	try {
		return (
			parseStatus(readProcFile(Number(pid), 'status', procRoot)).nsPids.length >= depth
		);
	} catch {
		return false;
	}
}

/** Counts the processes whose /proc/PID/ns/pid is `namespace`, `depth` levels below this /proc's. */
function countMembers(
	namespace: string,
	depth: number,
	procRoot: string,
): {processes: number; incomplete: boolean} {
	let processes = 0;
	let incomplete = false;
	for (const name of readdirSync(procRoot)) {
		if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
		try {
			if (readlinkSync(`${procRoot}/${name}/ns/pid`) === namespace) processes++;
		} catch (error: unknown) {
			const code = (error as NodeJS.ErrnoException).code;
			// Another user's process (ptrace rules); ENOENT is one that just left.
			if ((code === 'EACCES' || code === 'EPERM') && mayBeMember(name, depth, procRoot))
				incomplete = true;
		}
	}
	return {processes, incomplete};
}

/**
 * The namespace facts of `pid` when it is the init of a PID namespace below
 * this /proc's (a container's PID 1); undefined for any other process, for
 * this /proc's own PID 1 (which has rules of its own) and when its status
 * cannot be read (it has exited).
 */
export function readNamespaceInit(
	pid: number,
	procRoot = '/proc',
): NamespaceInit | undefined {
	let status;
	try {
		status = parseStatus(readProcFile(pid, 'status', procRoot));
	} catch {
		return undefined;
	}
	if (!isNamespaceInitPids(status.nsPids)) return undefined;
	let count = {processes: 1, incomplete: true};
	try {
		count = countMembers(pidNamespaceLink(pid, procRoot), status.nsPids.length, procRoot);
	} catch {
		// Its namespace link is unreadable (not root): it is at least itself.
	}
	return {
		pid,
		processes: Math.max(1, count.processes),
		countIncomplete: count.incomplete,
		catchesTerm: hasSignal(status.caughtSignals, SIGTERM),
	};
}

/**
 * Unescapes systemd's `\x2d` in unit names (`machine-my\x2dbox.scope`). Only
 * into printable ASCII: a cgroup name is anyone's who may create one, and an
 * escape must not turn into a control character here.
 */
function unescapeUnit(name: string): string {
	return name.replace(/\\x([0-9a-f]{2})/gi, (escape, hex: string) => {
		const code = Number.parseInt(hex, 16);
		return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : escape;
	});
}

/**
 * Who the namespace belongs to, from its init's cgroup: a container engine's
 * container, or a systemd-nspawn machine (`machine-NAME.scope`). Undefined
 * when the cgroup names neither.
 */
export function namespaceOwner(cgroup: {
	container?: {runtime: string; id: string};
	scope?: string;
}): string | undefined {
	if (cgroup.container) {
		const {runtime, id} = cgroup.container;
		return `${runtime} container ${/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id}`;
	}
	const machine = /^machine-(.+)\.scope$/.exec(cgroup.scope ?? '');
	return machine ? `systemd-nspawn machine ${unescapeUnit(machine[1]!)}` : undefined;
}

/** "3 processes", "at least 3 processes". */
export function processCount(init: NamespaceInit): string {
	const count = `${init.processes} process${init.processes === 1 ? '' : 'es'}`;
	return init.countIncomplete ? `at least ${count}` : count;
}

/** "init of a PID namespace: 3 processes stop with it", naming its container when known. */
export function describeNamespaceInit(init: NamespaceInit, owner?: string): string {
	const what = owner
		? `init of the PID namespace of ${owner}`
		: 'init of a PID namespace';
	if (init.processes === 1 && !init.countIncomplete)
		return `${what}: nothing else runs in it`;
	return `${what}: ${processCount(init)} stop${init.processes === 1 ? 's' : ''} with it`;
}
