/**
 * The system calls the writer needs, in two routes: the native addon
 * (native/files.c: openat and friends, O_TMPFILE, linking a descriptor,
 * xattrs, flock, inode flags) and Node alone, for an install that had no C
 * compiler. Node has no *at calls, but a path through /proc/self/fd/N
 * resolves NAME inside the directory that descriptor N holds open, as openat
 * does: what a symlink swapped into the path above it points at no longer
 * matters. What Node alone cannot do (xattrs, O_TMPFILE, linking by
 * descriptor) is `undefined` here, and the writer says what that costs.
 *
 * PORTUI_FILES_ADDON=off takes the Node route with the addon built (the tests
 * run both routes this way).
 */
import {spawnSync} from 'node:child_process';
import {
	constants as fs,
	existsSync,
	linkSync,
	lstatSync,
	openSync,
	readdirSync,
	renameSync,
	unlinkSync,
} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {PortuiError} from '../errors.js';

export type FileStat = {
	dev: number;
	ino: number;
	mode: number;
	nlink: number;
	uid: number;
	gid: number;
	size: number;
};

/** What a name is opened for; never following a symlink at the name. */
export type OpenHow =
	/** A directory to resolve names in and no more: needs only search permission where the route can (O_PATH). */
	| 'traverse'
	| 'directory'
	| 'read'
	| 'read-write'
	/** O_CREAT|O_EXCL, mode 0600: fails with EEXIST when the name is taken, by anything. */
	| 'create';

export type Xattrs = {
	list(fd: number): string[];
	get(fd: number, name: string): Buffer;
	set(fd: number, name: string, value: Uint8Array): void;
	remove(fd: number, name: string): void;
};

export type FileCalls = {
	route: 'addon' | 'node';
	/** `/`, where every walk starts. */
	openRoot(): number;
	open(dir: number, name: string, how: OpenHow): number;
	/** An unnamed file in the directory (O_TMPFILE), or undefined where there is none. */
	openUnnamed(dir: number): number | undefined;
	/** Gives the open file `fd` the name `name` in `dir`; false when this route cannot. */
	linkDescriptor(fd: number, dir: number, name: string): boolean;
	/** A second name for what `from` names now (not following a symlink there). */
	link(dir: number, from: string, to: string): void;
	rename(dir: number, from: string, to: string): void;
	unlink(dir: number, name: string): void;
	/** The name itself, a symlink not followed. */
	stat(dir: number, name: string): FileStat;
	list(dir: number): string[];
	/** Takes an exclusive flock on `fd`, waiting up to waitMs; false when it stayed held. */
	lock(fd: number, waitMs: number): boolean;
	xattrs: Xattrs | undefined;
	/** FS_IOC_GETFLAGS, or undefined when it cannot be read. */
	inodeFlags(fd: number, path: string): number | undefined;
};

export const FS_IMMUTABLE_FL = 0x10;
export const FS_APPEND_FL = 0x20;

type Addon = {
	constants: Record<
		| 'AT_FDCWD'
		| 'AT_SYMLINK_NOFOLLOW'
		| 'AT_SYMLINK_FOLLOW'
		| 'O_RDONLY'
		| 'O_RDWR'
		| 'O_WRONLY'
		| 'O_CREAT'
		| 'O_EXCL'
		| 'O_NOFOLLOW'
		| 'O_DIRECTORY'
		| 'O_NONBLOCK'
		| 'O_PATH'
		| 'O_TMPFILE'
		| 'LOCK_EX'
		| 'LOCK_NB',
		number
	>;
	openat(dir: number, name: string, flags: number, mode: number): number;
	linkat(fromDir: number, from: string, toDir: number, to: string, flags: number): void;
	renameat(fromDir: number, from: string, toDir: number, to: string): void;
	unlinkat(dir: number, name: string, flags: number): void;
	statat(dir: number, name: string, flags: number): FileStat;
	flock(fd: number, operation: number): boolean;
	listxattr(fd: number): string[];
	getxattr(fd: number, name: string): Buffer;
	setxattr(fd: number, name: string, value: Uint8Array): void;
	removexattr(fd: number, name: string): void;
	inodeFlags(fd: number): number;
};

let addon: Addon | null | undefined;

/** build/Release/portui_files.node, three levels up from source/core/files and dist/core/files. */
function loadAddon(): Addon | undefined {
	if (addon === undefined) {
		const built = join(
			dirname(fileURLToPath(import.meta.url)),
			'..',
			'..',
			'..',
			'build',
			'Release',
			'portui_files.node',
		);
		try {
			addon = existsSync(built) ? (createRequire(import.meta.url)(built) as Addon) : null;
		} catch {
			addon = null;
		}
	}
	return addon ?? undefined;
}

function sleep(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function singleName(name: string): string {
	if (name === '' || name.includes('/') || name === '.' || name === '..') {
		throw new PortuiError(`not a file name: ${JSON.stringify(name)}`);
	}
	return name;
}

function addonCalls(native: Addon): FileCalls {
	const c = native.constants;
	const flags: Record<OpenHow, number> = {
		traverse: c.O_PATH | c.O_DIRECTORY | c.O_NOFOLLOW,
		directory: c.O_RDONLY | c.O_DIRECTORY | c.O_NOFOLLOW,
		read: c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK,
		'read-write': c.O_RDWR | c.O_NOFOLLOW | c.O_NONBLOCK,
		create: c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW,
	};
	return {
		route: 'addon',
		openRoot: () => native.openat(c.AT_FDCWD, '/', flags.directory, 0),
		open: (dir, name, how) => native.openat(dir, singleName(name), flags[how], 0o600),
		openUnnamed(dir) {
			// It gets its name through /proc/self/fd (linkDescriptor): without /proc, name it from the start.
			if (!existsSync('/proc/self/fd')) return undefined;
			try {
				return native.openat(dir, '.', c.O_TMPFILE | c.O_RDWR, 0o600);
			} catch (error) {
				// Kernels and file systems without O_TMPFILE say so in several ways.
				const code = (error as NodeJS.ErrnoException).code;
				if (code === 'ENOTSUP' || code === 'EISDIR' || code === 'EINVAL')
					return undefined;
				throw error;
			}
		},
		linkDescriptor(fd, dir, name) {
			native.linkat(
				c.AT_FDCWD,
				`/proc/self/fd/${fd}`,
				dir,
				singleName(name),
				c.AT_SYMLINK_FOLLOW,
			);
			return true;
		},
		link: (dir, from, to) => native.linkat(dir, singleName(from), dir, singleName(to), 0),
		rename: (dir, from, to) =>
			native.renameat(dir, singleName(from), dir, singleName(to)),
		unlink: (dir, name) => native.unlinkat(dir, singleName(name), 0),
		stat: (dir, name) => native.statat(dir, singleName(name), c.AT_SYMLINK_NOFOLLOW),
		list: (dir) => readdirSync(`/proc/self/fd/${dir}`),
		lock(fd, waitMs) {
			const deadline = Date.now() + waitMs;
			for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
				if (native.flock(fd, c.LOCK_EX | c.LOCK_NB)) return true;
				const left = deadline - Date.now();
				if (left <= 0) return false;
				sleep(Math.min(pause, left));
			}
		},
		xattrs: {
			list: (fd) => native.listxattr(fd),
			get: (fd, name) => native.getxattr(fd, name),
			set: (fd, name, value) => native.setxattr(fd, name, value),
			remove: (fd, name) => native.removexattr(fd, name),
		},
		inodeFlags(fd) {
			try {
				return native.inodeFlags(fd);
			} catch {
				return undefined;
			}
		},
	};
}

function nodeCalls(): FileCalls {
	if (!existsSync('/proc/self/fd')) {
		throw new PortuiError(
			'cannot write config files safely here: /proc is not mounted and the native file addon is not built',
		);
	}
	const at = (dir: number, name: string) => `/proc/self/fd/${dir}/${singleName(name)}`;
	const flags: Record<OpenHow, number> = {
		traverse: fs.O_RDONLY | fs.O_DIRECTORY | fs.O_NOFOLLOW,
		directory: fs.O_RDONLY | fs.O_DIRECTORY | fs.O_NOFOLLOW,
		read: fs.O_RDONLY | fs.O_NOFOLLOW | fs.O_NONBLOCK,
		'read-write': fs.O_RDWR | fs.O_NOFOLLOW | fs.O_NONBLOCK,
		create: fs.O_WRONLY | fs.O_CREAT | fs.O_EXCL | fs.O_NOFOLLOW,
	};
	return {
		route: 'node',
		openRoot: () => openSync('/', flags.directory),
		open: (dir, name, how) => openSync(at(dir, name), flags[how], 0o600),
		openUnnamed: () => undefined,
		linkDescriptor: () => false,
		link: (dir, from, to) => linkSync(at(dir, from), at(dir, to)),
		rename: (dir, from, to) => renameSync(at(dir, from), at(dir, to)),
		unlink: (dir, name) => unlinkSync(at(dir, name)),
		stat(dir, name) {
			const stat = lstatSync(at(dir, name));
			return {
				dev: stat.dev,
				ino: stat.ino,
				mode: stat.mode,
				nlink: stat.nlink,
				uid: stat.uid,
				gid: stat.gid,
				size: stat.size,
			};
		},
		list: (dir) => readdirSync(`/proc/self/fd/${dir}`),
		// flock(1) locks the descriptor it inherits: the open file description
		// is ours too, so the lock stays after it exits, until we close it.
		lock(fd, waitMs) {
			const wait = waitMs <= 0 ? ['-n'] : ['-w', String(waitMs / 1000)];
			const result = spawnSync('flock', ['-x', ...wait, '3'], {
				stdio: ['ignore', 'ignore', 'pipe', fd],
			});
			if (result.error) {
				throw new PortuiError(
					`cannot lock a config file: the native file addon is not built and flock(1) cannot run (${result.error.message})`,
					{cause: result.error},
				);
			}
			return result.status === 0;
		},
		xattrs: undefined,
		inodeFlags(_fd, path) {
			const result = spawnSync('lsattr', ['-d', path], {encoding: 'utf8'});
			const field = result.status === 0 ? (result.stdout.split(' ')[0] ?? '') : undefined;
			if (field === undefined) return undefined;
			return (
				(field.includes('i') ? FS_IMMUTABLE_FL : 0) |
				(field.includes('a') ? FS_APPEND_FL : 0)
			);
		},
	};
}

let nodeRoute: FileCalls | undefined;
let addonRoute: FileCalls | undefined;

/** The route this process writes through: the addon when built, else Node alone. */
export function fileCalls(): FileCalls {
	const native = process.env.PORTUI_FILES_ADDON === 'off' ? undefined : loadAddon();
	if (native) return (addonRoute ??= addonCalls(native));
	return (nodeRoute ??= nodeCalls());
}
