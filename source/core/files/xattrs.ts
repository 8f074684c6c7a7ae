/**
 * Extended attributes travel with an inode, so a rewrite that renames a new
 * file into place must copy them: ACLs (system.posix_acl_access, which may be
 * what lets a service read its config), SELinux labels (security.selinux),
 * user.* attributes. Read and written through descriptors, never by path.
 */
import type {Xattrs} from './calls.js';

export type XattrSet = {
	values: Map<string, Buffer>;
	/** Listed but not readable by this user: they cannot be copied. */
	unreadable: string[];
};

function code(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function readXattrs(xattrs: Xattrs, fd: number): XattrSet {
	const set: XattrSet = {values: new Map(), unreadable: []};
	let names: string[];
	try {
		names = xattrs.list(fd);
	} catch (error) {
		if (code(error) === 'ENOTSUP') return set;
		throw error;
	}
	for (const name of names) {
		try {
			set.values.set(name, xattrs.get(fd, name));
		} catch (error) {
			// ENODATA: removed between the list and the read.
			if (code(error) !== 'ENODATA') set.unreadable.push(name);
		}
	}
	return set;
}

/**
 * Makes the xattrs of `fd` those of `set`: removes what the new file got by
 * itself (a directory's default ACL) and sets every value. Returns the names
 * that could not be made the same. Call after fchown, which clears
 * security.capability.
 */
export function copyXattrs(xattrs: Xattrs, set: XattrSet, fd: number): string[] {
	const differing = [...set.unreadable];
	let present: string[] = [];
	try {
		present = xattrs.list(fd);
	} catch {
		// Nothing listed: nothing to remove.
	}
	for (const name of present) {
		if (set.values.has(name)) continue;
		try {
			xattrs.remove(fd, name);
		} catch {
			differing.push(name);
		}
	}
	for (const [name, value] of set.values) {
		try {
			xattrs.set(fd, name, value);
		} catch {
			differing.push(name);
		}
	}
	return differing;
}

/**
 * The names this user will not be able to set on the new file: what it
 * cannot read, and without root the trusted.* and security.* attributes
 * (they need CAP_SYS_ADMIN or CAP_SETFCAP; an SELinux label is up to the
 * policy and is tried).
 */
export function uncopyable(set: XattrSet, root: boolean): string[] {
	const names = [...set.unreadable];
	if (!root) {
		for (const name of set.values.keys()) {
			if (name.startsWith('trusted.')) names.push(name);
			else if (name.startsWith('security.') && name !== 'security.selinux')
				names.push(name);
		}
	}
	return names;
}
