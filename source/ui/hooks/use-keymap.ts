/**
 * The only place that turns key presses into commands: a keymap table (see
 * keymap.ts) resolved per press. Gated by `isActive` so that whatever owns the
 * keyboard (a pushed screen, a dialog) is the only listener.
 *
 * The scope is asked for at each key, not captured at render: keys that come
 * in one chunk (`/a` typed fast, or while a read blocked the event loop) or
 * before React re-rendered must see the state the previous key produced.
 */
import {useCallback, useRef} from 'react';
import {useInput, type Key} from 'ink';
import {resolveCommand, type Binding} from '../keymap.js';

/** What keys mean right now: a keymap, what its commands do, and where unbound printable text goes. */
export type KeyScope = {
	bindings: Binding[];
	onCommand: (command: string) => void;
	/** Printable text no binding claimed (typing into a text field). */
	onText?: (text: string) => void;
};

/** Builds a KeyScope with the command type checked against the keymap. */
export function keyScope<Command extends string>(
	bindings: Array<Binding<Command>>,
	onCommand: (command: Command) => void,
	onText?: (text: string) => void,
): KeyScope {
	return {bindings, onCommand: onCommand as (command: string) => void, onText};
}

/**
 * Listens for keys while `isActive`. Two forms: one keymap and its handler
 * (`useKeymap(bindings, onCommand, {isActive, onText})`), or a scope getter
 * asked at each key (`useKeymap(() => scope, {isActive})`) for screens whose
 * keymap depends on their state (a filter being typed, the help overlay).
 */
export function useKeymap<Command extends string>(
	bindings: Array<Binding<Command>>,
	onCommand: (command: Command) => void,
	options: {isActive: boolean; onText?: (text: string) => void},
): void;
export function useKeymap(
	scope: KeyScope | (() => KeyScope | undefined),
	options: {isActive: boolean},
): void;
export function useKeymap<Command extends string>(
	first: Array<Binding<Command>> | KeyScope | (() => KeyScope | undefined),
	second: ((command: Command) => void) | {isActive: boolean},
	third?: {isActive: boolean; onText?: (text: string) => void},
): void {
	const scope: KeyScope | (() => KeyScope | undefined) = Array.isArray(first)
		? keyScope(first, second as (command: Command) => void, third?.onText)
		: first;
	const isActive = Array.isArray(first)
		? third!.isActive
		: (second as {isActive: boolean}).isActive;
	const latest = useRef(scope);
	latest.current = scope;
	const handler = useCallback((input: string, key: Key) => {
		const current = () => {
			const value = latest.current;
			return typeof value === 'function' ? value() : value;
		};
		const whole = current();
		if (!whole) return;
		const command = resolveCommand(whole.bindings, input, key);
		if (command !== undefined) {
			whole.onCommand(command);
			return;
		}
		if (key.ctrl || key.meta || !isPrintable(input)) return;
		if (input.length === 1 || Array.from(input).length === 1) {
			whole.onText?.(input);
			return;
		}
		for (const char of Array.from(input)) {
			// Each character may change the scope ('/' starts a filter): ask again.
			const each = current();
			if (!each) return;
			const bound = resolveCommand(each.bindings, char, plainKey);
			if (bound !== undefined) each.onCommand(bound);
			else each.onText?.(char);
		}
	}, []);
	useInput(handler, {isActive});
}

/** A key press with no special key and no modifier: a printable character. */
export const plainKey: Key = {
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
