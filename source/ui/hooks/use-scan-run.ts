/**
 * Runs the scan the state asks for: resolves targets, asks for confirmation
 * when an address is outside private ranges, then feeds engine events to the
 * reducer. The engine works in worker threads, so keys and redraws stay
 * instant. Returns `cancel`; unmounting cancels too.
 */
import {useCallback, useEffect, useRef, type Dispatch} from 'react';
import {describeError} from '../../core/errors.js';
import {parsePorts, topPorts} from '../../core/scan/ports.js';
import {scan} from '../../core/scan/scan.js';
import {needsConfirmation, resolveTargets} from '../../core/scan/targets.js';
import type {ScanAction, ScanViewState} from '../state/scan-state.js';

/** Events are applied at most this often (a full range yields thousands). */
const BATCH_MS = 50;

export function useScanRun(
	state: ScanViewState,
	dispatch: Dispatch<ScanAction>,
): {cancel: () => void} {
	const controller = useRef<AbortController | undefined>(undefined);
	const {run, phase} = state;
	const inputs = useRef(state);
	inputs.current = state;

	useEffect(() => {
		if (run === 0) return;
		const {targets, ports, technique, approved} = inputs.current;
		if (inputs.current.phase !== 'running') return;
		const abort = new AbortController();
		controller.current = abort;
		const protocol = technique === 'udp' ? 'udp' : 'tcp';
		void (async () => {
			try {
				const resolved = await resolveTargets(targets.split(/[\s,]+/).filter(Boolean));
				const outside = resolved.filter(
					(target) => !target.error && needsConfirmation(target.address),
				);
				if (outside.length > 0 && !approved) {
					dispatch({
						type: 'confirm-needed',
						addresses: outside.map((target) => target.address),
					});
					return;
				}
				const portList =
					ports.trim() === '' ? topPorts(1000, protocol) : parsePorts(ports, protocol);
				let pending: ScanAction[] = [];
				let last = 0;
				for await (const event of scan({
					targets: resolved,
					ports: portList,
					technique,
					signal: abort.signal,
				})) {
					pending.push({type: 'event', event});
					const now = Date.now();
					if (event.type === 'done' || now - last >= BATCH_MS) {
						for (const action of pending) dispatch(action);
						pending = [];
						last = now;
					}
				}
				for (const action of pending) dispatch(action);
			} catch (error) {
				if (!abort.signal.aborted)
					dispatch({type: 'failed', error: describeError(error)});
			}
		})();
		return () => abort.abort();
	}, [run, dispatch]);

	const cancel = useCallback(() => controller.current?.abort(), []);
	// Leaving the running phase by any path ends the scan.
	useEffect(() => {
		if (phase !== 'running' && phase !== 'confirm') controller.current?.abort();
	}, [phase]);
	return {cancel};
}
