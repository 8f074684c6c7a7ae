/**
 * The UI's styles as data: each role maps to Ink Text props. With NO_COLOR set
 * (https://no-color.org: present and not empty) no role carries a colour; the
 * meaning survives through inverse, bold, dim and strikethrough alone.
 */
import {createContext, useContext} from 'react';
import type {TextProps} from 'ink';

export type Style = Pick<
	TextProps,
	| 'color'
	| 'backgroundColor'
	| 'bold'
	| 'dimColor'
	| 'inverse'
	| 'strikethrough'
	| 'underline'
>;

export type Theme = {
	noColor: boolean;
	/** The product name in the header. */
	title: Style;
	/** Figures in the header (counts, interval). */
	figure: Style;
	/** Labels and secondary text. */
	muted: Style;
	/** A state the user should notice (paused, filter active). */
	notice: Style;
	/** Errors shown in the status line. */
	error: Style;
	/** Column headings. */
	tableHeader: Style;
	/** The selected row. */
	selected: Style;
	/** A listener that appeared a moment ago. */
	appeared: Style;
	/** A listener that vanished a moment ago (kept on screen, marked closed). */
	closed: Style;
	/** A key name in the footer and help overlay. */
	key: Style;
	/** The help overlay's frame. */
	border: {borderColor?: string; borderDimColor?: boolean};
};

const colour: Theme = {
	noColor: false,
	title: {bold: true, color: 'cyan'},
	figure: {bold: true},
	muted: {dimColor: true},
	notice: {bold: true, color: 'yellow'},
	error: {bold: true, color: 'red'},
	tableHeader: {bold: true, underline: true},
	selected: {inverse: true},
	appeared: {bold: true, color: 'green'},
	closed: {dimColor: true, strikethrough: true, color: 'red'},
	key: {bold: true, color: 'cyan'},
	border: {borderColor: 'cyan'},
};

const plain: Theme = {
	noColor: true,
	title: {bold: true},
	figure: {bold: true},
	muted: {dimColor: true},
	notice: {bold: true, inverse: true},
	error: {bold: true, inverse: true},
	tableHeader: {bold: true, underline: true},
	selected: {inverse: true},
	appeared: {bold: true},
	closed: {dimColor: true, strikethrough: true},
	key: {bold: true},
	border: {borderDimColor: true},
};

/** The theme for an environment: no colour when NO_COLOR is set and not empty. */
export function themeFor(env: NodeJS.ProcessEnv = process.env): Theme {
	return env.NO_COLOR ? plain : colour;
}

export const ThemeContext = createContext<Theme>(themeFor());

export function useTheme(): Theme {
	return useContext(ThemeContext);
}
