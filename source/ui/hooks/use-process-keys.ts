/**
 * The process screen's keyboard: the only place its keys are handled, gated
 * by `isActive` (the help overlay, or a screen on top, owns the keyboard
 * otherwise).
 */
import {useCallback, useMemo, type Dispatch} from 'react';
import {availableBindings} from '../keymap.js';
import {keyScope, useKeymap} from './use-keymap.js';
import {
	processHelpKeymap,
	processKeymap,
	type ProcessCommand,
} from '../process-keymap.js';
import type {ProcessAction} from '../state/process-state.js';

export type UseProcessKeysOptions = {
	isActive: boolean;
	helpOpen: boolean;
	setHelpOpen: (open: boolean) => void;
	dispatch: Dispatch<ProcessAction>;
	/** Rows the sockets list shows (for paging and clamping). */
	visibleRows: number;
	onBack: () => void;
	onResolve?: () => void;
	onQuit?: () => void;
};

export function useProcessKeys(options: UseProcessKeysOptions) {
	const {
		isActive,
		helpOpen,
		setHelpOpen,
		dispatch,
		visibleRows,
		onBack,
		onResolve,
		onQuit,
	} = options;
	const bindings = useMemo(() => {
		const screens = new Set<string>();
		if (onResolve) screens.add('conflict');
		if (onQuit) screens.add('quit');
		return availableBindings(processKeymap, screens);
	}, [onResolve, onQuit]);

	const onCommand = useCallback(
		(command: ProcessCommand) => {
			const page = Math.max(1, visibleRows - 1);
			switch (command) {
				case 'up':
					dispatch({type: 'scroll', delta: -1, visibleRows});
					break;
				case 'down':
					dispatch({type: 'scroll', delta: 1, visibleRows});
					break;
				case 'pageUp':
					dispatch({type: 'scroll', delta: -page, visibleRows});
					break;
				case 'pageDown':
					dispatch({type: 'scroll', delta: page, visibleRows});
					break;
				case 'files':
					dispatch({type: 'toggleFiles'});
					break;
				case 'resolve':
					onResolve?.();
					break;
				case 'back':
					onBack();
					break;
				case 'help':
					setHelpOpen(true);
					break;
				case 'quit':
					onQuit?.();
					break;
			}
		},
		[dispatch, visibleRows, onBack, onResolve, onQuit, setHelpOpen],
	);
	// A scope asked for at each key, so a key right after a render meets the
	// help overlay state that render showed.
	useKeymap(
		() =>
			helpOpen
				? keyScope(processHelpKeymap, () => setHelpOpen(false))
				: keyScope(bindings, onCommand),
		{isActive},
	);
	return bindings;
}
