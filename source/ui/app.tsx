/**
 * The root component. It owns exiting (children ask through `navigation.quit`)
 * and a stack of screens: the list is always at the bottom and stays mounted
 * (its polling, selection and filter survive a drill-in); screens pushed on
 * top (process details on Enter, a scan on `n`, conflict resolution on `x`)
 * come from the `screens` registry, so the lead plugs them in without
 * touching this file. Ctrl-C quits from any screen.
 */
import {useCallback, useMemo, useState, type ComponentType} from 'react';
import {Box, useApp} from 'ink';
import type {Listener} from '../core/sockets/listener.js';
import {ListScreen} from './screens/list-screen.js';
import type {ListenerSource} from './hooks/use-listeners.js';
import type {ProtocolMode, ServiceLookup} from './state/list-state.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {keyScope, useKeymap} from './hooks/use-keymap.js';
import type {Binding} from './keymap.js';
import {ThemeContext, themeFor, type Theme} from './theme.js';

/** What every pushed screen may do to the stack. */
export type Navigation = {
	/** Opens a registered screen on top. */
	push: (name: string, params?: unknown) => void;
	/** Closes the top screen (back to the one below). */
	pop: () => void;
	/** Ends the app (exit code 0). */
	quit: () => void;
};

/** Props every screen in the registry receives. */
export type ScreenProps<Params = unknown> = {
	params: Params;
	/** True when this screen is on top and owns the keyboard (gate `useInput` with it). */
	isActive: boolean;
	width: number;
	/** Lines the screen must fill (render exactly this many so frames keep their height). */
	height: number;
	navigation: Navigation;
};

/** Params the list screen passes when it opens the well-known screens. */
export type ScreenParams = {
	process: {listener: Listener};
	scan: Record<string, never>;
	conflict: {listener: Listener};
};

/**
 * Screens that can be pushed, by name. `process` (Enter), `scan` (`n`) and
 * `conflict` (`x`) are opened by the list screen with `ScreenParams`; any
 * other name can be pushed by a screen through `navigation.push`.
 */
export type ScreenRegistry = {
	[Name in keyof ScreenParams]?: ComponentType<ScreenProps<ScreenParams[Name]>>;
} & Record<string, ComponentType<ScreenProps<never>> | undefined>;

export type StackEntry = {name: string; params: unknown};

export type AppProps = {
	source: ListenerSource;
	intervalMs: number;
	initialMode?: ProtocolMode;
	serviceName?: ServiceLookup;
	formatAge: (ms: number) => string;
	host: string;
	user: string;
	screens?: ScreenRegistry;
	/** Called on Enter when no `process` screen is registered. */
	onOpenListener?: (listener: Listener) => void;
	/** Defaults to the theme for the environment (NO_COLOR aware). */
	theme?: Theme;
};

const globalKeymap: Array<Binding<'quit'>> = [
	{
		command: 'quit',
		keys: [{input: 'c', ctrl: true}],
		label: 'Ctrl-C',
		description: 'quit',
	},
];

export function App(props: AppProps) {
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const [stack, setStack] = useState<StackEntry[]>([]);
	const screens = props.screens;

	const navigation = useMemo<Navigation>(
		() => ({
			push: (name, params = {}) => {
				if (screens?.[name]) setStack((current) => [...current, {name, params}]);
			},
			pop: () => setStack((current) => current.slice(0, -1)),
			quit: () => exit(),
		}),
		[screens, exit],
	);
	useKeymap(keyScope(globalKeymap, navigation.quit), {isActive: true});

	const available = useMemo(() => {
		const names = new Set(Object.keys(screens ?? {}).filter((name) => screens?.[name]));
		if (props.onOpenListener) names.add('process');
		return names;
	}, [screens, props.onOpenListener]);

	const onOpenListener = props.onOpenListener;
	const onOpen = useCallback(
		(listener: Listener) => {
			if (screens?.process) navigation.push('process', {listener});
			else onOpenListener?.(listener);
		},
		[screens, navigation, onOpenListener],
	);

	// One line short of the terminal: a frame as tall as the terminal makes Ink 6 clear the whole screen on every refresh (flicker).
	const height = Math.max(3, rows - 1);
	const top = stack.at(-1);
	const TopScreen = top ? screens?.[top.name] : undefined;

	return (
		<ThemeContext.Provider value={props.theme ?? themeFor()}>
			<Box flexDirection="column" width={columns} height={height}>
				<ListScreen
					source={props.source}
					intervalMs={props.intervalMs}
					initialMode={props.initialMode}
					serviceName={props.serviceName}
					formatAge={props.formatAge}
					host={props.host}
					user={props.user}
					width={columns}
					height={height}
					isActive={top === undefined}
					available={available}
					onOpen={onOpen}
					onScan={() => navigation.push('scan')}
					onResolve={(listener) => navigation.push('conflict', {listener})}
					onQuit={navigation.quit}
				/>
				{top && TopScreen ? (
					<TopScreen
						key={stack.length}
						params={top.params as never}
						isActive
						width={columns}
						height={height}
						navigation={navigation}
					/>
				) : null}
			</Box>
		</ThemeContext.Provider>
	);
}
