/**
 * The process screen's state as a pure reducer: the latest report, CPU% from
 * the last two samples, whether the process has exited, the sockets list's
 * scroll position and whether open files are shown. Once the process is gone
 * no later report is accepted: the screen says it ended instead of showing
 * what it was.
 */
import type {ProcessReport, ProcessSocket} from '../../core/processes/inspect.js';

export type ProcessStatus = 'loading' | 'ready' | 'gone' | 'error';

export type ProcessViewState = {
	status: ProcessStatus;
	pid: number | null;
	report: ProcessReport | null;
	/** CPU use over the last refresh, percent of one core; null until two samples exist. */
	cpuPercent: number | null;
	/** Why the screen has nothing to show (status gone or error). */
	message: string | null;
	/** Index of the first visible row of the sockets list. */
	scroll: number;
	showFiles: boolean;
	refreshedAtMs: number | null;
};

export type ProcessAction =
	| {type: 'loaded'; report: ProcessReport; cpuPercent?: number; nowMs: number}
	| {type: 'gone'; message: string}
	| {type: 'failed'; message: string}
	| {type: 'scroll'; delta: number; visibleRows: number}
	| {type: 'toggleFiles'};

/**
 * `hiddenFromUser` (the listener's processesHidden): a socket without a
 * visible holder is another user's, and sudo shows it. Otherwise sudo is no
 * advice: the holder is outside this PID namespace (a container's host, a
 * sandbox) or the kernel.
 */
export function initialProcessState(
	pid: number | null,
	hiddenFromUser = true,
): ProcessViewState {
	return {
		status: pid === null ? 'error' : 'loading',
		pid,
		report: null,
		cpuPercent: null,
		message:
			pid === null
				? hiddenFromUser
					? 'no process holding this socket is visible (run with sudo)'
					: 'no process holding this socket is visible (it is held outside this PID namespace, or by the kernel)'
				: null,
		scroll: 0,
		showFiles: false,
		refreshedAtMs: null,
	};
}

/** The sockets list in display order: listeners first, then connections. */
export function socketRows(report: ProcessReport | null): ProcessSocket[] {
	return report ? [...report.listeners, ...report.connections] : [];
}

function clampScroll(scroll: number, total: number, visibleRows: number): number {
	return Math.max(0, Math.min(scroll, total - Math.max(1, visibleRows)));
}

export function processReducer(
	state: ProcessViewState,
	action: ProcessAction,
): ProcessViewState {
	switch (action.type) {
		case 'loaded': {
			if (state.status === 'gone') return state;
			return {
				...state,
				status: 'ready',
				report: action.report,
				cpuPercent: action.cpuPercent ?? state.cpuPercent,
				message: null,
				refreshedAtMs: action.nowMs,
			};
		}
		case 'gone': {
			return {...state, status: 'gone', message: action.message};
		}
		case 'failed': {
			if (state.status === 'gone') return state;
			// A failed refresh after a good one keeps the data and says why it is not fresh.
			return {
				...state,
				status: state.report ? 'ready' : 'error',
				message: action.message,
			};
		}
		case 'scroll': {
			const total = socketRows(state.report).length;
			return {
				...state,
				scroll: clampScroll(state.scroll + action.delta, total, action.visibleRows),
			};
		}
		case 'toggleFiles': {
			return {...state, showFiles: !state.showFiles};
		}
	}
}
