/**
 * The resolve flow as a pure step machine: identify → prioritise → action →
 * preview → confirm → running → (force) → done. Components render a state
 * and dispatch; the hook runs the core calls each step asks for. Esc backs
 * out of every step before running with nothing changed: nothing is written
 * or signalled before the `running` step.
 */
import type {Identification, Party} from '../../core/conflicts/identify.js';
import {withNeed} from '../../core/conflicts/identify.js';
import {prioritise, type Priority} from '../../core/conflicts/prioritise.js';
import type {
	ActionKind,
	ActionOutcome,
	ActionPreview,
	ProgressEvent,
} from '../../core/conflicts/resolve-actions.js';
import type {Protocol} from '../../core/sockets/listener.js';

export type ResolveStep =
	| 'identify'
	| 'prioritise'
	| 'action'
	| 'preview'
	| 'confirm'
	| 'running'
	| 'force'
	| 'done';

export type ResolveState = {
	port: number;
	protocol: Protocol;
	step: ResolveStep;
	/** A core call is under way for this step (identify, preview). */
	loading: boolean;
	identification?: Identification;
	priority?: Priority;
	/** While the user types "I need this port for…" on the identify step. */
	needDraft?: string;
	winnerId?: string;
	/** The party the action applies to. */
	targetId?: string;
	action?: ActionKind;
	preview?: ActionPreview;
	/** What the user typed to confirm a pid that is an ancestor of this session. */
	typedPid: string;
	progress: ProgressEvent[];
	countdown?: number;
	/** Processes that outlived SIGTERM, while the user is asked about SIGKILL. */
	survivors?: Array<{pid: number; name: string}>;
	/** The user's SIGKILL answer, for the hook to pass back to the run. */
	killAnswer?: boolean;
	outcome?: ActionOutcome;
	auditPath?: string;
	/** The last error, shown on the current step. */
	error?: string;
	/** Set when the flow is over and the screen should go back. */
	exit: boolean;
};

export type ResolveAction =
	| {type: 'identified'; identification: Identification}
	| {type: 'failed'; message: string}
	| {type: 'refresh'}
	| {type: 'next'}
	| {type: 'need-start'}
	| {type: 'need-input'; text: string}
	| {type: 'need-submit'}
	| {type: 'choose-winner'; partyId: string}
	| {type: 'choose-action'; partyId: string; action: ActionKind}
	| {type: 'cancel'}
	| {type: 'preview-ready'; preview: ActionPreview}
	| {type: 'confirm'}
	| {type: 'type-pid'; text: string}
	/** Typed text for whichever field is open (the need, or the pid), appended to what is there. */
	| {type: 'append-text'; text: string}
	/** Backspace in whichever field is open. */
	| {type: 'erase-text'}
	| {type: 'progress'; event: ProgressEvent}
	| {type: 'outcome'; outcome: ActionOutcome}
	/** The run asks whether to SIGKILL processes that outlived SIGTERM. */
	| {type: 'ask-kill'; survivors: Array<{pid: number; name: string}>}
	| {type: 'answer-kill'; kill: boolean}
	| {type: 'audited'; path: string | undefined}
	| {type: 'back'};

export function initialResolveState(
	port: number,
	protocol: Protocol = 'tcp',
): ResolveState {
	return {
		port,
		protocol,
		step: 'identify',
		loading: true,
		typedPid: '',
		progress: [],
		exit: false,
	};
}

/** The winner id meaning "nobody keeps the port": every party is acted on, the port is just freed. */
export const NOBODY = 'nobody';

export function partyById(
	state: ResolveState,
	id: string | undefined,
): Party | undefined {
	return state.identification?.parties.find((party) => party.id === id);
}

/** The parties an action can apply to once a winner is chosen: everyone else but a typed need. */
export function losers(state: ResolveState): Party[] {
	return (state.identification?.parties ?? []).filter(
		(party) => party.id !== state.winnerId && party.kind !== 'typed',
	);
}

/** Whether confirming needs the pid typed (the target is this session's own sshd or shell). */
export function needsTypedPid(state: ResolveState): boolean {
	return state.preview?.action === 'terminate' && state.preview.ancestor !== undefined;
}

/** Whether running may begin from the confirm step. */
export function canRun(state: ResolveState): boolean {
	if (!state.preview || state.preview.refused) return false;
	if (state.preview.action === 'terminate' && state.preview.ancestor)
		return state.typedPid === String(state.preview.ancestor.pid);
	return true;
}

const beforeRunning = new Set<ResolveStep>([
	'identify',
	'prioritise',
	'action',
	'preview',
	'confirm',
]);

export function resolveReducer(state: ResolveState, action: ResolveAction): ResolveState {
	switch (action.type) {
		case 'identified': {
			if (state.step !== 'identify') return state;
			return {
				...state,
				loading: false,
				error: undefined,
				identification: action.identification,
				priority: prioritise(action.identification),
			};
		}
		case 'failed': {
			// An error during running ends the run: what happened so far is in the progress list.
			if (state.step === 'running')
				return {...state, loading: false, error: action.message, step: 'done'};
			return {...state, loading: false, error: action.message};
		}
		case 'refresh': {
			if (state.step !== 'identify' || state.needDraft !== undefined) return state;
			return {...state, loading: true, error: undefined};
		}
		case 'need-start': {
			if (state.step !== 'identify' || state.loading) return state;
			return {...state, needDraft: ''};
		}
		case 'need-input': {
			if (state.needDraft === undefined) return state;
			return {...state, needDraft: action.text};
		}
		case 'need-submit': {
			if (state.needDraft === undefined || !state.identification) return state;
			const identification = withNeed(state.identification, state.needDraft);
			return {
				...state,
				needDraft: undefined,
				identification,
				priority: prioritise(identification),
			};
		}
		case 'next': {
			if (state.step !== 'identify' || state.loading || !state.identification)
				return state;
			if (state.needDraft !== undefined) return state;
			if (state.identification.parties.length === 0) {
				return {
					...state,
					error: `nothing holds or wants ${state.protocol}/${state.port}`,
				};
			}
			return {...state, step: 'prioritise', error: undefined};
		}
		case 'choose-winner': {
			if (state.step !== 'prioritise') return state;
			if (action.partyId !== NOBODY && !partyById(state, action.partyId)) return state;
			return {...state, step: 'action', winnerId: action.partyId, error: undefined};
		}
		case 'choose-action': {
			if (state.step !== 'action') return state;
			const target = partyById(state, action.partyId);
			if (!target || target.id === state.winnerId) return state;
			return {
				...state,
				step: 'preview',
				loading: true,
				targetId: target.id,
				action: action.action,
				preview: undefined,
				error: undefined,
			};
		}
		case 'cancel': {
			if (!beforeRunning.has(state.step)) return state;
			return {...state, exit: true};
		}
		case 'preview-ready': {
			if (state.step !== 'preview' || action.preview.partyId !== state.targetId)
				return state;
			return {...state, loading: false, preview: action.preview};
		}
		case 'confirm': {
			if (state.step === 'preview') {
				if (state.loading || !state.preview || state.preview.refused) return state;
				return {...state, step: 'confirm', typedPid: ''};
			}
			if (state.step === 'confirm' && canRun(state)) {
				return {
					...state,
					step: 'running',
					progress: [],
					countdown: undefined,
					error: undefined,
				};
			}
			return state;
		}
		case 'type-pid': {
			if (state.step !== 'confirm') return state;
			return {...state, typedPid: action.text.replace(/\D/g, '').slice(0, 10)};
		}
		case 'append-text': {
			if (state.needDraft !== undefined)
				return {...state, needDraft: state.needDraft + action.text};
			if (state.step === 'confirm')
				return resolveReducer(state, {
					type: 'type-pid',
					text: state.typedPid + action.text,
				});
			return state;
		}
		case 'erase-text': {
			if (state.needDraft !== undefined)
				return {...state, needDraft: state.needDraft.slice(0, -1)};
			if (state.step === 'confirm')
				return {...state, typedPid: state.typedPid.slice(0, -1)};
			return state;
		}
		case 'progress': {
			if (state.step !== 'running') return state;
			if (action.event.kind === 'countdown')
				return {...state, countdown: action.event.secondsLeft};
			// A step reported again (running → done) replaces its earlier line.
			const event = action.event;
			const progress = state.progress.filter(
				(earlier) =>
					!(
						earlier.kind === 'step' &&
						earlier.step === event.step &&
						earlier.status === 'running'
					),
			);
			return {...state, progress: [...progress, event]};
		}
		case 'outcome': {
			if (state.step !== 'running' && state.step !== 'force') return state;
			return {
				...state,
				step: 'done',
				countdown: undefined,
				survivors: undefined,
				outcome: action.outcome,
			};
		}
		case 'ask-kill': {
			if (state.step !== 'running') return state;
			return {
				...state,
				step: 'force',
				countdown: undefined,
				survivors: action.survivors,
				killAnswer: undefined,
			};
		}
		case 'answer-kill': {
			if (state.step !== 'force') return state;
			return {...state, step: 'running', survivors: undefined, killAnswer: action.kill};
		}
		case 'audited': {
			return {...state, auditPath: action.path};
		}
		case 'back': {
			switch (state.step) {
				case 'identify':
					if (state.needDraft !== undefined) return {...state, needDraft: undefined};
					return {...state, exit: true};
				case 'prioritise':
					return {...state, step: 'identify', error: undefined};
				case 'action':
					return {...state, step: 'prioritise', winnerId: undefined, error: undefined};
				case 'preview':
					return {
						...state,
						step: 'action',
						loading: false,
						preview: undefined,
						targetId: undefined,
						action: undefined,
						error: undefined,
					};
				case 'confirm':
					return {...state, step: 'preview', typedPid: ''};
				case 'running':
					// Signals sent and files written cannot be unsent: running finishes on its own.
					return state;
				case 'force':
					// Declining SIGKILL: the survivors keep running, and the summary says so.
					return {...state, step: 'running', survivors: undefined, killAnswer: false};
				case 'done':
					return {...state, exit: true};
			}
			return state;
		}
	}
	return state;
}
