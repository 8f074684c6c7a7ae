/**
 * Who a process is: /proc/PID/stat parsed, and the (pid, start time) pair that
 * identifies one process for its whole life. A pid alone is not an identity:
 * pids are reused, so every cache and every signal checks the start time too.
 */
import {readFileSync} from 'node:fs';
import {ProcessGoneError, PermissionError} from '../errors.js';

/**
 * USER_HZ, the unit of the times in /proc/PID/stat. It is 100 on every Linux
 * architecture Node runs on (the kernel fixes it for userspace, whatever its
 * internal HZ), and Node cannot call sysconf(_SC_CLK_TCK).
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** PF_KTHREAD in the `flags` field: the process is a kernel thread. */
const PF_KTHREAD = 0x00200000;

export type ProcessStat = {
	pid: number;
	/** `comm`: the short name, up to 15 characters, may contain spaces and parentheses. */
	name: string;
	/** One-letter state: R running, S sleeping, D disk sleep, Z zombie, T stopped… */
	state: string;
	ppid: number;
	processGroup: number;
	session: number;
	/** Controlling terminal as a device number; 0 when none. */
	ttyNumber: number;
	flags: number;
	/** User and system CPU time in clock ticks. */
	userTicks: number;
	systemTicks: number;
	threads: number;
	/** Start time in clock ticks after boot: with the pid, the process's identity. */
	startTicks: number;
	virtualBytes: number;
	/** Resident set size in pages. */
	residentPages: number;
};

/** The identity of one process: a pid is reused, a (pid, start time) pair is not. */
export type ProcessIdentity = {pid: number; startTicks: number};

/**
 * Parses the text of /proc/PID/stat. The name sits in parentheses and may itself
 * contain spaces and `)`, so the fields are counted from the last `)`.
 * Returns undefined for text that is not a stat line.
 */
export function parseStat(text: string): ProcessStat | undefined {
	const open = text.indexOf('(');
	const close = text.lastIndexOf(')');
	if (open < 1 || close < open) return undefined;
	const pid = Number(text.slice(0, open).trim());
	const fields = text
		.slice(close + 2)
		.trim()
		.split(' ');
	// fields[0] is field 3 (state) of proc(5).
	if (!Number.isInteger(pid) || fields.length < 22) return undefined;
	const field = (number: number) => Number(fields[number - 3]);
	const stat: ProcessStat = {
		pid,
		name: text.slice(open + 1, close),
		state: fields[0] ?? '?',
		ppid: field(4),
		processGroup: field(5),
		session: field(6),
		ttyNumber: field(7),
		flags: field(9),
		userTicks: field(14),
		systemTicks: field(15),
		threads: field(20),
		startTicks: field(22),
		virtualBytes: field(23),
		residentPages: field(24),
	};
	if (!Number.isFinite(stat.startTicks) || !Number.isFinite(stat.ppid)) return undefined;
	return stat;
}

/**
 * Reads /proc/PID/stat. Throws ProcessGoneError when the process no longer
 * exists and PermissionError when it cannot be read (hidepid mounts).
 */
export function readProcessStat(pid: number, procRoot = '/proc'): ProcessStat {
	let text: string;
	try {
		text = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
	} catch (error: unknown) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ESRCH') {
			throw new ProcessGoneError(`process ${pid} has exited`, {cause: error});
		}
		if (code === 'EACCES' || code === 'EPERM') {
			throw new PermissionError(
				`cannot read process ${pid}: needs root (run with sudo)`,
				{
					cause: error,
				},
			);
		}
		throw error;
	}
	const stat = parseStat(text);
	if (!stat) throw new ProcessGoneError(`process ${pid}: unreadable /proc/${pid}/stat`);
	return stat;
}

/** The identity of a live process; throws ProcessGoneError if it has exited. */
export function readIdentity(pid: number, procRoot = '/proc'): ProcessIdentity {
	const stat = readProcessStat(pid, procRoot);
	return {pid, startTicks: stat.startTicks};
}

/** True while the process with this identity is still alive (same pid, same start time). */
export function isSameProcess(identity: ProcessIdentity, procRoot = '/proc'): boolean {
	try {
		return readProcessStat(identity.pid, procRoot).startTicks === identity.startTicks;
	} catch (error: unknown) {
		if (error instanceof ProcessGoneError) return false;
		throw error;
	}
}

/** Kernel threads have no command line, no fds to speak of, and must never be signalled. */
export function isKernelThread(
	stat: Pick<ProcessStat, 'flags' | 'pid' | 'ppid'>,
): boolean {
	return (stat.flags & PF_KTHREAD) !== 0 || stat.pid === 2 || stat.ppid === 2;
}

let bootTimeMsCache: number | undefined;

/** System boot time in ms since the epoch (`btime` in /proc/stat). */
export function bootTimeMs(procRoot = '/proc'): number {
	if (bootTimeMsCache !== undefined && procRoot === '/proc') return bootTimeMsCache;
	const text = readFileSync(`${procRoot}/stat`, 'utf8');
	const match = /^btime (\d+)$/m.exec(text);
	if (!match) throw new Error(`no btime in ${procRoot}/stat`);
	const value = Number(match[1]) * 1000;
	if (procRoot === '/proc') bootTimeMsCache = value;
	return value;
}

/** When a process started, in ms since the epoch, from its start time in clock ticks. */
export function startedAtMs(startTicks: number, procRoot = '/proc'): number {
	return bootTimeMs(procRoot) + (startTicks * 1000) / CLOCK_TICKS_PER_SECOND;
}
