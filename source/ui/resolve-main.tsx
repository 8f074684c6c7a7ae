/**
 * `portui resolve PORT`: the resolve screen on its own, full screen, on the
 * real system. Leaving the flow (Esc on the first step, or closing the
 * summary) or Ctrl-C ends the program. Imported lazily by the command.
 */
import {Box, useApp} from 'ink';
import type {WiringOptions} from '../core/conflicts/resolve-wiring.js';
import {systemResolveDeps} from '../core/conflicts/resolve-wiring.js';
import type {Protocol} from '../core/sockets/listener.js';
import {useKeymap} from './hooks/use-keymap.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import type {Binding} from './keymap.js';
import {runFullScreen} from './run.js';
import {ResolveScreen} from './screens/resolve-screen.js';
import {ThemeContext, themeFor} from './theme.js';
import {useState} from 'react';

const quitKeymap: Array<Binding<'quit'>> = [
	{
		command: 'quit',
		keys: [{input: 'c', ctrl: true}],
		label: 'Ctrl-C',
		description: 'quit',
	},
];

function ResolveRoot(props: {port: number; protocol: Protocol; options: WiringOptions}) {
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const [deps] = useState(() => systemResolveDeps(props.options));
	useKeymap(quitKeymap, () => exit(), {isActive: true});
	// One line short of the terminal, as the list UI: a full-height frame makes Ink clear on every render.
	const height = Math.max(3, rows - 1);
	return (
		<ThemeContext.Provider value={themeFor()}>
			<Box width={columns} height={height}>
				<ResolveScreen
					port={props.port}
					protocol={props.protocol}
					deps={deps}
					onBack={() => exit()}
					width={columns}
					height={height}
				/>
			</Box>
		</ThemeContext.Provider>
	);
}

export async function runResolveUi(
	port: number,
	protocol: Protocol,
	options: WiringOptions = {},
): Promise<number> {
	return runFullScreen(<ResolveRoot port={port} protocol={protocol} options={options} />);
}
