/**
 * The only place that turns key presses into commands: a keymap table (see
 * keymap.ts) resolved per press. Gated by `isActive` so that whatever owns the
 * keyboard (a dialog, the filter line, the help overlay) is the only listener.
 */
import {useInput, type Key} from 'ink';
import {resolveCommand, type Binding} from '../keymap.js';

export function useKeymap<Command extends string>(
	bindings: Array<Binding<Command>>,
	onCommand: (command: Command) => void,
	options: {
		isActive: boolean;
		/** Printable text no binding claimed (typing into a text field). */
		onText?: (text: string) => void;
	},
): void {
	useInput(
		(input, key) => {
			const command = resolveCommand(bindings, input, key);
			if (command !== undefined) {
				onCommand(command);
				return;
			}
			if (key.ctrl || key.meta || !isPrintable(input)) return;
			// Keys typed while the event loop was busy (a slow read) arrive as one chunk: `jj`.
			for (const char of input.length > 1 ? Array.from(input) : [input]) {
				const each =
					input.length > 1 ? resolveCommand(bindings, char, plainKey) : undefined;
				if (each !== undefined) onCommand(each);
				else options.onText?.(char);
			}
		},
		{isActive: options.isActive},
	);
}

const plainKey: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

function isPrintable(input: string): boolean {
	// eslint-disable-next-line no-control-regex
	return input !== '' && !/[\u0000-\u001f\u007f]/.test(input);
}
