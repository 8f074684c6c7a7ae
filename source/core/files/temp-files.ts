/**
 * Names of portui's own temp files, and removing the ones a killed run left.
 * Where the kernel has O_TMPFILE the new content has no name until it is
 * complete and a rename away from its place, so a killed run leaves nothing;
 * elsewhere (Node alone, or a file system without it) the temp file is named
 * `.NAME.portui-tmp-PID-START-RANDOM`, PID and START (the process's start
 * time in clock ticks, from /proc/PID/stat) saying whose it is. A later run
 * removes those whose process is gone, and nothing else. Runs in another PID
 * namespace sharing the directory are not told apart.
 */
import {randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import process from 'node:process';
import type {DirectoryHandle} from './directory.js';

/** Field 22 of /proc/PID/stat, or undefined when there is no such process. */
export function processStartTime(pid: number): string | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) may hold spaces and parentheses: count after the last ')'.
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
	} catch {
		return undefined;
	}
}

let ownStart: string | undefined;

export function tempName(base: string): string {
	ownStart ??= processStartTime(process.pid) ?? '0';
	return `.${base}.portui-tmp-${process.pid}-${ownStart}-${randomBytes(4).toString('hex')}`;
}

/** Earlier releases named temp files `.NAME.portui-tmp-PID-RANDOM`, without the start time. */
const TEMP = /^\..+\.portui-tmp-(\d+)-(?:(\d+)-)?[a-z0-9]+$/;

function alive(pid: number, start: string | undefined): boolean {
	const now = processStartTime(pid);
	if (now === undefined) return false;
	// Without a start time a live pid may be a reused one: keep the file.
	return start === undefined || now === start;
}

/** Removes the regular files in `directory` that are temp files of portui runs that are gone. */
export function removeStaleTemps(directory: DirectoryHandle): void {
	const {calls, fd} = directory;
	let names: string[];
	try {
		names = calls.list(fd);
	} catch {
		return;
	}
	for (const name of names) {
		const match = TEMP.exec(name);
		if (!match || alive(Number(match[1]), match[2])) continue;
		try {
			if ((calls.stat(fd, name).mode & 0o170000) === 0o100000) calls.unlink(fd, name);
		} catch {
			// Gone already, or not ours to remove: leave it.
		}
	}
}
