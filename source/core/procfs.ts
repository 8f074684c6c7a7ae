/**
 * The text formats of /proc that portui reads about processes: a process's
 * `stat` and `status` files, and the boot time in `/proc/stat`. Parsing and
 * reading only; what the fields mean for a process's identity, its sockets or
 * its namespace is up to the modules above (processes/, sockets/).
 */
import {readFileSync} from 'node:fs';
import {PermissionError, ProcessGoneError} from './errors.js';

/**
 * USER_HZ, the unit of the times in /proc/PID/stat. It is 100 on every Linux
 * architecture Node runs on (the kernel fixes it for userspace, whatever its
 * internal HZ), and Node cannot call sysconf(_SC_CLK_TCK).
 */
export const CLOCK_TICKS_PER_SECOND = 100;

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

/** What portui reads from /proc/PID/status. */
export type ProcessStatus = {
	/** Effective uid (the second `Uid:` field), undefined when absent. */
	uid: number | undefined;
	/** VmRSS in bytes; undefined for kernel threads and zombies. */
	rssBytes: number | undefined;
	/**
	 * `NSpid:` the process's pid in each PID namespace it is in, from the one
	 * this /proc belongs to down to its own. One entry outside any nested namespace.
	 */
	nsPids: number[];
	/** `SigCgt:` and `SigIgn:`, the signals it has a handler for and ignores (bit N-1 is signal N). */
	caughtSignals: bigint;
	ignoredSignals: bigint;
};

function statusLine(text: string, key: string): string | undefined {
	const prefix = `${key}:`;
	let start = 0;
	if (!text.startsWith(prefix)) {
		const at = text.indexOf(`\n${prefix}`);
		if (at < 0) return undefined;
		start = at + 1;
	}
	const end = text.indexOf('\n', start);
	return text.slice(start + prefix.length, end < 0 ? undefined : end).trim();
}

function signalMask(value: string | undefined): bigint {
	return value && /^[0-9a-f]+$/i.test(value) ? BigInt(`0x${value}`) : 0n;
}

/**
 * The effective uid from the text of /proc/PID/status: the one field the
 * socket owner walk needs, read without parsing the rest (it runs for every
 * holder of a cold `portui list`).
 */
export function statusUid(text: string): number | undefined {
	const match = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
	return match ? Number(match[1]) : undefined;
}

/** Parses the text of /proc/PID/status (the fields portui uses). */
export function parseStatus(text: string): ProcessStatus {
	const rss = /^(\d+)\s+kB$/.exec(statusLine(text, 'VmRSS') ?? '');
	const nsPids = (statusLine(text, 'NSpid') ?? '')
		.split(/\s+/)
		.filter((value) => /^\d+$/.test(value))
		.map(Number);
	return {
		uid: statusUid(text),
		rssBytes: rss ? Number(rss[1]) * 1024 : undefined,
		nsPids,
		caughtSignals: signalMask(statusLine(text, 'SigCgt')),
		ignoredSignals: signalMask(statusLine(text, 'SigIgn')),
	};
}

/** Whether signal number `signal` is set in a `SigCgt:`/`SigIgn:` mask. */
export function hasSignal(mask: bigint, signal: number): boolean {
	return ((mask >> BigInt(signal - 1)) & 1n) === 1n;
}

/**
 * Reads /proc/PID/NAME. Throws ProcessGoneError when the process no longer
 * exists and PermissionError when it cannot be read (hidepid mounts, another
 * user's process for the files ptrace guards).
 */
export function readProcFile(pid: number, name: string, procRoot = '/proc'): string {
	try {
		return readFileSync(`${procRoot}/${pid}/${name}`, 'utf8');
	} catch (error: unknown) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ESRCH') {
			throw new ProcessGoneError(`process ${pid} has exited`, {cause: error});
		}
		if (code === 'EACCES' || code === 'EPERM') {
			throw new PermissionError(
				`cannot read process ${pid}: needs root (run with sudo)`,
				{cause: error},
			);
		}
		throw error;
	}
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
