/**
 * A process's place in the process tree: the chain of parents up to PID 1 (who
 * started it, which is often who will restart it) and its direct children
 * (pre-fork workers that share its sockets).
 */
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {readProcessStat} from './identity.js';

export type ProcessLink = {pid: number; name: string};

/** Longer than any real tree; stops a loop should /proc ever report one. */
const MAX_DEPTH = 256;

/**
 * The ancestors of a process, from PID 1 (or the topmost readable ancestor)
 * down to its parent; the process itself is not included. Throws
 * ProcessGoneError when the process itself is gone; an ancestor that exits
 * while the chain is read ends the chain there.
 */
export function readAncestry(pid: number, procRoot = '/proc'): ProcessLink[] {
	const chain: ProcessLink[] = [];
	let ppid = readProcessStat(pid, procRoot).ppid;
	const seen = new Set<number>([pid]);
	while (ppid > 0 && !seen.has(ppid) && chain.length < MAX_DEPTH) {
		seen.add(ppid);
		try {
			const stat = readProcessStat(ppid, procRoot);
			chain.push({pid: ppid, name: stat.name});
			ppid = stat.ppid;
		} catch {
			break;
		}
	}
	return chain.reverse();
}

/** The pids of every ancestor of a process (for "is this my own session?" checks). */
export function ancestorPids(pid: number, procRoot = '/proc'): Set<number> {
	return new Set(readAncestry(pid, procRoot).map((link) => link.pid));
}

/**
 * Direct children of a process, lowest pid first. Uses the kernel's
 * per-thread `children` lists when present (CONFIG_PROC_CHILDREN) and falls
 * back to reading every process's parent otherwise.
 */
export function readChildren(pid: number, procRoot = '/proc'): ProcessLink[] {
	let pids = childrenFromTasks(pid, procRoot);
	if (pids === undefined) pids = childrenFromScan(pid, procRoot);
	const children: ProcessLink[] = [];
	for (const child of [...pids].sort((a, b) => a - b)) {
		try {
			children.push({pid: child, name: readProcessStat(child, procRoot).name});
		} catch {
			// Exited since it was listed.
		}
	}
	return children;
}

function childrenFromTasks(pid: number, procRoot: string): Set<number> | undefined {
	// The main thread's file is missing only when the kernel lacks CONFIG_PROC_CHILDREN.
	if (!existsSync(`${procRoot}/${pid}/task/${pid}/children`)) return undefined;
	let tasks: string[];
	try {
		tasks = readdirSync(`${procRoot}/${pid}/task`);
	} catch {
		return undefined;
	}
	const pids = new Set<number>();
	for (const task of tasks) {
		let text: string;
		try {
			text = readFileSync(`${procRoot}/${pid}/task/${task}/children`, 'utf8');
		} catch {
			continue; // The thread ended since it was listed.
		}
		for (const word of text.split(' ')) {
			const child = Number(word);
			if (word.trim() !== '' && Number.isInteger(child)) pids.add(child);
		}
	}
	return pids;
}

function childrenFromScan(pid: number, procRoot: string): Set<number> {
	const pids = new Set<number>();
	let entries: string[];
	try {
		entries = readdirSync(procRoot);
	} catch {
		return pids;
	}
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			if (readProcessStat(Number(entry), procRoot).ppid === pid) pids.add(Number(entry));
		} catch {
			// Exited or unreadable: not a child we can name.
		}
	}
	return pids;
}
