/**
 * One portui at a time per config: an exclusive flock held from before the
 * write step re-reads the file until its check is done. The lock is on the
 * file's directory, not on the file: a rewrite renames a new inode over the
 * name (and a rollback the old one back), so a lock on the file's inode
 * would not stay with the name; the directory stays. Two files in one
 * directory therefore share the lock, and this process counts its own holds
 * so that locking a second file there (or the writer locking again what its
 * caller locked) does not wait on itself.
 */
import path from 'node:path';
import {safeText} from '../../format/safe-text.js';
import {FileLockedError} from '../errors.js';
import {untouched} from './messages.js';
import {canonicalPath, openDirectory, type DirectoryHandle} from './directory.js';

export type FileLock = {release(): void};

type Held = {directory: DirectoryHandle; holds: number};
const held = new Map<string, Held>();

/** Default wait: a run that holds the lock writes, checks and restarts in a few seconds. */
export const LOCK_WAIT_MS = 10_000;

/** Waits up to waitMs for the exclusive lock on `file`; FileLockedError when it stays held. */
export function lockFile(file: string, options: {waitMs?: number} = {}): FileLock {
	const target = canonicalPath(file);
	let directory: DirectoryHandle;
	try {
		directory = openDirectory(path.dirname(target));
	} catch (error) {
		throw untouched(error, target, 'lock');
	}
	const key = `${directory.dev}:${directory.ino}`;
	let entry = held.get(key);
	if (entry) {
		directory.close();
		entry.holds++;
	} else {
		try {
			if (!directory.calls.lock(directory.fd, options.waitMs ?? LOCK_WAIT_MS)) {
				throw new FileLockedError(
					`${safeText(target)} is being changed by another portui run (it holds the lock on ${safeText(directory.path)}); nothing was written`,
				);
			}
		} catch (error) {
			directory.close();
			throw untouched(error, target, 'lock');
		}
		entry = {directory, holds: 1};
		held.set(key, entry);
	}
	const taken = entry;
	let released = false;
	return {
		release() {
			if (released) return;
			released = true;
			if (--taken.holds > 0) return;
			held.delete(key);
			// Closing the only descriptor of the open file description drops the flock.
			taken.directory.close();
		},
	};
}

/**
 * lockFile for async callers: waits without blocking the event loop (a
 * screen keeps drawing, a signal handler can run), trying every 50 ms.
 */
export async function lockFileWhenFree(
	file: string,
	options: {waitMs?: number} = {},
): Promise<FileLock> {
	const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
	for (;;) {
		try {
			return lockFile(file, {waitMs: 0});
		} catch (error) {
			if (!(error instanceof FileLockedError) || Date.now() >= deadline) throw error;
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
