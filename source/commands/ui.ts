/**
 * `portui` with no subcommand: the full-screen list of listening sockets. When
 * stdout or stdin is not a terminal (`portui | cat`, cron, CI) it prints the
 * `list` table instead, with the same protocol filter. The UI is imported
 * only when it will run.
 */
import process from 'node:process';
import {UsageError} from '../core/errors.js';
import {safeText} from '../format/safe-text.js';
import {parseCommand, type CommandTable} from './flags.js';
import {stdout} from './write-out.js';

const help = `
Usage
  $ portui [options]
  $ portui <command> [options]

Shows every listening TCP and UDP socket full screen, refreshed in place.
Keys: arrows or j/k move, s/S sort, / filter, t TCP/UDP, p pause, r refresh,
? help, q quit. When stdout is not a terminal, prints the list table instead.

Options
  --interval SECONDS  Refresh interval (default 1; decimals allowed, 0.1-3600)
  --tcp               Start showing TCP only
  --udp               Start showing UDP only

Commands (see portui COMMAND --help)
  list, who, scan, kill, move, free, resolve
`;

export const MIN_INTERVAL_S = 0.1;
export const MAX_INTERVAL_S = 3600;

/** Parses `--interval` seconds into milliseconds, or throws a UsageError. */
export function parseInterval(value: string | undefined): number {
	if (value === undefined) return 1000;
	const text = value.trim();
	if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text)) {
		throw new UsageError(`--interval: "${safeText(value)}" is not a number of seconds`);
	}
	const seconds = Number(text);
	if (seconds < MIN_INTERVAL_S || seconds > MAX_INTERVAL_S) {
		throw new UsageError(
			`--interval: ${value} is out of range ${MIN_INTERVAL_S}-${MAX_INTERVAL_S} seconds`,
		);
	}
	return Math.round(seconds * 1000);
}

export const uiCommand = {
	name: '',
	help,
	flags: {
		interval: {type: 'string'},
		tcp: {type: 'boolean'},
		udp: {type: 'boolean'},
	},
	conflicts: [
		{
			flags: ['--tcp', '--udp'],
			why: 'each show one protocol: give one, or neither for both',
		},
	],
} as const satisfies CommandTable;

export async function run(argv: string[]): Promise<number> {
	const {flags} = await parseCommand(uiCommand, argv);
	const intervalMs = parseInterval(flags.interval);
	const tcp = Boolean(flags.tcp);
	const udp = Boolean(flags.udp);

	if (!stdout.isTTY || !process.stdin.isTTY) {
		const list = await import('./list.js');
		return list.run([...(tcp ? ['--tcp'] : []), ...(udp ? ['--udp'] : [])]);
	}
	// React's development build keeps debug records for every element it creates: with
	// 10,000 listeners refreshing each second that tripled the memory (650 MB against
	// under 200 MB). It is chosen when React loads, which happens just below.
	process.env.NODE_ENV ??= 'production';
	const {runListUi} = await import('../ui/main.js');
	return runListUi({intervalMs, mode: tcp === udp ? 'all' : tcp ? 'tcp' : 'udp'});
}
