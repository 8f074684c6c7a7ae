/**
 * Pieces every adapter shares: mapping config paths under a test root,
 * expanding include globs the way nginx, Apache and sshd do (sorted, no
 * dotfiles), and building and rewriting port declarations by position.
 */
import {
	closeSync,
	constants,
	fstatSync,
	openSync,
	readdirSync,
	readFileSync,
	realpathSync,
	statSync,
} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {PermissionError, PortuiError, UsageError} from '../../errors.js';
import {decodeConfig, displayConfig} from '../config-text.js';
import type {AdapterName, PortDeclaration, ScanResult} from './types.js';

/** Maps an absolute config path (`/etc/nginx/…`) into root; relative paths resolve from `base`. */
export function underRoot(root: string, configPath: string, base?: string): string {
	if (path.isAbsolute(configPath)) {
		if (root === '/' || configPath.startsWith(`${root}/`)) return configPath;
		return path.join(root, configPath);
	}
	return path.resolve(base ?? root, configPath);
}

export function rootOf(options?: {root?: string}): string {
	return path.resolve(options?.root ?? '/');
}

/** The config an adapter reads: the file the user named, else its usual place under the root. */
export function entryFile(
	options: {file?: string} | undefined,
	root: string,
	usualPath: string,
): string {
	return options?.file ? path.resolve(options.file) : underRoot(root, usualPath);
}

/**
 * Opens for reading without waiting: a FIFO (or a device) put where a config
 * is expected would otherwise block portui on open or read forever.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** `permission denied` from `EACCES: permission denied, open '/x'`. */
function reasonOf(error: unknown): string {
	const {code, message} = error as NodeJS.ErrnoException;
	if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
	if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
	return /^[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message;
}

/**
 * The bytes of a config the user named, or a one-line error: a missing file
 * or one that is no regular file is bad usage; an unreadable one says to use
 * sudo when portui does not run as root.
 */
export function readConfigFile(file: string): Buffer {
	const problem = (error: unknown) => {
		const {code} = error as NodeJS.ErrnoException;
		const message = `cannot read ${file}: ${reasonOf(error)}`;
		if (code === 'ENOENT' || code === 'ENOTDIR') return new UsageError(message);
		if (code === 'EACCES' || code === 'EPERM') {
			return new PermissionError(
				`${message}${process.getuid?.() === 0 ? '' : ' (run with sudo)'}`,
				{cause: error},
			);
		}
		return new PortuiError(message, {cause: error});
	};
	let fd: number;
	try {
		fd = openSync(file, READ_FLAGS);
	} catch (error) {
		throw problem(error);
	}
	try {
		const stat = fstatSync(fd);
		if (stat.isDirectory())
			throw new UsageError(`${file} is a directory, not a config file`);
		if (!stat.isFile()) throw new UsageError(`${file} is not a regular file`);
		return readFileSync(fd);
	} catch (error) {
		throw error instanceof PortuiError ? error : problem(error);
	} finally {
		closeSync(fd);
	}
}

/**
 * A config's text (see config-text.ts: lossless, a BOM set aside), or
 * undefined when it does not exist, cannot be read or is no regular file
 * (configs are optional).
 */
export function readOptional(file: string): string | undefined {
	let fd: number;
	try {
		fd = openSync(file, READ_FLAGS);
	} catch {
		return undefined;
	}
	try {
		return fstatSync(fd).isFile() ? decodeConfig(readFileSync(fd)).text : undefined;
	} catch {
		return undefined;
	} finally {
		closeSync(fd);
	}
}

export function isFile(file: string): boolean {
	try {
		return statSync(file).isFile();
	} catch {
		return false;
	}
}

export function isDirectory(file: string): boolean {
	try {
		return statSync(file).isDirectory();
	} catch {
		return false;
	}
}

/** The real path of a file (Debian's sites-enabled entries are symlinks: rewrite their target). */
export function realFile(file: string): string {
	try {
		return realpathSync(file);
	} catch {
		return file;
	}
}

const wildcard = /[*?[]/;

/** Converts one glob path segment into a RegExp (`*`, `?`, `[abc]`, `[!a-z]`). */
export function segmentPattern(segment: string): RegExp {
	let source = '';
	for (let index = 0; index < segment.length; index++) {
		const char = segment[index]!;
		if (char === '*') source += '[^/]*';
		else if (char === '?') source += '[^/]';
		else if (char === '[') {
			const close = segment.indexOf(']', index + 2);
			if (close === -1) source += '\\[';
			else {
				let body = segment.slice(index + 1, close);
				if (body.startsWith('!')) body = `^${body.slice(1)}`;
				source += `[${body.replace(/\\/g, '\\\\')}]`;
				index = close;
			}
		} else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
	}
	return new RegExp(`^${source}$`);
}

/** Whether an absolute path matches an absolute glob (segment by segment; `*` skips dotfiles). */
export function globMatches(glob: string, file: string): boolean {
	const globParts = glob.split('/');
	const fileParts = file.split('/');
	if (globParts.length !== fileParts.length) return false;
	return globParts.every((part, index) => {
		const name = fileParts[index]!;
		if (!wildcard.test(part)) return part === name;
		if (name.startsWith('.') && !part.startsWith('.')) return false;
		return segmentPattern(part).test(name);
	});
}

/**
 * Expands an absolute glob into existing paths, sorted, skipping dotfiles
 * unless the pattern names them (glob(3) as nginx and sshd use it). A path
 * without wildcards is returned when it exists.
 */
export function expandGlob(glob: string): string[] {
	if (!wildcard.test(glob)) return isFile(glob) || isDirectory(glob) ? [glob] : [];
	const parts = glob.split('/');
	let found = [parts[0] === '' ? '/' : parts[0]!];
	for (const part of parts.slice(1)) {
		if (part === '') continue;
		const next: string[] = [];
		for (const dir of found) {
			if (!wildcard.test(part)) {
				const candidate = path.join(dir, part);
				if (isFile(candidate) || isDirectory(candidate)) next.push(candidate);
				continue;
			}
			let names: string[];
			try {
				names = readdirSync(dir);
			} catch {
				continue;
			}
			const pattern = segmentPattern(part);
			for (const name of names.sort()) {
				if (name.startsWith('.') && !part.startsWith('.')) continue;
				if (pattern.test(name)) next.push(path.join(dir, name));
			}
		}
		found = next;
	}
	return found.filter((file) => file !== '/');
}

/** Lists the regular files of a directory, sorted (Apache's `Include dir/`). */
export function filesIn(dir: string, suffix = ''): string[] {
	try {
		return readdirSync(dir)
			.filter((name) => !name.startsWith('.') && name.endsWith(suffix))
			.sort()
			.map((name) => path.join(dir, name))
			.filter(isFile);
	} catch {
		return [];
	}
}

/**
 * A config's lines (index + 1 is the line number) without their CRLF's CR, so
 * that a parser's `.*$` reaches the end of the line. Columns stay the same: only
 * what follows the last character goes.
 */
export function linesOf(text: string): string[] {
	return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Parses a decimal port (1-65535) or returns undefined. */
export function parsePortText(text: string): number | undefined {
	if (!/^\d{1,5}$/.test(text)) return undefined;
	const port = Number(text);
	return port >= 1 && port <= 65535 ? port : undefined;
}

export function declaration(
	adapter: AdapterName,
	file: string,
	lineNumber: number,
	lineText: string,
	digitsIndex: number,
	digits: string,
	extra: Partial<Pick<PortDeclaration, 'protocol' | 'address' | 'scope'>> = {},
): PortDeclaration | undefined {
	const port = parsePortText(digits);
	if (port === undefined) return undefined;
	return {
		adapter,
		file,
		line: lineNumber,
		column: digitsIndex + 1,
		length: digits.length,
		port,
		protocol: extra.protocol ?? 'tcp',
		...(extra.address === undefined ? {} : {address: extra.address}),
		...(extra.scope === undefined ? {} : {scope: extra.scope}),
		context: displayConfig(lineText.trim()),
	};
}

/**
 * Rewrites one declaration's port in the file's text, by position. Refuses
 * when the text at that position is no longer the declared port (the file
 * changed since it was scanned).
 */
export function rewriteDeclaration(
	text: string,
	target: Pick<PortDeclaration, 'file' | 'line' | 'column' | 'length' | 'port'>,
	to: number,
): string {
	const lines = text.split('\n');
	const line = lines[target.line - 1];
	const start = target.column - 1;
	const current = line?.slice(start, start + target.length);
	if (line === undefined || current !== String(target.port)) {
		throw new PortuiError(
			`${target.file}:${target.line} no longer sets port ${target.port} (changed since it was read)`,
		);
	}
	lines[target.line - 1] =
		line.slice(0, start) + String(to) + line.slice(start + target.length);
	return lines.join('\n');
}

/** Removes a `#` comment that is not inside quotes. */
export function stripHashComment(line: string): string {
	let quote: string | undefined;
	for (let index = 0; index < line.length; index++) {
		const char = line[index]!;
		if (quote) {
			if (char === '\\') index++;
			else if (char === quote) quote = undefined;
		} else if (char === '"' || char === "'") quote = char;
		else if (char === '#') return line.slice(0, index);
	}
	return line;
}

/** Splits `host:port`, `[v6]:port` and `port` into address and port text with the port's offset. */
export function splitHostPort(
	value: string,
): {address?: string; portText: string; portOffset: number} | undefined {
	if (/^\d+$/.test(value)) return {portText: value, portOffset: 0};
	const bracket = /^(\[[^\]]*\]):(\d+)$/.exec(value);
	if (bracket)
		return {
			address: bracket[1],
			portText: bracket[2]!,
			portOffset: bracket[1]!.length + 1,
		};
	const colon = value.lastIndexOf(':');
	if (colon > 0 && /^\d+$/.test(value.slice(colon + 1))) {
		return {
			address: value.slice(0, colon),
			portText: value.slice(colon + 1),
			portOffset: colon + 1,
		};
	}
	return undefined;
}

/** A scan that read no file found no installed service: report none. */
export function nonEmpty(result: ScanResult): ScanResult[] {
	return result.files.length === 0 ? [] : [result];
}

/**
 * Reads a config file and the files it includes, each real file once and at
 * most `maxDepth` includes deep (include loops end), recording every file read
 * in `files`. `read` gets each file's real path and text, and `follow` to read
 * a file it includes. Returns the function that reads an entry file; `depth`
 * is for files read as if included (a tree missing its main file).
 */
export function configWalker(
	files: string[],
	maxDepth: number,
	read: (real: string, text: string, follow: (file: string) => void) => void,
): (entry: string, depth?: number) => void {
	const seen = new Set<string>();
	const visit = (file: string, depth: number): void => {
		const real = realFile(file);
		if (seen.has(real) || depth > maxDepth) return;
		const text = readOptional(file);
		if (text === undefined) return;
		seen.add(real);
		files.push(real);
		read(real, text, (included) => visit(included, depth + 1));
	};
	return (entry, depth = 0) => visit(entry, depth);
}
