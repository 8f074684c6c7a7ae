/**
 * The resolve screen's keys, as data per step (they drive the footer too),
 * and the one hook that listens for them. The prioritise and action steps
 * are lists driven by ink-select-input (arrows, Enter); this hook adds Esc and
 * the step's own keys. Everything is gated by `isActive`.
 */
import {useCallback} from 'react';
import type {Binding} from '../keymap.js';
import {useKeymap} from './use-keymap.js';
import {
	needsTypedPid,
	type ResolveAction,
	type ResolveState,
	type ResolveStep,
} from '../state/resolve-state.js';

export type ResolveCommand =
	'next' | 'refresh' | 'need' | 'back' | 'confirm' | 'erase' | 'kill' | 'keep' | 'close';

const esc = (description: string, text: string): Binding<ResolveCommand> => ({
	command: 'back',
	keys: [{key: 'escape'}],
	label: 'Esc',
	description,
	footer: {label: 'Esc', text, always: true},
});

const erase: Binding<ResolveCommand> = {
	command: 'erase',
	keys: [{key: 'backspace'}, {key: 'delete'}],
	label: 'Backspace',
	description: 'erase',
};

const choose: Binding<ResolveCommand> = {
	command: 'next',
	keys: [],
	label: '↑↓ Enter',
	description: 'choose',
	footer: {label: '↑↓ ⏎', text: 'choose'},
};

export const resolveKeymaps: Record<
	ResolveStep | 'need' | 'pid',
	Array<Binding<ResolveCommand>>
> = {
	identify: [
		{
			command: 'next',
			keys: [{key: 'return'}, {key: 'rightArrow'}],
			label: 'Enter',
			description: 'go on to choosing who keeps the port',
			footer: {label: '⏎', text: 'next'},
		},
		{
			command: 'need',
			keys: [{input: 'i'}],
			label: 'i',
			description: 'say what else needs this port ("I need it for…")',
			footer: {label: 'i', text: 'I need it'},
		},
		{
			command: 'refresh',
			keys: [{input: 'r'}],
			label: 'r',
			description: 'look again',
			footer: {label: 'r', text: 'refresh'},
		},
		esc('leave, nothing changed', 'back'),
	],
	need: [
		{
			command: 'confirm',
			keys: [{key: 'return'}],
			label: 'Enter',
			description: 'add this need',
			footer: {label: '⏎', text: 'add'},
		},
		erase,
		esc('drop what was typed', 'cancel'),
	],
	prioritise: [choose, esc('back to the parties', 'back')],
	action: [choose, esc('back to choosing who keeps the port', 'back')],
	preview: [
		{
			command: 'confirm',
			keys: [{key: 'return'}, {input: 'y'}],
			label: 'Enter/y',
			description: 'go on to confirm',
			footer: {label: '⏎', text: 'continue'},
		},
		esc('back, nothing changed', 'back'),
	],
	confirm: [
		{
			command: 'confirm',
			keys: [{key: 'return'}, {input: 'y'}],
			label: 'Enter/y',
			description: 'do it now',
			footer: {label: 'y/⏎', text: 'do it'},
		},
		esc('back, nothing changed', 'back'),
	],
	pid: [
		{
			command: 'confirm',
			keys: [{key: 'return'}],
			label: 'Enter',
			description: 'do it (once the pid is typed)',
			footer: {label: '⏎', text: 'do it'},
		},
		erase,
		esc('back, nothing changed', 'back'),
	],
	running: [],
	force: [
		{
			command: 'kill',
			keys: [{input: 'k'}, {input: 'y'}],
			label: 'k/y',
			description: 'send SIGKILL',
			footer: {label: 'k', text: 'SIGKILL'},
		},
		{
			command: 'keep',
			keys: [{key: 'escape'}, {input: 'n'}],
			label: 'Esc/n',
			description: 'leave them running',
			footer: {label: 'Esc', text: 'leave running', always: true},
		},
	],
	done: [
		{
			command: 'close',
			keys: [{key: 'return'}, {key: 'escape'}, {input: 'q'}],
			label: 'Enter/Esc',
			description: 'close',
			footer: {label: '⏎', text: 'close', always: true},
		},
	],
};

/** The keymap in force for a state (typing a need or a pid has its own). */
export function activeKeymap(state: ResolveState): Array<Binding<ResolveCommand>> {
	if (state.step === 'identify' && state.needDraft !== undefined)
		return resolveKeymaps.need;
	if (state.step === 'confirm' && needsTypedPid(state)) return resolveKeymaps.pid;
	return resolveKeymaps[state.step];
}

export function useResolveKeys(
	state: ResolveState,
	dispatch: (action: ResolveAction) => void,
	isActive: boolean,
): void {
	const typing =
		(state.step === 'identify' && state.needDraft !== undefined) ||
		(state.step === 'confirm' && needsTypedPid(state));
	const onCommand = useCallback(
		(command: ResolveCommand) => {
			switch (command) {
				case 'next':
					dispatch({type: 'next'});
					break;
				case 'refresh':
					dispatch({type: 'refresh'});
					break;
				case 'need':
					dispatch({type: 'need-start'});
					break;
				case 'back':
					dispatch({type: 'back'});
					break;
				case 'confirm':
					dispatch(
						state.needDraft !== undefined ? {type: 'need-submit'} : {type: 'confirm'},
					);
					break;
				case 'erase':
					dispatch({type: 'erase-text'});
					break;
				case 'kill':
					dispatch({type: 'answer-kill', kill: true});
					break;
				case 'keep':
					dispatch({type: 'answer-kill', kill: false});
					break;
				case 'close':
					dispatch({type: 'back'});
					break;
			}
		},
		[dispatch, state.needDraft],
	);
	// Appended in the reducer: keys typed quickly arrive as one chunk, split into one call per character.
	const onText = useCallback(
		(text: string) => dispatch({type: 'append-text', text}),
		[dispatch],
	);
	useKeymap(activeKeymap(state), onCommand, {
		isActive,
		...(typing ? {onText} : {}),
	});
}
