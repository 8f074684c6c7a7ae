/**
 * `portui who PORT [--json]`: who holds a port, with everything the process
 * screen shows. Exit 0 when the port is in use, 1 when it is not, 2 for
 * usage errors.
 */
import {whoPort, whoToJson} from '../core/processes/who.js';
import {formatWhoText} from '../format/who-text.js';
import {parseCommand, parsePort, type CommandTable} from './flags.js';
import {errorLine, stdout, writeJson} from './write-out.js';

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
		errorLine(`process ${gone.pid} (${gone.name}) exited while it was being read`);
	}
	if (json) {
		writeJson(whoToJson(result), 2);
	} else if (result.listeners.length > 0) {
		stdout.block(formatWhoText(result, {width: stdout.columns ?? 100}));
	}
	if (result.listeners.length === 0) {
		if (!json) errorLine(`nothing is listening on port ${port}`);
		return 1;
	}
	return 0;
}
