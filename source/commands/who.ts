/**
 * `portui who PORT [--json]`: who holds a port, with everything the process
 * screen shows. Exit 0 when the port is in use, 1 when it is not, 2 for
 * usage errors.
 */
import process from 'node:process';
import {whoPort, whoToJson} from '../core/processes/who.js';
import {formatWhoText} from '../format/who-text.js';
import {parseCommand, parsePort, type CommandTable} from './flags.js';

const help = `
	Usage
	  $ portui who PORT [--json]

	Shows every socket bound to PORT (TCP and UDP, all addresses) and, for each
	process holding one: command line, user, parent, executable, working
	directory, start time, memory, sockets, ancestry, the systemd unit or
	container managing it, and warnings.

	Options
	  --json  Print one JSON object

	Exit codes
	  0 the port is in use, 1 it is not, 2 bad usage

	Examples
	  $ portui who 8080
	  $ portui who 53 --json
`;

export const whoCommand = {
	name: 'who',
	help,
	flags: {json: {type: 'boolean'}},
	words: {name: 'PORT', min: 1, max: 1},
} as const satisfies CommandTable;

export async function run(argv: string[]): Promise<number> {
	const cli = await parseCommand(whoCommand, argv);
	const json = Boolean(cli.flags.json);
	const port = parsePort(cli.input[0]!);
	const result = await whoPort(port);
	for (const gone of result.gone) {
		process.stderr.write(
			`portui: process ${gone.pid} (${gone.name}) exited while it was being read\n`,
		);
	}
	if (json) {
		process.stdout.write(`${JSON.stringify(whoToJson(result), null, 2)}\n`);
	} else if (result.listeners.length > 0) {
		process.stdout.write(formatWhoText(result, {width: process.stdout.columns ?? 100}));
	}
	if (result.listeners.length === 0) {
		if (!json) process.stderr.write(`portui: nothing is listening on port ${port}\n`);
		return 1;
	}
	return 0;
}
