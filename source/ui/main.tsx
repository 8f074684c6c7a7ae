/**
 * Starts the list UI on the real system: the core listener reader polled on
 * the interval, /etc/services names, full screen. Imported lazily by the `ui`
 * command so that printing commands never load React and Ink.
 */
import {hostname} from 'node:os';
import {ListenerReader} from '../core/sockets/reader.js';
import {serviceName} from '../core/sockets/services.js';
import {formatAge} from '../format/duration.js';
import {userName} from '../core/users.js';
import {App, type ScreenRegistry} from './app.js';
import {runFullScreen} from './run.js';
import {defaultScreens} from './screens/registry.js';
import type {ProtocolMode} from './state/list-state.js';

export type ListUiOptions = {
	intervalMs: number;
	mode: ProtocolMode;
	/** Screens pushed from the list (Enter, `n`, `x`): the lead registers them here. */
	screens?: ScreenRegistry;
};

export async function runListUi(options: ListUiOptions): Promise<number> {
	// One reader for the whole session: its owner cache is what makes a steady refresh cheap.
	const reader = new ListenerReader();
	const uid = typeof process.geteuid === 'function' ? process.geteuid() : -1;
	return runFullScreen(
		<App
			source={() => reader.read()}
			intervalMs={options.intervalMs}
			initialMode={options.mode}
			serviceName={(port, protocol) => serviceName(port, protocol)}
			formatAge={formatAge}
			host={hostname()}
			user={userName(uid)}
			screens={options.screens ?? defaultScreens}
		/>,
	);
}
