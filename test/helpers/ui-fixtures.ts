/** Listener snapshots built in memory for the UI tests, and small helpers to drive ink-testing-library. */
import type {
	Holder,
	Listener,
	ListenerSnapshot,
} from '../../source/core/sockets/listener.js';

export const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

export function holder(pid: number, name: string, extra: Partial<Holder> = {}): Holder {
	return {
		pid,
		name,
		command: `${name} --serve`,
		uid: 0,
		user: 'root',
		startTicks: pid * 100,
		startedAtMs: NOW - 60_000,
		...extra,
	};
}

let nextInode = 1000;

export function listener(
	port: number,
	extra: Partial<Listener> & {holders?: Holder[]} = {},
): Listener {
	const {holders, ...rest} = extra;
	const protocol = rest.protocol ?? 'tcp';
	return {
		protocol,
		family: 4,
		address: '127.0.0.1',
		port,
		state: protocol === 'tcp' ? 'LISTEN' : 'UNCONN',
		inode: nextInode++,
		uid: 0,
		user: 'root',
		processes: holders ?? [holder(port + 10_000, `svc${port}`)],
		processesHidden: false,
		...rest,
	};
}

export function snapshot(
	listeners: Listener[],
	extra: Partial<ListenerSnapshot> = {},
): ListenerSnapshot {
	return {listeners, takenAtMs: NOW, isRoot: true, hiddenCount: 0, ...extra};
}

export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	home: '\u001B[H',
	end: '\u001B[F',
	enter: '\r',
	escape: '\u001B',
	backspace: '\u007F',
	ctrlC: '\u0003',
};

export const tick = async (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` against the latest frame until it holds; fails with `what`
 * and the frame after `timeoutMs`.
 */
export async function waitForFrame(
	lastFrame: () => string | undefined,
	check: (frame: string) => boolean,
	what = 'the frame to match',
	timeoutMs = 3000,
): Promise<string> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const frame = lastFrame() ?? '';
		if (check(frame)) return frame;
		if (Date.now() > end) {
			throw new Error(
				`timed out after ${timeoutMs} ms waiting for ${what}; frame:\n${frame}`,
			);
		}
		await tick(5);
	}
}
