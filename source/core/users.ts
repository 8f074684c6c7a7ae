/**
 * uid → user name, from /etc/passwd (and gid → group name, from /etc/group). Read once per process (and again when the
 * file changes), because a refresh names hundreds of sockets and processes.
 * Users that only exist in NSS sources other than files show as their uid.
 */
import {readFileSync, statSync} from 'node:fs';

type PasswdCache = {path: string; mtimeMs: number; names: Map<number, string>};
const caches = new Map<string, PasswdCache>();

/** Parses passwd(5) text into uid → name (group(5) text into gid → name); malformed lines are skipped. */
export function parsePasswd(text: string): Map<number, string> {
	const names = new Map<number, string>();
	for (const line of text.split('\n')) {
		if (line === '' || line.startsWith('#')) continue;
		const fields = line.split(':');
		if (fields.length < 3) continue;
		const uid = Number(fields[2]);
		if (!Number.isInteger(uid) || fields[2] === '') continue;
		// The first entry for a uid wins, as getpwuid does.
		if (!names.has(uid)) names.set(uid, fields[0]!);
	}
	return names;
}

function loadNames(path: string): Map<number, string> {
	try {
		const mtimeMs = statSync(path).mtimeMs;
		const cache = caches.get(path);
		if (cache && cache.mtimeMs === mtimeMs) return cache.names;
		const names = parsePasswd(readFileSync(path, 'utf8'));
		caches.set(path, {path, mtimeMs, names});
		return names;
	} catch {
		return new Map();
	}
}

/** The user name for a uid, or the uid as text when it has no name. */
export function userName(uid: number, passwdPath = '/etc/passwd'): string {
	return loadNames(passwdPath).get(uid) ?? String(uid);
}

/** The group name for a gid, or the gid as text when it has no name. */
export function groupName(gid: number, groupPath = '/etc/group'): string {
	return loadNames(groupPath).get(gid) ?? String(gid);
}

/** True when this process runs with root's effective uid. */
export function isRoot(): boolean {
	return typeof process.geteuid === 'function' && process.geteuid() === 0;
}
