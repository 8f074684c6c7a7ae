/**
 * Everything /proc says about one process, for the process screen and
 * `portui who`. A process can exit between any two reads: the stat read
 * decides whether it exists (ProcessGoneError), and every later part that
 * fails for lack of permission or because the process just left is null
 * rather than an exception, so one unreadable field never hides the rest.
 */
import {readFileSync, readdirSync, readlinkSync, statSync} from 'node:fs';
import {ProcessGoneError} from '../errors.js';
import {userName} from '../users.js';
import {
	CLOCK_TICKS_PER_SECOND,
	parseStatus,
	startedAtMs,
	type ProcessStat,
} from '../procfs.js';
import {isKernelThread, readProcessStat, type ProcessIdentity} from './identity.js';

/** How many open files `readProcessDetails` names by default (the count is always complete). */
export const DEFAULT_OPEN_FILES_SHOWN = 20;

export type OpenFiles = {
	/** Number of open file descriptors. */
	count: number;
	/** The first descriptors in fd order, with what they point at (`socket:[123]`, a path, `pipe:[…]`). */
	first: Array<{fd: number; target: string}>;
};

export type ProcessDetails = {
	pid: number;
	ppid: number;
	/** Short name of the parent (`comm`), null when the parent could not be read. */
	parentName: string | null;
	/** Effective uid and its name; null when /proc/PID/status could not be read. */
	uid: number | null;
	user: string | null;
	/** Short name (`comm`). */
	name: string;
	/** Arguments as the process sees them; empty for kernel threads, null when unreadable. */
	argv: string[] | null;
	/** Arguments joined by spaces (or `[name]` for kernel threads, as ps shows them). */
	command: string;
	/** Executable path, null when unreadable (other users' processes without root, kernel threads). */
	exe: string | null;
	/**
	 * True when the executable was deleted or replaced on disk since the process
	 * started (an upgrade the process has not picked up yet).
	 */
	exeDeleted: boolean;
	cwd: string | null;
	startTicks: number;
	startedAtMs: number;
	/** Start time as ISO-8601. */
	startedAt: string;
	uptimeSeconds: number;
	/** One-letter state and its meaning. */
	state: string;
	stateName: string;
	threads: number;
	/** Resident memory in bytes, null when unreadable. */
	rssBytes: number | null;
	/** User + system CPU time so far, in clock ticks. */
	cpuTicks: number;
	session: number;
	processGroup: number;
	/** Controlling terminal (`pts/3`, `tty1`), null when none. */
	tty: string | null;
	kernelThread: boolean;
	/** Null when the fd directory could not be read (another user's process without root). */
	openFiles: OpenFiles | null;
};

const STATE_NAMES: Record<string, string> = {
	R: 'running',
	S: 'sleeping',
	D: 'disk sleep',
	Z: 'zombie',
	T: 'stopped',
	t: 'tracing stop',
	X: 'dead',
	x: 'dead',
	I: 'idle',
	K: 'wakekill',
	W: 'waking',
	P: 'parked',
};

export function stateName(state: string): string {
	return STATE_NAMES[state] ?? 'unknown';
}

/** Reads a file, or null when it cannot be read for any reason. */
function readOrNull(path: string): string | null {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return null;
	}
}

function readlinkOrNull(path: string): string | null {
	try {
		return readlinkSync(path);
	} catch {
		return null;
	}
}

/** Splits /proc/PID/cmdline (NUL-separated, usually NUL-terminated) into arguments. */
export function parseCmdline(text: string): string[] {
	if (text === '') return [];
	const parts = text.split('\0');
	if (parts.at(-1) === '') parts.pop();
	// Processes that rewrite their title (nginx, postgres) leave one argument with spaces.
	return parts;
}

/**
 * Names a controlling terminal from its device number (`tty_nr` in stat):
 * pseudo-terminals (majors 136-143) are `pts/N`, major 4 is the virtual
 * consoles and serial ports.
 */
export function ttyName(ttyNumber: number): string | null {
	if (ttyNumber === 0) return null;
	const major = (ttyNumber >> 8) & 0xfff;
	const minor = (ttyNumber & 0xff) | ((ttyNumber >> 12) & 0xfff00);
	if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
	if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
	return `tty(${major}:${minor})`;
}

const DELETED_SUFFIX = ' (deleted)';

/**
 * Whether the running binary is gone from disk or no longer the file at its
 * path: /proc/PID/exe names `path (deleted)` once unlinked, and after an
 * in-place replacement (package upgrade: new file renamed over the old) the
 * path leads to a different inode than the one the process maps.
 */
export function exeStatus(
	pid: number,
	exeLink: string,
	procRoot = '/proc',
): {path: string; deleted: boolean} {
	if (exeLink.endsWith(DELETED_SUFFIX)) {
		return {path: exeLink.slice(0, -DELETED_SUFFIX.length), deleted: true};
	}
	try {
		const running = statSync(`${procRoot}/${pid}/exe`);
		const onDisk = statSync(exeLink);
		const replaced = running.ino !== onDisk.ino || running.dev !== onDisk.dev;
		return {path: exeLink, deleted: replaced};
	} catch {
		return {path: exeLink, deleted: false};
	}
}

/** Counts a process's file descriptors and names the first `limit` of them. */
export function readOpenFiles(
	pid: number,
	limit = DEFAULT_OPEN_FILES_SHOWN,
	procRoot = '/proc',
): OpenFiles | null {
	let names: string[];
	try {
		names = readdirSync(`${procRoot}/${pid}/fd`);
	} catch {
		return null;
	}
	const fds = names
		.map(Number)
		.filter((fd) => Number.isInteger(fd))
		.sort((a, b) => a - b);
	const first: OpenFiles['first'] = [];
	for (const fd of fds) {
		if (first.length >= limit) break;
		const target = readlinkOrNull(`${procRoot}/${pid}/fd/${fd}`);
		// An fd closed between readdir and readlink is simply not open any more.
		if (target !== null) first.push({fd, target});
	}
	return {count: fds.length, first};
}

export type DetailsOptions = {
	procRoot?: string;
	/** How many open files to name (0 skips naming them; the count is still read). */
	openFilesShown?: number;
	/** Identity to check: when the pid now belongs to another process, it is reported gone. */
	expectStartTicks?: number;
	now?: number;
};

/**
 * Reads everything about a process. Throws ProcessGoneError when it does not
 * exist, is a zombie, or its pid now belongs to a process that started at another time,
 * and PermissionError when even its stat is unreadable.
 */
export function readProcessDetails(
	pid: number,
	options: DetailsOptions = {},
): ProcessDetails {
	const procRoot = options.procRoot ?? '/proc';
	const stat = readProcessStat(pid, procRoot);
	if (
		options.expectStartTicks !== undefined &&
		stat.startTicks !== options.expectStartTicks
	) {
		throw new ProcessGoneError(
			`process ${pid} has exited (its pid now belongs to another process)`,
		);
	}
	// A zombie has exited: only its exit status waits for its parent to collect it.
	if (stat.state === 'Z' || stat.state === 'X') {
		throw new ProcessGoneError(`process ${pid} has exited`);
	}
	const base = `${procRoot}/${pid}`;
	const kernelThread = isKernelThread(stat);
	const statusText = readOrNull(`${base}/status`);
	const status = statusText === null ? null : parseStatus(statusText);
	const uid = status?.uid;
	const cmdline = readOrNull(`${base}/cmdline`);
	const argv = cmdline === null ? null : parseCmdline(cmdline);
	const exeLink = kernelThread ? null : readlinkOrNull(`${base}/exe`);
	const exe = exeLink === null ? null : exeStatus(pid, exeLink, procRoot);
	let parentName: string | null = null;
	if (stat.ppid > 0) {
		try {
			parentName = readProcessStat(stat.ppid, procRoot).name;
		} catch {
			parentName = null;
		}
	}
	const started = startedAtMs(stat.startTicks, procRoot);
	const now = options.now ?? Date.now();
	const details: ProcessDetails = {
		pid,
		ppid: stat.ppid,
		parentName,
		uid: uid ?? null,
		user: uid === undefined ? null : userName(uid),
		name: stat.name,
		argv,
		command:
			argv && argv.length > 0
				? argv.join(' ')
				: kernelThread
					? `[${stat.name}]`
					: stat.name,
		exe: exe?.path ?? null,
		exeDeleted: exe?.deleted ?? false,
		cwd: kernelThread ? null : readlinkOrNull(`${base}/cwd`),
		startTicks: stat.startTicks,
		startedAtMs: started,
		startedAt: new Date(started).toISOString(),
		uptimeSeconds: Math.max(0, Math.round((now - started) / 1000)),
		state: stat.state,
		stateName: stateName(stat.state),
		threads: stat.threads,
		rssBytes: status === null ? null : (status.rssBytes ?? 0),
		cpuTicks: stat.userTicks + stat.systemTicks,
		session: stat.session,
		processGroup: stat.processGroup,
		tty: ttyName(stat.ttyNumber),
		kernelThread,
		openFiles: readOpenFiles(
			pid,
			options.openFilesShown ?? DEFAULT_OPEN_FILES_SHOWN,
			procRoot,
		),
	};
	// The process may have exited (and the pid been reused) while the parts were read.
	const after = readProcessStat(pid, procRoot);
	if (after.startTicks !== stat.startTicks) {
		throw new ProcessGoneError(`process ${pid} has exited`);
	}
	return details;
}

/** One reading of a process's CPU time, for `sampleCpu`. */
export type CpuSample = ProcessIdentity & {cpuTicks: number; atMs: number};

/** Reads a process's CPU time now. Throws ProcessGoneError when it has exited. */
export function readCpuSample(pid: number, procRoot = '/proc'): CpuSample {
	const stat: ProcessStat = readProcessStat(pid, procRoot);
	return {
		pid,
		startTicks: stat.startTicks,
		cpuTicks: stat.userTicks + stat.systemTicks,
		atMs: Date.now(),
	};
}

/**
 * CPU use between two samples of the same process, in percent of one core (as
 * top shows it: a busy two-thread process reads 200). Undefined when the
 * samples are of different processes or no time passed.
 */
export function sampleCpu(previous: CpuSample, next: CpuSample): number | undefined {
	if (previous.pid !== next.pid || previous.startTicks !== next.startTicks)
		return undefined;
	const elapsedMs = next.atMs - previous.atMs;
	if (elapsedMs <= 0) return undefined;
	const cpuMs = ((next.cpuTicks - previous.cpuTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
	return Math.max(0, (cpuMs / elapsedMs) * 100);
}
