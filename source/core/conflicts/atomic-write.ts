/**
 * Rewrites a config file so that it is always either the old or the new
 * version: the new text goes to a temp file in the same directory, is synced
 * and renamed over the original. The original inode itself becomes the
 * timestamped backup beside it (a hard link taken before the rename), so the
 * backup is the original byte for byte with its owner, mode and times, and a
 * rollback is one rename back.
 */
import {
	closeSync,
	copyFileSync,
	constants,
	fchmodSync,
	fchownSync,
	fsyncSync,
	linkSync,
	lstatSync,
	openSync,
	readFileSync,
	renameSync,
	statSync,
	unlinkSync,
	utimesSync,
	chownSync,
	chmodSync,
	writeSync,
	accessSync,
} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {PermissionError, PortuiError} from '../errors.js';
import {realFile} from './adapters/common.js';

export type AtomicWriteResult = {
	/** The file written (symlinks resolved). */
	file: string;
	/** The backup holding the original content, beside the file. */
	backup: string;
	inodeBefore: number;
	inodeAfter: number;
};

export type AtomicWriteOptions = {
	/** Clock for the backup's timestamp (tests). */
	now?: Date;
	/** Expected current content: refuse when the file changed since it was read. */
	expected?: string | Uint8Array;
	/** Start the backup's name with a dot (so an include glob such as `sites-enabled/*` skips it). */
	hiddenBackup?: boolean;
};

function stamp(date: Date): string {
	const pad = (value: number) => String(value).padStart(2, '0');
	return (
		`${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
		`T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
	);
}

/** `DIR/NAME.portui-YYYYmmddTHHMMSS.bak` (UTC), with `-N` added when that name is taken. */
export function backupPath(file: string, now = new Date(), hidden = false): string {
	const dir = path.dirname(file);
	const base = `${hidden ? '.' : ''}${path.basename(file)}.portui-${stamp(now)}`;
	for (let attempt = 0; ; attempt++) {
		const candidate = path.join(dir, `${base}${attempt === 0 ? '' : `-${attempt}`}.bak`);
		try {
			lstatSync(candidate);
		} catch {
			return candidate;
		}
	}
}

function code(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | undefined)?.code;
}

function permissionProblem(error: unknown, file: string, what: string): PortuiError {
	const errorCode = code(error);
	if (errorCode === 'EACCES' || errorCode === 'EPERM' || errorCode === 'EROFS') {
		const reason =
			errorCode === 'EROFS'
				? 'read-only file system'
				: errorCode === 'EPERM'
					? 'operation not permitted (immutable file or directory?)'
					: 'permission denied';
		return new PermissionError(
			`cannot ${what} ${file}: ${reason}; the original is untouched${
				errorCode === 'EACCES' && process.getuid?.() !== 0 ? ' (run with sudo)' : ''
			}`,
			{cause: error},
		);
	}
	return new PortuiError(`cannot ${what} ${file}: ${(error as Error).message}`, {
		cause: error,
	});
}

/** Throws a PermissionError when the file or its directory cannot be written (nothing is changed). */
export function assertWritable(file: string): void {
	const target = realFile(file);
	for (const [checked, what] of [
		[target, 'write'],
		[path.dirname(target), 'write in the directory of'],
	] as const) {
		try {
			accessSync(checked, constants.W_OK);
		} catch (error) {
			throw permissionProblem(error, target, what);
		}
	}
}

/**
 * Replaces the content of `file` atomically, keeping its owner, group and
 * mode, and leaves the original as a backup beside it. On any failure the
 * original is left in place, unchanged, and the error says so.
 */
export function writeFileAtomic(
	file: string,
	content: string | Uint8Array,
	options: AtomicWriteOptions = {},
): AtomicWriteResult {
	const target = realFile(file);
	const before = statSync(target);
	if (
		options.expected !== undefined &&
		!readFileSync(target).equals(Buffer.from(options.expected))
	) {
		throw new PortuiError(`${target} changed since it was read; nothing was written`);
	}
	assertWritable(target);
	const dir = path.dirname(target);
	const backup = backupPath(target, options.now ?? new Date(), options.hiddenBackup);
	try {
		linkSync(target, backup);
	} catch (error) {
		if (code(error) === 'EACCES' || code(error) === 'EPERM' || code(error) === 'EROFS') {
			throw permissionProblem(error, target, 'back up');
		}
		// A file system without hard links: copy instead, keeping what the link would keep.
		try {
			copyFileSync(target, backup, constants.COPYFILE_EXCL);
			chownSync(backup, before.uid, before.gid);
			chmodSync(backup, before.mode & 0o7777);
			utimesSync(backup, before.atime, before.mtime);
		} catch (copyError) {
			removeQuietly(backup);
			throw permissionProblem(copyError, target, 'back up');
		}
	}
	const temp = path.join(
		dir,
		`.${path.basename(target)}.portui-tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
	);
	try {
		const fd = openSync(temp, 'wx', before.mode & 0o7777);
		try {
			writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
			fchownSync(fd, before.uid, before.gid);
			// The umask narrowed the mode given to open: set it exactly.
			fchmodSync(fd, before.mode & 0o7777);
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		renameSync(temp, target);
	} catch (error) {
		removeQuietly(temp);
		removeQuietly(backup);
		throw permissionProblem(error, target, 'write');
	}
	syncDirectory(dir);
	return {
		file: target,
		backup,
		inodeBefore: before.ino,
		inodeAfter: statSync(target).ino,
	};
}

/** Puts the backup back in place of the file (one rename) after a failed check. */
export function restoreBackup(file: string, backup: string): void {
	const target = realFile(file);
	try {
		renameSync(backup, target);
	} catch (error) {
		throw new PortuiError(
			`could not restore ${target} from ${backup}: ${(error as Error).message}; restore it by hand`,
			{cause: error},
		);
	}
	syncDirectory(path.dirname(target));
}

function syncDirectory(dir: string): void {
	try {
		const fd = openSync(dir, 'r');
		try {
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
	} catch {
		// Some file systems refuse fsync on a directory; the rename is still atomic.
	}
}

function removeQuietly(file: string): void {
	try {
		unlinkSync(file);
	} catch {
		// Already gone.
	}
}
