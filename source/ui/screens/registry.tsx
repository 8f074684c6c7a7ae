/**
 * The screens the list can push, wired to the real system: Enter opens the
 * process drill-in, `n` the scan screen and `x` conflict resolution.
 */
import {readListeners} from '../../core/sockets/reader.js';
import type {ScreenProps, ScreenRegistry} from '../app.js';
import {ProcessScreenEntry} from './process-screen.js';
import {ConflictScreen} from './resolve-screen.js';
import {ScanScreen} from './scan-screen.js';

function ScanScreenEntry({
	isActive,
	width,
	height,
	navigation,
}: ScreenProps<Record<string, never>>) {
	return (
		<ScanScreen
			isActive={isActive}
			width={width}
			height={height}
			onBack={navigation.pop}
			onOpenLocalPort={(port, protocol) => {
				// A scan result is only a port: find the socket on this machine that answers it.
				const listener = readListeners().listeners.find(
					(candidate) => candidate.port === port && candidate.protocol === protocol,
				);
				if (listener) navigation.push('process', {listener});
			}}
		/>
	);
}

export const defaultScreens: ScreenRegistry = {
	process: ProcessScreenEntry,
	scan: ScanScreenEntry,
	conflict: ConflictScreen,
};
