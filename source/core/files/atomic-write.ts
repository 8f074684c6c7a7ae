/**
 * Rewrites a config so that it is always either the old or the new version,
 * all of it, and leaves the old one as a timestamped backup beside it.
 *
 * portui runs as root in directories other users may control, so nothing
 * here follows a name twice: the directory is opened once (directory.ts) and
 * every name resolved inside it; every file portui creates is created with
 * O_EXCL|O_NOFOLLOW (or has no name at all, O_TMPFILE) and then adjusted only
 * through its descriptor (fchown, fchmod, futimes, fsetxattr). Bytes in,
 * bytes compared: a config is never decoded.
 *
 * A file with one name: the new content goes to a new inode in the same
 * directory, written until every byte is out, given the owner, xattrs and
 * mode, synced; the original inode becomes the backup (a hard link, else a
 * copy); a rename puts the new inode in place and the directory is synced.
 * A file with more hard links is rewritten in place, through its own inode,
 * so all its names keep showing one file: a copy is the backup, made first,
 * and on any error the old bytes are written back.
 */
import {
	accessSync,
	closeSync,
	constants,
	fchmodSync,
	fchownSync,
	fstatSync,
	fsyncSync,
	ftruncateSync,
	futimesSync,
	readSync,
	writeSync,
	type Stats,
} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {safeText} from '../../format/safe-text.js';
import {FileChangedError, PermissionError, PortuiError} from '../errors.js';
import {errorCode, isRoot, reason, untouched} from './messages.js';
import {groupName, userName} from '../users.js';
import {FS_APPEND_FL, FS_IMMUTABLE_FL, type FileCalls} from './calls.js';
import {canonicalPath, openDirectory, type DirectoryHandle} from './directory.js';
import {lockFile} from './lock.js';
import {removeStaleTemps, tempName} from './temp-files.js';
import {copyXattrs, readXattrs, type XattrSet} from './xattrs.js';

export type AtomicWriteResult = {
	/** The file written (symlinks resolved). */
	file: string;
	/** The backup holding the original content, beside the file. */
	backup: string;
	inodeBefore: number;
	inodeAfter: number;
	/** The inode of the backup, so a rollback can tell it was not swapped. */
	backupInode: number;
	/** The original inode itself (a hard link) or a copy of it. */
	backupKind: 'link' | 'copy';
	/** Rewritten through its own inode, because it has other hard links. */
	inPlace: boolean;
	/** Extended attributes the new file could not be given (the preview named them). */
	lostXattrs: string[];
};

export type AtomicWriteOptions = {
	/** Clock for the backup's timestamp (tests). */
	now?: Date;
	/** The bytes the preview showed: refuse when the file holds others now. */
	expected?: Uint8Array;
	/** Start the backup's name with a dot (so an include glob such as `sites-enabled/*` skips it). */
	hiddenBackup?: boolean;
	/**
	 * Called with the backup's path once it holds the original and before the
	 * file is changed: where the audit log's "begun" entry is written, so the
	 * log names the real backup before anything it announces happens.
	 */
	onBackup?: (backup: string) => void;
};

function stamp(date: Date): string {
	const pad = (value: number) => String(value).padStart(2, '0');
	return (
		`${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
		`T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
	);
}

function backupName(base: string, now: Date, hidden: boolean, attempt: number): string {
	return `${hidden ? '.' : ''}${base}.portui-${stamp(now)}${attempt === 0 ? '' : `-${attempt}`}.bak`;
}

/**
 * `DIR/NAME.portui-YYYYmmddTHHMMSS.bak` (UTC): the name a backup made now
 * gets when it is free. The writer claims it with O_EXCL and takes `-1`,
 * `-2`… when it is taken.
 */
export function backupPath(file: string, now = new Date(), hidden = false): string {
	return path.join(path.dirname(file), backupName(path.basename(file), now, hidden, 0));
}

/** Runs `step`, turning what it throws into the one-line message for `what`. */
function step<T>(target: string, what: string, body: () => T): T {
	try {
		return body();
	} catch (error) {
		throw untouched(error, target, what);
	}
}

function readAll(fd: number): Buffer {
	const chunks: Buffer[] = [];
	for (;;) {
		const chunk = Buffer.allocUnsafe(65_536);
		const got = readSync(fd, chunk, 0, chunk.length, null);
		if (got === 0) return Buffer.concat(chunks);
		chunks.push(chunk.subarray(0, got));
	}
}

/** Writes every byte (a nearly full disk takes a part and then fails). */
function writeAll(fd: number, data: Uint8Array, position?: number): void {
	for (let offset = 0; offset < data.length;) {
		const wrote = writeSync(
			fd,
			data,
			offset,
			data.length - offset,
			position === undefined ? null : position + offset,
		);
		if (wrote <= 0) throw Object.assign(new Error('short write'), {code: 'EIO'});
		offset += wrote;
	}
}

function syncDirectory(fd: number): void {
	try {
		fsyncSync(fd);
	} catch {
		// Some file systems refuse fsync on a directory; the rename is still atomic.
	}
}

/** Removes NAME when it is still the inode this run made there. */
function removeOwn(directory: DirectoryHandle, name: string, ino: number): void {
	try {
		if (directory.calls.stat(directory.fd, name).ino === ino) {
			directory.calls.unlink(directory.fd, name);
		}
	} catch {
		// Gone already.
	}
}

/** Refuses, before anything is created, a file chattr made unchangeable. */
function refuseUnchangeable(
	calls: FileCalls,
	file: {fd: number; path: string},
	directory: DirectoryHandle,
): void {
	const fileFlags = calls.inodeFlags(file.fd, file.path) ?? 0;
	const directoryFlags = calls.inodeFlags(directory.fd, directory.path) ?? 0;
	const why =
		fileFlags & FS_IMMUTABLE_FL
			? 'the file is immutable: chattr +i, undone with chattr -i'
			: fileFlags & FS_APPEND_FL
				? 'the file is append-only: chattr +a, undone with chattr -a'
				: directoryFlags & FS_IMMUTABLE_FL
					? 'its directory is immutable: chattr +i, undone with chattr -i'
					: directoryFlags & FS_APPEND_FL
						? 'its directory is append-only: chattr +a, undone with chattr -a'
						: undefined;
	if (why) {
		throw new PermissionError(
			`cannot write ${safeText(file.path)}: operation not permitted (${why}); the original is untouched`,
		);
	}
}

/**
 * Without root a file can only be given back its owner when this user owns
 * it, and its group when this user is in it. Says so before anything is made.
 */
function ownerProblem(before: Stats, target: string): PermissionError | undefined {
	if (isRoot()) return undefined;
	if (before.uid !== process.geteuid?.()) {
		return new PermissionError(
			`cannot give ${safeText(target)} back its owner (${safeText(userName(before.uid))}): only root can; run with sudo; the original is untouched`,
		);
	}
	const groups = new Set([process.getegid?.(), ...(process.getgroups?.() ?? [])]);
	if (!groups.has(before.gid)) {
		return new PermissionError(
			`cannot give ${safeText(target)} back its group (${safeText(groupName(before.gid))}): only root or a member of it can; run with sudo; the original is untouched`,
		);
	}
	return undefined;
}

/** The original as the writer found it, under the lock. */
type Original = {
	fd: number;
	stat: Stats;
	bytes: Buffer;
	xattrs: XattrSet | undefined;
};

type Made = {name: string; ino: number; kind: 'link' | 'copy'};

/**
 * Writes the new content and the ownership, xattrs and mode of the original
 * to `fd`, then syncs it. Order matters: writing and fchown clear setuid bits
 * and file capabilities, so they come first and fchmod last.
 */
function fill(
	fd: number,
	bytes: Uint8Array,
	original: Original,
	calls: FileCalls,
	target: string,
): string[] {
	writeAll(fd, bytes);
	try {
		fchownSync(fd, original.stat.uid, original.stat.gid);
	} catch (error) {
		if (errorCode(error) === 'EPERM') throw ownerProblem(original.stat, target) ?? error;
		throw error;
	}
	const lost =
		calls.xattrs && original.xattrs ? copyXattrs(calls.xattrs, original.xattrs, fd) : [];
	fchmodSync(fd, original.stat.mode & 0o7777);
	fsyncSync(fd);
	if (fstatSync(fd).size !== bytes.length) {
		throw Object.assign(new Error('the written size is not the size of the content'), {
			code: 'EIO',
		});
	}
	return lost;
}

/**
 * Claims the first free backup name with the original in it: a hard link to
 * its inode where `link` allows and the file system does, else a copy made
 * through a descriptor of a file created O_EXCL|O_NOFOLLOW.
 */
function makeBackup(
	directory: DirectoryHandle,
	target: string,
	original: Original,
	options: AtomicWriteOptions,
	link: boolean,
): Made {
	const {calls, fd: dir} = directory;
	const base = path.basename(target);
	const now = options.now ?? new Date();
	let linking = link;
	for (let attempt = 0; ; attempt++) {
		const name = backupName(base, now, options.hiddenBackup ?? false, attempt);
		if (linking) {
			try {
				if (!calls.linkDescriptor(original.fd, dir, name)) {
					// Node alone links by name: check the name still held the file read.
					calls.link(dir, base, name);
					const linked = calls.stat(dir, name);
					if (linked.ino !== original.stat.ino || linked.dev !== original.stat.dev) {
						calls.unlink(dir, name);
						throw new PortuiError(
							`${safeText(target)} was replaced while portui was writing it; nothing was written`,
						);
					}
				}
				return {name, ino: original.stat.ino, kind: 'link'};
			} catch (error) {
				if (errorCode(error) === 'EEXIST') continue;
				if (
					!['EMLINK', 'EXDEV', 'EPERM', 'ENOTSUP', 'ENOSYS', 'ENOENT'].includes(
						errorCode(error) ?? '',
					)
				) {
					throw error;
				}
				// No hard link here: copy, under the same name.
				linking = false;
			}
		}
		let fd: number;
		try {
			fd = calls.open(dir, name, 'create');
		} catch (error) {
			if (errorCode(error) === 'EEXIST') continue;
			throw error;
		}
		const ino = fstatSync(fd).ino;
		try {
			fill(fd, original.bytes, original, calls, target);
			futimesSync(fd, original.stat.atime, original.stat.mtime);
			fsyncSync(fd);
			return {name, ino, kind: 'copy'};
		} catch (error) {
			removeOwn(directory, name, ino);
			throw error;
		} finally {
			closeSync(fd);
		}
	}
}

/** A new inode for the content: unnamed (O_TMPFILE) where the kernel has it, else a fresh temp name. */
function createTemp(
	directory: DirectoryHandle,
	base: string,
): {fd: number; name?: string} {
	const unnamed = directory.calls.openUnnamed(directory.fd);
	if (unnamed !== undefined) return {fd: unnamed};
	for (;;) {
		const name = tempName(base);
		try {
			return {fd: directory.calls.open(directory.fd, name, 'create'), name};
		} catch (error) {
			if (errorCode(error) !== 'EEXIST') throw error;
		}
	}
}

function nameTemp(directory: DirectoryHandle, fd: number, base: string): string {
	for (;;) {
		const name = tempName(base);
		try {
			directory.calls.linkDescriptor(fd, directory.fd, name);
			return name;
		} catch (error) {
			if (errorCode(error) !== 'EEXIST') throw error;
		}
	}
}

function writeByRename(
	directory: DirectoryHandle,
	target: string,
	content: Uint8Array,
	original: Original,
	options: AtomicWriteOptions,
): AtomicWriteResult {
	const {calls, fd: dir} = directory;
	const base = path.basename(target);
	const made: Array<{name: string; ino: number}> = [];
	const temp = step(target, 'write in the directory of', () =>
		createTemp(directory, base),
	);
	const tempIno = fstatSync(temp.fd).ino;
	if (temp.name) made.push({name: temp.name, ino: tempIno});
	try {
		const lostXattrs = step(target, 'write', () =>
			fill(temp.fd, content, original, calls, target),
		);
		const backup = step(target, 'back up', () =>
			makeBackup(directory, target, original, options, true),
		);
		made.push(backup);
		options.onBackup?.(path.join(directory.path, backup.name));
		const placed =
			temp.name ?? step(target, 'write', () => nameTemp(directory, temp.fd, base));
		if (!temp.name) made.push({name: placed, ino: tempIno});
		step(target, 'write', () => calls.rename(dir, placed, base));
		made.length = 0;
		syncDirectory(dir);
		return {
			file: target,
			backup: path.join(directory.path, backup.name),
			inodeBefore: original.stat.ino,
			inodeAfter: tempIno,
			backupInode: backup.ino,
			backupKind: backup.kind,
			inPlace: false,
			lostXattrs,
		};
	} catch (error) {
		for (const name of made) removeOwn(directory, name.name, name.ino);
		throw error;
	} finally {
		closeSync(temp.fd);
	}
}

function writeInPlace(
	directory: DirectoryHandle,
	target: string,
	content: Uint8Array,
	original: Original,
	options: AtomicWriteOptions,
): AtomicWriteResult {
	const {calls, fd: dir} = directory;
	const base = path.basename(target);
	const backup = step(target, 'back up', () =>
		makeBackup(directory, target, original, options, false),
	);
	syncDirectory(dir);
	options.onBackup?.(path.join(directory.path, backup.name));
	let fd: number | undefined;
	try {
		fd = step(target, 'write', () => calls.open(dir, base, 'read-write'));
		const opened = fstatSync(fd);
		if (opened.ino !== original.stat.ino || opened.dev !== original.stat.dev) {
			throw new PortuiError(
				`${safeText(target)} was replaced while portui was writing it; nothing was written`,
			);
		}
	} catch (error) {
		if (fd !== undefined) closeSync(fd);
		removeOwn(directory, backup.name, backup.ino);
		throw error;
	}
	try {
		writeAll(fd, content, 0);
		ftruncateSync(fd, content.length);
		fsyncSync(fd);
		if (fstatSync(fd).size !== content.length) {
			throw Object.assign(new Error('the written size is not the size of the content'), {
				code: 'EIO',
			});
		}
	} catch (error) {
		// The old bytes fit where they were: put them back, then drop the backup.
		try {
			writeAll(fd, original.bytes, 0);
			ftruncateSync(fd, original.bytes.length);
			fsyncSync(fd);
		} catch (restoreError) {
			closeSync(fd);
			throw new PortuiError(
				`cannot write ${safeText(target)}: ${reason(error)}, and putting its old content back failed too (${reason(restoreError)}): restore it from ${safeText(path.join(directory.path, backup.name))}`,
				{cause: error},
			);
		}
		closeSync(fd);
		removeOwn(directory, backup.name, backup.ino);
		throw untouched(error, target, 'write');
	}
	closeSync(fd);
	return {
		file: target,
		backup: path.join(directory.path, backup.name),
		inodeBefore: original.stat.ino,
		inodeAfter: original.stat.ino,
		backupInode: backup.ino,
		backupKind: 'copy',
		inPlace: true,
		lostXattrs: [],
	};
}

function openOriginal(directory: DirectoryHandle, target: string): number {
	try {
		return directory.calls.open(directory.fd, path.basename(target), 'read');
	} catch (error) {
		if (errorCode(error) === 'ELOOP') {
			throw new PortuiError(
				`${safeText(target)} was replaced by a symlink since it was read; nothing was written`,
				{cause: error},
			);
		}
		throw untouched(error, target, 'read');
	}
}

/**
 * Replaces the content of `file` with `content`, keeping its owner, group,
 * mode and xattrs, and leaves the original as a backup beside it. On any
 * failure the original is left as it was, nothing this run made is left
 * behind, and the error is one line that says so.
 */
export function writeFileAtomic(
	file: string,
	content: Uint8Array,
	options: AtomicWriteOptions = {},
): AtomicWriteResult {
	const target = canonicalPath(file);
	const lock = lockFile(target);
	let directory: DirectoryHandle | undefined;
	let fd: number | undefined;
	try {
		directory = openDirectory(path.dirname(target));
		const {calls} = directory;
		removeStaleTemps(directory);
		fd = openOriginal(directory, target);
		const stat = fstatSync(fd);
		if (!stat.isFile()) {
			throw new PortuiError(
				`${safeText(target)} is not a regular file; nothing was written`,
			);
		}
		const bytes = step(target, 'read', () => readAll(fd!));
		if (options.expected && !bytes.equals(options.expected)) {
			throw new FileChangedError(
				`${safeText(target)} changed since the preview; nothing was written`,
			);
		}
		refuseUnchangeable(calls, {fd, path: target}, directory);
		step(target, 'write', () => accessSync(target, constants.W_OK));
		const owner = ownerProblem(stat, target);
		if (owner) throw owner;
		const original: Original = {
			fd,
			stat,
			bytes,
			xattrs: calls.xattrs
				? step(target, 'read', () => readXattrs(calls.xattrs!, fd!))
				: undefined,
		};
		return stat.nlink > 1
			? writeInPlace(directory, target, content, original, options)
			: writeByRename(directory, target, content, original, options);
	} finally {
		if (fd !== undefined) closeSync(fd);
		directory?.close();
		lock.release();
	}
}

/**
 * Puts the backup back after a failed check: one rename back for a file that
 * was renamed over, its bytes written back into the same inode for a file
 * rewritten in place. With `written` (what writeFileAtomic returned) a backup
 * that is not the inode portui made is refused.
 */
export function restoreBackup(
	file: string,
	backup: string,
	written?: Pick<AtomicWriteResult, 'inPlace' | 'backupInode'>,
): void {
	const target = canonicalPath(file);
	const fail = (error: unknown): never => {
		throw new PortuiError(
			`could not restore ${safeText(target)} from ${safeText(backup)}: ${
				error instanceof PortuiError ? error.message : reason(error)
			}; restore it by hand`,
			{cause: error},
		);
	};
	if (path.dirname(path.resolve(backup)) !== path.dirname(target)) {
		fail(new PortuiError('the backup is not beside the file'));
	}
	let lock;
	try {
		lock = lockFile(target);
	} catch (error) {
		fail(error);
	}
	let directory: DirectoryHandle | undefined;
	try {
		directory = openDirectory(path.dirname(target));
		const {calls, fd: dir} = directory;
		const base = path.basename(target);
		const name = path.basename(backup);
		const saved = calls.stat(dir, name);
		if ((saved.mode & 0o170000) !== 0o100000)
			throw new PortuiError('the backup is not a regular file');
		if (written && saved.ino !== written.backupInode) {
			throw new PortuiError('the backup was replaced since portui made it');
		}
		const current = calls.stat(dir, base);
		const inPlace = written?.inPlace ?? (current.nlink > 1 && current.ino !== saved.ino);
		if (!inPlace) {
			calls.rename(dir, name, base);
		} else {
			const from = calls.open(dir, name, 'read');
			let bytes: Buffer;
			try {
				if (fstatSync(from).ino !== saved.ino)
					throw new PortuiError('the backup changed');
				bytes = readAll(from);
			} finally {
				closeSync(from);
			}
			const to = calls.open(dir, base, 'read-write');
			try {
				writeAll(to, bytes, 0);
				ftruncateSync(to, bytes.length);
				fsyncSync(to);
			} finally {
				closeSync(to);
			}
			removeOwn(directory, name, saved.ino);
		}
		syncDirectory(dir);
	} catch (error) {
		fail(error);
	} finally {
		directory?.close();
		lock?.release();
	}
}
