/**
 * The audit log: one JSON line per action portui took (files rewritten and
 * their backups, units restarted, processes signalled), so that any change
 * can be found and undone by hand later.
 *
 * portui runs as root, and the log's path comes from the environment: its
 * directory may be one another user controls. So the log is only ever
 * appended to a regular file of the running user's, with one link, in a
 * directory of theirs that no one else can write; never through a symlink
 * (O_NOFOLLOW on both, the file opened relative to the directory's
 * descriptor). A log that cannot be opened so is an AuditLogError saying why,
 * which callers show as a warning: the action itself goes on.
 */
import {
	closeSync,
	constants,
	existsSync,
	fstatSync,
	fsyncSync,
	lstatSync,
	mkdirSync,
	openSync,
	writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {PortuiError} from '../errors.js';
import {stringifySafe} from '../../format/safe-text.js';

export type AuditEntry = {
	/** `move`, `kill`, `stop-unit`… */
	action: string;
	/** ISO time; filled in when absent. */
	time?: string;
	port?: number;
	/** Files changed, each with the backup holding its previous content. */
	files?: Array<{path: string; backup: string}>;
	units?: string[];
	pids?: number[];
	/** Whether the action reached its goal (the port moved, the port is free). */
	ok?: boolean;
	[key: string]: unknown;
};

/** The audit log cannot be opened or written safely; the message says which and why. */
export class AuditLogError extends PortuiError {}

/** `$XDG_STATE_HOME/portui/actions.log`, default `~/.local/state/portui/actions.log`. */
export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
	const state =
		env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
			? env.XDG_STATE_HOME
			: path.join(env.HOME ?? os.homedir(), '.local', 'state');
	return path.join(state, 'portui', 'actions.log');
}

/** An open audit log: entries go to the file checked when it was opened, whatever is renamed since. */
export type AuditLog = {
	readonly path: string;
	append(entry: AuditEntry): void;
	close(): void;
};

/** `permission denied` from `EACCES: permission denied, open '/x'`. */
function reasonOf(error: unknown): string {
	const {code, message} = error as NodeJS.ErrnoException;
	if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
	if (code === 'EROFS') return 'read-only file system';
	if (code === 'ENOSPC') return 'no space left on the device';
	return /^[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message;
}

function closeQuietly(fd: number): void {
	try {
		closeSync(fd);
	} catch {
		// Already closed.
	}
}

function isSymlink(file: string): boolean {
	try {
		return lstatSync(file).isSymbolicLink();
	} catch {
		return false;
	}
}

/** Where the running user's files must belong: the effective uid (root under sudo). */
function runningUid(): number {
	return process.geteuid?.() ?? 0;
}

function ownerProblem(uid: number, what: string): string | undefined {
	const me = runningUid();
	return uid === me
		? undefined
		: `${what} is owned by uid ${uid}, not by you (uid ${me})`;
}

/**
 * Opens the log for appending, creating it (0600) and its directory (0700)
 * when missing. Throws an AuditLogError when that cannot be done safely.
 */
export function openAuditLog(file = auditLogPath()): AuditLog {
	const refuse = (reason: string, cause?: unknown) =>
		new AuditLogError(
			`cannot write the audit log ${file}: ${reason}`,
			cause ? {cause} : undefined,
		);
	const dir = path.dirname(file);
	try {
		mkdirSync(dir, {recursive: true, mode: 0o700});
	} catch (error) {
		throw refuse(reasonOf(error), error);
	}
	let dirFd: number;
	try {
		dirFd = openSync(
			dir,
			constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
		);
	} catch (error) {
		const {code} = error as NodeJS.ErrnoException;
		// O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR, not ELOOP.
		if (code === 'ELOOP' || (code === 'ENOTDIR' && isSymlink(dir)))
			throw refuse(`${dir} is a symlink`, error);
		if (code === 'ENOTDIR') throw refuse(`${dir} is not a directory`, error);
		throw refuse(reasonOf(error), error);
	}
	let fd: number;
	try {
		const dirStat = fstatSync(dirFd);
		const problem =
			ownerProblem(dirStat.uid, dir) ??
			((dirStat.mode & 0o022) === 0 ? undefined : `${dir} is writable by other users`);
		if (problem) throw refuse(problem);
		// The directory's descriptor names it as checked: a rename or a symlink
		// swapped in since cannot redirect the file's open (openat, in Node's terms).
		const viaDescriptor = `/proc/self/fd/${dirFd}`;
		const base = existsSync(viaDescriptor) ? viaDescriptor : dir;
		try {
			fd = openSync(
				path.join(base, path.basename(file)),
				constants.O_WRONLY |
					constants.O_APPEND |
					constants.O_CREAT |
					constants.O_NOFOLLOW |
					// A FIFO planted as the log would block the open until someone reads it.
					constants.O_NONBLOCK,
				0o600,
			);
		} catch (error) {
			const {code} = error as NodeJS.ErrnoException;
			if (code === 'ELOOP') throw refuse('it is a symlink', error);
			if (code === 'ENXIO') throw refuse('it is not a regular file', error);
			throw refuse(reasonOf(error), error);
		}
	} finally {
		closeQuietly(dirFd);
	}
	try {
		const stat = fstatSync(fd);
		const problem = !stat.isFile()
			? 'it is not a regular file'
			: (ownerProblem(stat.uid, 'it') ??
				(stat.nlink === 1 ? undefined : `it has ${stat.nlink} hard links`));
		if (problem) throw refuse(problem);
	} catch (error) {
		closeQuietly(fd);
		throw error instanceof AuditLogError ? error : refuse(reasonOf(error), error);
	}
	return {
		path: file,
		append(entry) {
			const line = Buffer.from(
				`${stringifySafe({time: new Date().toISOString(), ...entry})}\n`,
			);
			try {
				// One write with O_APPEND keeps concurrent runs' lines whole; a short
				// write (a full disk) is finished rather than left as half a line.
				let written = 0;
				while (written < line.length) {
					written += writeSync(fd, line, written, line.length - written);
				}
				// The entry must be on disk before the change it announces.
				fsyncSync(fd);
			} catch (error) {
				throw refuse(reasonOf(error), error);
			}
		},
		close() {
			closeQuietly(fd);
		},
	};
}

/** Appends one entry (opening the log as `openAuditLog` does). Returns the log's path. */
export function appendAuditEntry(entry: AuditEntry, file = auditLogPath()): string {
	const log = openAuditLog(file);
	try {
		log.append(entry);
	} finally {
		log.close();
	}
	return file;
}
