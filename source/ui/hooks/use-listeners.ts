/**
 * Polls a listener source on an interval and hands each snapshot to the
 * caller (the list reducer turns consecutive snapshots into appeared and
 * vanished rows). Pausing stops the timer; `refreshNow` reads at once, paused
 * or not. Results of a read that a newer one superseded are dropped.
 */
import {useCallback, useEffect, useRef, useState} from 'react';
import type {ListenerSnapshot} from '../../core/sockets/listener.js';
import {describeError} from '../../core/errors.js';

/** Where the list screen gets its listeners: the core reader in the app, a fake in tests. */
export type ListenerSource = () => ListenerSnapshot | Promise<ListenerSnapshot>;

export type UseListenersOptions = {
	source: ListenerSource;
	intervalMs: number;
	paused: boolean;
	onSnapshot: (snapshot: ListenerSnapshot, nowMs: number) => void;
	onError: (message: string) => void;
};

export function useListeners({
	source,
	intervalMs,
	paused,
	onSnapshot,
	onError,
}: UseListenersOptions): {refreshNow: () => void} {
	const latest = useRef({source, onSnapshot, onError});
	latest.current = {source, onSnapshot, onError};
	const [manual, setManual] = useState(0);
	const manualPending = useRef(false);

	useEffect(() => {
		if (paused && !manualPending.current) return;
		manualPending.current = false;
		let cancelled = false;
		let timer: NodeJS.Timeout | undefined;
		const poll = async () => {
			try {
				const snapshot = await latest.current.source();
				if (!cancelled) latest.current.onSnapshot(snapshot, Date.now());
			} catch (error: unknown) {
				if (!cancelled) latest.current.onError(describeError(error));
			}
			if (!cancelled && !paused) timer = setTimeout(() => void poll(), intervalMs);
		};
		void poll();
		return () => {
			cancelled = true;
			if (timer) clearTimeout(timer);
		};
	}, [intervalMs, paused, manual]);

	const refreshNow = useCallback(() => {
		manualPending.current = true;
		setManual((count) => count + 1);
	}, []);
	return {refreshNow};
}
