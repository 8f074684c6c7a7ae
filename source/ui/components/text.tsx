/**
 * portui's `Text`: Ink's, with every string it renders made safe first. All
 * text Ink draws sits in a `Text` (Ink refuses a string anywhere else), so
 * sanitising the string and number children here covers every screen; the
 * lint config forbids importing Ink's `Text` anywhere but this file, and the
 * third-party components that would draw with it (ink-select-input's items,
 * ink-table's cells) are given components built on this one.
 *
 * Why here and not lower: Ink's text nodes are created inside its reconciler,
 * which it does not export, and below them its output mixes the text with
 * its own colour and cursor sequences, where a hostile `ESC[2J` and Ink's
 * own look the same. Children are sanitised on one line: a newline in a
 * process name is shown as `\n`, it cannot start a fake line.
 */
import {
	Fragment,
	cloneElement,
	createElement,
	isValidElement,
	type ReactElement,
	type ReactNode,
} from 'react';
// eslint-disable-next-line no-restricted-imports -- the one wrapper of Ink's Text
import {Text as InkText, type TextProps} from 'ink';
import {safeText} from '../../format/safe-text.js';

/** `node` with every string in it (through arrays and fragments) made safe. */
export function safeChildren(node: ReactNode): ReactNode {
	if (typeof node === 'string') return safeText(node);
	if (Array.isArray(node)) return node.map((child: ReactNode) => safeChildren(child));
	if (isValidElement<{children?: ReactNode}>(node) && node.type === Fragment)
		return withChildren(node, node.props.children);
	// Numbers are digits; elements are Texts of their own, which sanitise themselves.
	return node;
}

/**
 * The element with its children made safe, passed as separate arguments as
 * JSX passes them (an array passed as one child would need keys).
 */
function withChildren(element: ReactElement, children: ReactNode): ReactElement {
	const safe = safeChildren(children);
	return Array.isArray(safe)
		? cloneElement(element, undefined, ...(safe as ReactNode[]))
		: cloneElement(element, undefined, safe);
}

export function Text({children, 'aria-label': label, ...props}: TextProps) {
	const element = createElement(InkText, {
		...props,
		...(label === undefined ? {} : {'aria-label': safeText(label)}),
	});
	return withChildren(element, children);
}
