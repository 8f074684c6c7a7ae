/**
 * What the preview of a rewrite should say about the file itself, before
 * anything is written: who else can write where it lives, whether it has
 * other names, what of its xattrs a rewrite would lose, whether chattr or its
 * owner stop the change. Reads only.
 */
import {spawnSync} from 'node:child_process';
import {closeSync, constants, lstatSync, openSync, type Stats} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {safeText} from '../../format/safe-text.js';
import {groupName, userName} from '../users.js';
import {FS_APPEND_FL, FS_IMMUTABLE_FL, fileCalls, type FileCalls} from './calls.js';
import {canonicalPath} from './directory.js';
import {isRoot} from './messages.js';
import {readXattrs, uncopyable} from './xattrs.js';

export type RewriteRisk = {
	kind: 'writable-directory' | 'hard-links' | 'xattrs' | 'immutable' | 'owner';
	message: string;
	/** The change must not go ahead without the operator's yes (a prompt, or --yes). */
	needsConfirmation: boolean;
};

function openQuietly(file: string, flags: number): number | undefined {
	try {
		return openSync(file, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK);
	} catch {
		return undefined;
	}
}

/** POSIX ACL xattr: a version word, then {u16 tag, u16 perm, u32 id} entries. */
const ACL_USER = 0x02;
const ACL_GROUP = 0x08;
const ACL_MASK = 0x10;
const ACL_WRITE = 0x02;

/** Named users and groups an ACL lets write (through the mask), as words for a message. */
function aclWriters(calls: FileCalls, directory: string): string[] {
	const xattrs = calls.xattrs;
	if (!xattrs) return [];
	const fd = openQuietly(directory, constants.O_RDONLY | constants.O_DIRECTORY);
	if (fd === undefined) return [];
	let acl: Buffer;
	try {
		acl = xattrs.get(fd, 'system.posix_acl_access');
	} catch {
		return [];
	} finally {
		closeSync(fd);
	}
	const entries: Array<{tag: number; perm: number; id: number}> = [];
	for (let at = 4; at + 8 <= acl.length; at += 8) {
		entries.push({
			tag: acl.readUInt16LE(at),
			perm: acl.readUInt16LE(at + 2),
			id: acl.readUInt32LE(at + 4),
		});
	}
	const mask = entries.find((entry) => entry.tag === ACL_MASK)?.perm ?? 0o7;
	return entries
		.filter(
			(entry) =>
				(entry.tag === ACL_USER || entry.tag === ACL_GROUP) &&
				entry.perm & mask & ACL_WRITE,
		)
		.map((entry) =>
			entry.tag === ACL_USER
				? `${userName(entry.id)} (an ACL entry)`
				: `group ${groupName(entry.id)} (an ACL entry)`,
		);
}

/**
 * Who besides root and the file's owner can write in `directory`. `child` is
 * what the walk came from (the file, or the directory below): in a sticky
 * directory others cannot move an entry root or the file's owner owns.
 */
function writers(
	calls: FileCalls,
	directory: string,
	stat: Stats,
	file: Stats,
	child: Stats,
	own: boolean,
): string[] {
	const trusted = new Set([0, file.uid]);
	const who: string[] = [];
	// An owner can always give itself write access.
	if (!trusted.has(stat.uid)) who.push(`${userName(stat.uid)} (its owner)`);
	if (stat.mode & 0o020 && stat.gid !== 0) who.push(`group ${groupName(stat.gid)}`);
	if (stat.mode & 0o002) {
		const sticky = (stat.mode & 0o1000) !== 0;
		if (!sticky) who.push('everyone');
		else if (own || !trusted.has(child.uid))
			who.push('everyone (it is sticky, but they can add names)');
	}
	who.push(...aclWriters(calls, directory));
	return who;
}

function directoryRisks(calls: FileCalls, target: string, file: Stats): RewriteRisk[] {
	const risks: RewriteRisk[] = [];
	const home = path.dirname(target);
	let child = file;
	for (let current = home; ; current = path.dirname(current)) {
		let stat: Stats;
		try {
			stat = lstatSync(current);
		} catch {
			break;
		}
		const own = current === home;
		const who = writers(calls, current, stat, file, child, own);
		if (who.length > 0) {
			risks.push({
				kind: 'writable-directory',
				message: own
					? `${safeText(current)} is writable by ${safeText(who.join(', '))}, not only by root and the file's owner: they can replace ${safeText(target)} or what the service reads beside it`
					: `${safeText(current)} (above ${safeText(home)}) is writable by ${safeText(who.join(', '))}, not only by root and the file's owner: they can move ${safeText(home)} away and put another in its place`,
				needsConfirmation: false,
			});
		}
		if (current === '/') break;
		child = stat;
	}
	return risks;
}

/** xattr names through getfattr, for the Node route; undefined when it cannot run. */
function xattrNamesWithoutAddon(fd: number): string[] | undefined {
	const listed = spawnSync(
		'getfattr',
		['-m', '-', '--absolute-names', '/proc/self/fd/3'],
		{
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe', fd],
		},
	);
	if (listed.error || listed.status !== 0) return undefined;
	return listed.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

function xattrRisk(
	calls: FileCalls,
	target: string,
	fd: number,
): RewriteRisk | undefined {
	const file = safeText(target);
	if (calls.xattrs) {
		let names: string[];
		try {
			names = uncopyable(readXattrs(calls.xattrs, fd), isRoot());
		} catch {
			return undefined;
		}
		if (names.length === 0) return undefined;
		return {
			kind: 'xattrs',
			message: `the rewritten ${file} would lose ${safeText(names.join(', '))}: ${
				isRoot() ? 'they cannot be read' : 'only root can set them (run with sudo)'
			}`,
			needsConfirmation: true,
		};
	}
	const names = xattrNamesWithoutAddon(fd);
	if (names === undefined) {
		return {
			kind: 'xattrs',
			message: `cannot tell whether ${file} has extended attributes or ACLs (the native file addon is not built and getfattr is missing): a rewrite would drop any it has`,
			needsConfirmation: true,
		};
	}
	if (names.length === 0) return undefined;
	return {
		kind: 'xattrs',
		message: `the rewritten ${file} would lose its extended attributes and ACLs (${safeText(names.join(', '))}): the native file addon is not built, and Node alone cannot copy them`,
		needsConfirmation: true,
	};
}

/** The risks of rewriting `file` (symlinks resolved), for the preview. Reads only. */
export function rewriteRisks(file: string): RewriteRisk[] {
	const target = canonicalPath(file);
	const calls = fileCalls();
	let stat: Stats;
	try {
		stat = lstatSync(target);
	} catch {
		// Unreadable or gone: reading the config reports it.
		return [];
	}
	if (!stat.isFile()) return [];
	const risks = directoryRisks(calls, target, stat);
	if (stat.nlink > 1) {
		risks.push({
			kind: 'hard-links',
			message: `${safeText(target)} has ${stat.nlink} hard links: portui rewrites it in place, so every name keeps the change (a copy is made first as the backup; a program reading it in that moment may see it half-written)`,
			needsConfirmation: false,
		});
	}
	if (!isRoot() && stat.uid !== process.geteuid?.()) {
		risks.push({
			kind: 'owner',
			message: `${safeText(target)} belongs to ${safeText(userName(stat.uid))}: only root can give a rewritten file back its owner; run with sudo`,
			needsConfirmation: false,
		});
	}
	const fd = openQuietly(target, constants.O_RDONLY);
	if (fd === undefined) return risks;
	try {
		const flags = calls.inodeFlags(fd, target) ?? 0;
		if (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)) {
			const [what, letter] =
				flags & FS_IMMUTABLE_FL ? ['immutable', 'i'] : ['append-only', 'a'];
			risks.push({
				kind: 'immutable',
				message: `${safeText(target)} is ${what} (chattr +${letter}): portui cannot change it until \`chattr -${letter}\` is run`,
				needsConfirmation: false,
			});
		}
		// In place, the inode and its xattrs stay.
		const xattrs = stat.nlink > 1 ? undefined : xattrRisk(calls, target, fd);
		if (xattrs) risks.push(xattrs);
	} finally {
		closeSync(fd);
	}
	return risks;
}
