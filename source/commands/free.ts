/**
 * `portui free [RANGE]`: prints the first port in RANGE that nothing listens
 * on (TCP or UDP) and no known config declares: a port to give a new or moved
 * service.
 */
import {PortuiError} from '../core/errors.js';
import {findFreePort} from '../core/conflicts/free-port.js';
import {parsePorts} from '../core/scan/ports.js';
import {parseCommand, type CommandTable} from './flags.js';
import {stdout, writeJson} from './write-out.js';

const help = `
	Usage
	  $ portui free [RANGE] [--json]

	Prints the first free port in RANGE (default 8000-8999): no TCP or UDP
	listener on it, on any address, not the local port of a live connection
	(binding it would fail), and not declared in a known config (nginx, Apache,
	sshd, Redis, PostgreSQL, MySQL/MariaDB, systemd units), so a stopped
	service's port is not handed out twice.

	RANGE is a port, a range or a list: 8000-8999, 3000,5000-5100.

	Options
	  --json   Print {"range","port","skipped":{"listening","declared","connected"}}

	Exit status: 0 when a port was found, 1 when the whole range is taken,
	2 for a bad range.
`;

export const freeCommand = {
	name: 'free',
	help,
	flags: {json: {type: 'boolean'}},
	words: {name: 'RANGE', min: 0, max: 1},
} as const satisfies CommandTable;

export async function run(argv: string[]): Promise<number> {
	const cli = await parseCommand(freeCommand, argv);
	const flags = cli.flags;
	const range = cli.input[0] ?? '8000-8999';
	const candidates = parsePorts(range);
	const result = findFreePort({candidates});
	if (flags.json) {
		writeJson({
			range,
			port: result.port ?? null,
			skipped: {
				listening: result.listening,
				declared: result.declared,
				connected: result.connected,
			},
		});
		return result.port === undefined ? 1 : 0;
	}
	if (result.port === undefined) throw new PortuiError(`no free port in ${range}`);
	stdout.line(String(result.port));
	return 0;
}
