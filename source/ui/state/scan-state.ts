/**
 * The scan screen's state as a pure reducer: a form (targets, ports,
 * technique) validated as you type, then a running scan folding engine events
 * into a report, then the browsable result. Esc while running cancels and keeps
 * what was found.
 */
import type {ScanEvent, ScanProgress, Technique} from '../../core/scan/model.js';
import {parsePorts} from '../../core/scan/ports.js';
import {applyEvent, emptyReport, type ScanReport} from '../../core/scan/report.js';
import {validateTargets} from '../../core/scan/targets.js';
import type {PortResult} from '../../core/scan/model.js';

export type ScanField = 'targets' | 'ports' | 'technique';
export const scanFields: ScanField[] = ['targets', 'ports', 'technique'];
export const techniques: Technique[] = ['connect', 'udp', 'syn'];

export type ScanPhase = 'form' | 'confirm' | 'running' | 'done';

export type ScanViewState = {
	phase: ScanPhase;
	field: ScanField;
	targets: string;
	/** Empty means the top 1000. */
	ports: string;
	technique: Technique;
	/** Why SYN cannot be picked here (undefined when it can). */
	synUnavailable?: string;
	/** Inline validation message for the form (undefined when it is valid). */
	invalid?: string;
	/** Addresses awaiting the user's go-ahead (phase 'confirm'). */
	confirm?: string[];
	report: ScanReport;
	progress?: ScanProgress;
	/** Index into the visible result rows. */
	selected: number;
	/** Error that ended the scan (nmap failed…). */
	error?: string;
	/** Bumped at each start, so the runner restarts even with the same inputs. */
	run: number;
	/** The user said yes to scanning addresses outside private ranges for this run. */
	approved: boolean;
};

export type ScanAction =
	| {type: 'text'; text: string}
	| {type: 'backspace'}
	| {type: 'next-field'}
	| {type: 'previous-field'}
	| {type: 'technique'; step: 1 | -1}
	| {type: 'submit'}
	| {type: 'confirm-needed'; addresses: string[]}
	| {type: 'confirm'; yes: boolean}
	| {type: 'event'; event: ScanEvent}
	| {type: 'failed'; error: string}
	| {type: 'move'; delta: number}
	| {type: 'edit'};

export function initialScanState(synUnavailable?: string): ScanViewState {
	return {
		phase: 'form',
		field: 'targets',
		targets: '',
		ports: '',
		technique: 'connect',
		synUnavailable,
		invalid: 'enter a target (e.g. 127.0.0.1, localhost, 10.0.0.0/24)',
		report: emptyReport('connect'),
		selected: 0,
		run: 0,
		approved: false,
	};
}

/** The form's validation message, or undefined when it can start. */
export function validateForm(
	state: Pick<ScanViewState, 'targets' | 'ports' | 'technique' | 'synUnavailable'>,
): string | undefined {
	const targets = state.targets.split(/[\s,]+/).filter(Boolean);
	try {
		validateTargets(targets);
		if (state.ports.trim() !== '')
			parsePorts(state.ports, state.technique === 'udp' ? 'udp' : 'tcp');
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	}
	if (state.technique === 'syn' && state.synUnavailable) return state.synUnavailable;
	return undefined;
}

/** Result rows shown: every port that is not closed, by host then port. */
export function resultRows(report: ScanReport): PortResult[] {
	return report.hosts
		.flatMap((host) => host.ports)
		.filter((result) => result.state !== 'closed')
		.sort((a, b) => a.host - b.host || a.port - b.port);
}

function revalidate(state: ScanViewState): ScanViewState {
	return {...state, invalid: validateForm(state)};
}

export function scanReducer(state: ScanViewState, action: ScanAction): ScanViewState {
	switch (action.type) {
		case 'text': {
			if (state.phase !== 'form' || state.field === 'technique') return state;
			return revalidate({...state, [state.field]: state[state.field] + action.text});
		}
		case 'backspace': {
			if (state.phase !== 'form' || state.field === 'technique') return state;
			return revalidate({...state, [state.field]: state[state.field].slice(0, -1)});
		}
		case 'next-field':
		case 'previous-field': {
			if (state.phase !== 'form') return state;
			const step = action.type === 'next-field' ? 1 : -1;
			const index =
				(scanFields.indexOf(state.field) + step + scanFields.length) % scanFields.length;
			return {...state, field: scanFields[index]};
		}
		case 'technique': {
			if (state.phase !== 'form') return state;
			const index =
				(techniques.indexOf(state.technique) + action.step + techniques.length) %
				techniques.length;
			return revalidate({...state, technique: techniques[index]});
		}
		case 'submit': {
			if (state.phase !== 'form' || state.invalid) return state;
			return {
				...state,
				phase: 'running',
				report: emptyReport(state.technique),
				progress: undefined,
				selected: 0,
				error: undefined,
				run: state.run + 1,
				approved: false,
			};
		}
		case 'confirm-needed':
			return state.phase === 'running'
				? {...state, phase: 'confirm', confirm: action.addresses}
				: state;
		case 'confirm':
			if (state.phase !== 'confirm') return state;
			return action.yes
				? {
						...state,
						phase: 'running',
						confirm: undefined,
						approved: true,
						run: state.run + 1,
					}
				: revalidate({...state, phase: 'form', confirm: undefined});
		case 'event': {
			if (state.phase !== 'running' && state.phase !== 'confirm') return state;
			const report = applyEvent(state.report, action.event);
			if (action.event.type === 'progress')
				return {...state, progress: action.event.progress};
			if (action.event.type === 'done') return {...state, report, phase: 'done'};
			return {...state, report};
		}
		case 'failed':
			return {...state, phase: 'done', error: action.error};
		case 'move': {
			const count = resultRows(state.report).length;
			if (count === 0) return state;
			return {
				...state,
				selected: Math.max(0, Math.min(count - 1, state.selected + action.delta)),
			};
		}
		case 'edit':
			return state.phase === 'done' ? revalidate({...state, phase: 'form'}) : state;
	}
}
