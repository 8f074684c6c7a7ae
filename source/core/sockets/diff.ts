/** What changed between two refreshes: listeners that appeared and vanished. */
import {listenerKey, type Listener, type SnapshotDiff} from './listener.js';

/**
 * Listeners are matched by protocol, address, port and inode: a server that
 * restarts on the same port gets a new inode, so it shows as one vanished
 * and one appeared, which is what happened.
 */
export function diffSnapshots(previous: Listener[], next: Listener[]): SnapshotDiff {
	const before = new Map<string, Listener>();
	for (const listener of previous) before.set(listenerKey(listener), listener);
	const appeared: Listener[] = [];
	const seen = new Set<string>();
	for (const listener of next) {
		const key = listenerKey(listener);
		seen.add(key);
		if (!before.has(key)) appeared.push(listener);
	}
	const vanished: Listener[] = [];
	for (const [key, listener] of before) if (!seen.has(key)) vanished.push(listener);
	return {appeared, vanished};
}
