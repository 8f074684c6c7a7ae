/**
 * `portui who PORT [--json]`: who holds a port, with everything the process
 * screen shows. Exit 0 when the port is in use, 1 when it is not, 2 for
 * usage errors.
 */
import {PortSpecError, UsageError} from '../core/errors.js';
import {whoPort, whoToJson} from '../core/processes/who.js';
import {formatWhoText} from '../format/who-text.js';
import {parseCommand} from './flags.js';
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

/** Parses a port argument: a decimal number 1-65535. */
export function parsePort(text: string | undefined): number {
	if (text === undefined)
		throw new UsageError('who needs a PORT (see portui who --help)');
	if (!/^\d+$/.test(text.trim())) {
		throw new PortSpecError(`"${text}" is not a port (expected a number 1-65535)`);
	}
	const port = Number(text.trim());
	if (port < 1 || port > 65535) {
		throw new PortSpecError(`port ${text.trim()} is out of range 1-65535`);
	}
	return port;
}

export async function run(argv: string[]): Promise<number> {
	const cli = await parseCommand({
		name: 'who',
		help,
		argv,
		flags: {json: {type: 'boolean' as const}},
	});
	const flags = cli.flags as Record<string, unknown>;
	// meow only honours --help and --version when they come alone.
	if (flags.help) cli.showHelp(0);
	if (flags.version) cli.showVersion();
	const json = Boolean(flags.json);
	if (cli.input.length > 1) {
		throw new UsageError(
			`who takes one PORT, got ${cli.input.length} (see portui who --help)`,
		);
	}
	const port = parsePort(cli.input[0]);
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
