/**
 * A config's directory, opened once and held by descriptor: every name the
 * writer touches afterwards is resolved inside it, so whoever can write in
 * the directory (or above it) cannot send root somewhere else by swapping in
 * a symlink between two steps. The path is walked from `/` one component at
 * a time, none of them followed if it is a symlink: the caller resolves the
 * symlinks it means to follow first (realpath), so one found here appeared
 * since.
 */
import {closeSync, fstatSync, realpathSync} from 'node:fs';
import path from 'node:path';
import {safeText} from '../../format/safe-text.js';
import {PortuiError} from '../errors.js';
import {fileCalls, type FileCalls} from './calls.js';
import {errorCode} from './messages.js';

export type DirectoryHandle = {
	fd: number;
	path: string;
	dev: number;
	ino: number;
	calls: FileCalls;
	close(): void;
};

/**
 * The absolute path of `file` with the symlinks the operator named resolved
 * (a Debian sites-enabled link writes its sites-available target), or the
 * absolute path as given when it does not resolve.
 */
export function canonicalPath(file: string): string {
	const absolute = path.resolve(file);
	try {
		return realpathSync(absolute);
	} catch {
		return absolute;
	}
}

/** Opens the absolute, symlink-free path `directory` (see above). */
export function openDirectory(directory: string, calls = fileCalls()): DirectoryHandle {
	if (!path.isAbsolute(directory)) {
		throw new PortuiError(`not an absolute path: ${safeText(directory)}`);
	}
	let fd = calls.openRoot();
	let walked = '/';
	try {
		const parts = directory.split('/').filter((name) => name !== '');
		for (const [index, part] of parts.entries()) {
			let next: number;
			try {
				next = calls.open(
					fd,
					part,
					index === parts.length - 1 ? 'directory' : 'traverse',
				);
			} catch (error) {
				if (errorCode(error) === 'ELOOP' || errorCode(error) === 'ENOTDIR') {
					throw new PortuiError(
						`${safeText(path.join(walked, part))} is not a directory any more (a symlink or a file was put there); nothing was written`,
						{cause: error},
					);
				}
				throw error;
			}
			closeSync(fd);
			fd = next;
			walked = path.join(walked, part);
		}
	} catch (error) {
		closeSync(fd);
		throw error;
	}
	const stat = fstatSync(fd);
	let open = true;
	return {
		fd,
		path: directory,
		dev: stat.dev,
		ino: stat.ino,
		calls,
		close() {
			if (open) closeSync(fd);
			open = false;
		},
	};
}
