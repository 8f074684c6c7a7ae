/**
 * Runs the core calls each step of the resolve flow asks for (identify,
 * preview, run, audit) and dispatches their results into the step reducer.
 * Stale results are dropped: a preview that arrives after Esc, or an
 * identification after the screen closed, changes nothing.
 */
import {useCallback, useEffect, useReducer, useRef} from 'react';
import {describeError} from '../../core/errors.js';
import {identify} from '../../core/conflicts/identify.js';
import type {ResolveDeps} from '../../core/conflicts/resolve-wiring.js';
import type {Protocol} from '../../core/sockets/listener.js';
import {
	initialResolveState,
	partyById,
	resolveReducer,
	type ResolveAction,
	type ResolveState,
} from '../state/resolve-state.js';

export type {ResolveDeps};

export function useResolve(
	port: number,
	protocol: Protocol,
	deps: ResolveDeps,
	onExit: () => void,
): {state: ResolveState; dispatch: (action: ResolveAction) => void} {
	const [state, dispatch] = useReducer(resolveReducer, undefined, () =>
		initialResolveState(port, protocol),
	);
	const {sources, actions} = deps;
	// The run's completion reads the latest state (labels for the audit line), not the state it started with.
	const stateRef = useRef(state);
	stateRef.current = state;

	// Identify whenever the identify step asks (first show, `r`).
	const identifying = state.step === 'identify' && state.loading;
	useEffect(() => {
		if (!identifying) return;
		let live = true;
		identify({port, protocol}, sources).then(
			(identification) => {
				if (live) dispatch({type: 'identified', identification});
			},
			(error: unknown) => {
				if (live) dispatch({type: 'failed', message: describeError(error)});
			},
		);
		return () => {
			live = false;
		};
	}, [identifying, port, protocol, sources]);

	// Preview the chosen action: reads plans, writes nothing.
	const previewing = state.step === 'preview' && state.loading;
	const target = partyById(state, state.targetId);
	const {identification, action} = state;
	useEffect(() => {
		if (!previewing || !target || !identification || !action) return;
		let live = true;
		actions.preview(action, target, identification).then(
			(preview) => {
				if (live) dispatch({type: 'preview-ready', preview});
			},
			(error: unknown) => {
				if (live) dispatch({type: 'failed', message: describeError(error)});
			},
		);
		return () => {
			live = false;
		};
	}, [previewing, target, identification, action, actions]);

	// Running starts once per confirmation and is never cancelled by a re-render.
	const killAnswer = useRef<((kill: boolean) => void) | undefined>(undefined);
	const started = useRef<unknown>(undefined);
	const abort = useRef<AbortController | undefined>(undefined);
	const running = state.step === 'running' && state.preview !== undefined;
	const {preview, typedPid, winnerId} = state;
	useEffect(() => {
		if (!running || !preview || started.current === preview) return;
		started.current = preview;
		const controller = new AbortController();
		abort.current = controller;
		const confirmedPids = typedPid ? [Number(typedPid)] : [];
		void (async () => {
			try {
				const outcome = await actions.run(preview, {
					signal: controller.signal,
					confirmedPids,
					onProgress: (event) => dispatch({type: 'progress', event}),
					confirmKill: async (survivors) =>
						new Promise<boolean>((resolve) => {
							killAnswer.current = resolve;
							dispatch({type: 'ask-kill', survivors});
						}),
				});
				dispatch({type: 'outcome', outcome});
				const winner = partyById(stateRef.current, winnerId);
				const path = await actions.audit({
					port,
					protocol,
					...(winner ? {winner: winner.label} : {}),
					target: partyById(stateRef.current, preview.partyId)?.label ?? preview.partyId,
					outcome,
				});
				dispatch({type: 'audited', path});
			} catch (error: unknown) {
				dispatch({type: 'failed', message: describeError(error)});
			}
		})();
	}, [running, preview, typedPid, winnerId, actions, port, protocol]);

	// Hand the user's SIGKILL answer back to the waiting run.
	useEffect(() => {
		if (state.killAnswer === undefined || !killAnswer.current) return;
		const resolve = killAnswer.current;
		killAnswer.current = undefined;
		resolve(state.killAnswer);
	}, [state.killAnswer]);

	// Leaving: a run waiting on the SIGKILL question gets "no", and nothing more is started.
	useEffect(
		() => () => {
			killAnswer.current?.(false);
			abort.current?.abort();
		},
		[],
	);

	useEffect(() => {
		if (state.exit) onExit();
	}, [state.exit, onExit]);

	const stableDispatch = useCallback((action: ResolveAction) => dispatch(action), []);
	return {state, dispatch: stableDispatch};
}
