/**
 * Who a process is: the (pid, start time) pair that identifies one process
 * for its whole life, and whether it is a kernel thread. A pid alone is not an
 * identity: pids are reused, so every cache and every signal checks the start
 * time too.
 */
import {ProcessGoneError} from '../errors.js';
import {parseStat, readProcFile, type ProcessStat} from '../procfs.js';

/** PF_KTHREAD in stat's `flags` field: set by the kernel on its own threads, and only there. */
const PF_KTHREAD = 0x00200000;

/** The identity of one process: a pid is reused, a (pid, start time) pair is not. */
export type ProcessIdentity = {pid: number; startTicks: number};

/**
 * Reads /proc/PID/stat. Throws ProcessGoneError when the process no longer
 * exists and PermissionError when it cannot be read (hidepid mounts).
 */
export function readProcessStat(pid: number, procRoot = '/proc'): ProcessStat {
	const stat = parseStat(readProcFile(pid, 'stat', procRoot));
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

/**
 * Kernel threads have no command line, no fds to speak of, and must never be
 * signalled. The kernel's flag is the only sign: in a PID namespace (a
 * container, where portui may run too), pid 2 and its children are ordinary
 * processes.
 */
export function isKernelThread(stat: Pick<ProcessStat, 'flags'>): boolean {
	return (stat.flags & PF_KTHREAD) !== 0;
}
