/**
 * The terminal session portui runs in, and where another process came from.
 * Killing an ancestor of portui (the shell or the sshd serving this terminal)
 * cuts the operator off, so those pids get a warning; a process started by
 * hand from a shell is told apart from one a service manager runs.
 */
import process from 'node:process';
import {ancestorPids, type ProcessLink} from './ancestry.js';

let ownAncestors: Set<number> | undefined;

/**
 * Pids of portui's own ancestors (its shell, the terminal multiplexer, sshd…),
 * PID 1 excluded since it gets its own warning. Read once: a process's
 * ancestors only change when one of them exits, and then portui is reparented
 * to a subreaper, which is not worth a warning either.
 */
export function sessionAncestors(pid = process.pid, procRoot = '/proc'): Set<number> {
	if (pid === process.pid && procRoot === '/proc' && ownAncestors) return ownAncestors;
	let pids: Set<number>;
	try {
		pids = ancestorPids(pid, procRoot);
	} catch {
		pids = new Set();
	}
	pids.delete(1);
	if (pid === process.pid && procRoot === '/proc') ownAncestors = pids;
	return pids;
}

const SHELLS = new Set([
	'sh',
	'bash',
	'dash',
	'zsh',
	'fish',
	'ksh',
	'mksh',
	'tcsh',
	'csh',
	'ash',
	'busybox',
	'nu',
	'xonsh',
]);

/** Whether a process name (`comm`) is an interactive shell's (a login shell's is `-bash`). */
export function isShellName(name: string): boolean {
	return SHELLS.has(name.replace(/^-/, ''));
}

export type ShellOrigin = {
	/** The nearest shell among the ancestors. */
	shell: ProcessLink;
	/** Controlling terminal, when the process has one (`pts/0`). */
	tty: string | null;
	/** Session id (the session leader's pid). */
	session: number;
	/** The sshd serving the session, when it came in over ssh. */
	sshd?: ProcessLink;
	/** tmux or screen between the shell and the terminal, when there is one. */
	multiplexer?: ProcessLink;
};

/**
 * "Started from a shell": the nearest shell among a process's ancestors (root
 * first, as readAncestry returns them), with the tty, session and the sshd or
 * multiplexer above it. Undefined when no shell started it.
 */
export function shellOrigin(
	ancestry: ProcessLink[],
	facts: {tty: string | null; session: number},
): ShellOrigin | undefined {
	let shellIndex = -1;
	for (let index = ancestry.length - 1; index >= 0; index--) {
		if (isShellName(ancestry[index]!.name)) {
			shellIndex = index;
			break;
		}
	}
	if (shellIndex < 0) return undefined;
	const above = ancestry.slice(0, shellIndex).reverse();
	const origin: ShellOrigin = {
		shell: ancestry[shellIndex]!,
		tty: facts.tty,
		session: facts.session,
	};
	const sshd = above.find(
		(link) => link.name === 'sshd' || link.name.startsWith('sshd-'),
	);
	if (sshd) origin.sshd = sshd;
	const multiplexer = above.find((link) => /^(tmux|screen)/i.test(link.name));
	if (multiplexer) origin.multiplexer = multiplexer;
	return origin;
}
