/**
 * Keeps a process screen's report fresh: reads the /proc side every
 * `intervalMs`, asks systemd and the container CLIs once, samples CPU between
 * refreshes, and reports the process gone (and stops) when it exits or its
 * pid is reused. Everything the screen shows comes through `dispatch`.
 */
import {managerOf} from '../../core/processes/manager.js';
import {useEffect, type Dispatch} from 'react';
import {ProcessGoneError, describeError} from '../../core/errors.js';
import {sampleCpu, type CpuSample} from '../../core/processes/details.js';
import {
	readManagerFacts,
	readProcessSnapshot,
	warningsFor,
	type ManagerFacts,
	type ManagerOptions,
} from '../../core/processes/inspect.js';
import type {Listener} from '../../core/sockets/listener.js';
import {OwnerIndex} from '../../core/sockets/owners.js';
import type {ProcessAction} from '../state/process-state.js';

export const PROCESS_REFRESH_MS = 1000;
/** Open files named when `o` is pressed (the count is always complete). */
export const OPEN_FILES_SHOWN = 50;

export type UseProcessReportOptions = {
	listener: Listener;
	dispatch: Dispatch<ProcessAction>;
	intervalMs?: number;
	/** systemd and container adapters (tests pass stand-ins). */
	managers?: ManagerOptions;
};

export function useProcessReport({
	listener,
	dispatch,
	intervalMs = PROCESS_REFRESH_MS,
	managers: managerOptions,
}: UseProcessReportOptions): void {
	const holder = listener.processes[0];
	const pid = holder?.pid;
	const startTicks = holder?.startTicks;
	const {protocol, address, port} = listener;

	useEffect(() => {
		if (pid === undefined) return;
		let cancelled = false;
		let timer: NodeJS.Timeout | undefined;
		// Kept across refreshes: only new processes' fds are walked again.
		const owners = new OwnerIndex();
		let managers: ManagerFacts | undefined;
		let previous: CpuSample | undefined;

		const poll = async () => {
			try {
				const snapshot = readProcessSnapshot(pid, {
					expectStartTicks: startTicks,
					owners,
					openFilesShown: OPEN_FILES_SHOWN,
				});
				const sample: CpuSample = {
					pid,
					startTicks: snapshot.details.startTicks,
					cpuTicks: snapshot.details.cpuTicks,
					atMs: Date.now(),
				};
				const cpuPercent = previous ? sampleCpu(previous, sample) : undefined;
				previous = sample;
				if (!managers) {
					try {
						managers = await readManagerFacts(snapshot, managerOptions);
					} catch {
						managers = {unit: null, container: null};
					}
				}
				if (cancelled) return;
				const warnings = warningsFor(snapshot, managers, {
					focus: [{protocol, address, port}],
				});
				dispatch({
					type: 'loaded',
					report: {
						...snapshot,
						...managers,
						warnings,
						manager: managerOf({...snapshot, ...managers}),
					},
					cpuPercent,
					nowMs: Date.now(),
				});
			} catch (error: unknown) {
				if (cancelled) return;
				if (error instanceof ProcessGoneError) {
					dispatch({type: 'gone', message: `process ${pid} has exited`});
					return;
				}
				dispatch({type: 'failed', message: describeError(error)});
			}
			if (!cancelled) timer = setTimeout(() => void poll(), intervalMs);
		};
		void poll();
		return () => {
			cancelled = true;
			if (timer) clearTimeout(timer);
		};
	}, [pid, startTicks, protocol, address, port, intervalMs, dispatch, managerOptions]);
}
