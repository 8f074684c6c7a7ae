/**
 * `portui resolve PORT`: the conflict-resolution flow, full screen, opened
 * straight on PORT (identify → prioritise → terminate or reconfigure → done).
 * It is interactive by nature: without a terminal it says which scriptable
 * commands do the same steps.
 */
import path from 'node:path';
import process from 'node:process';
import {readConfigFile} from '../core/conflicts/adapters/common.js';
import {UsageError} from '../core/errors.js';
import {
	integerFlag,
	parseCommand,
	parsePortArgument,
	type CommandTable,
} from './flags.js';
import {stdout} from './write-out.js';

const help = `
	Usage
	  $ portui resolve PORT[/tcp|/udp] [--config FILE] [--timeout SECONDS]

	Walks through freeing PORT, step by step: who holds it and who wants it
	(failing systemd units, services whose config declares it), who should
	keep it and why, then reconfigure or terminate the other party, with a
	preview of exactly what will happen and a confirmation before anything
	changes. Esc backs out of any step before it runs.

	Options
	  --config FILE      Also look for PORT in this config file (nginx, .env, …)
	  --timeout SECONDS  Wait between SIGTERM and the SIGKILL question (default 5)

	Without a terminal, use the scriptable steps:
	  portui kill PORT --yes      terminate whoever holds it
	  portui move PORT --to auto  reconfigure it to the next free port

	Examples
	  $ portui resolve 80
	  $ portui resolve 8080 --config ./app/.env
`;

export const resolveCommand = {
	name: 'resolve',
	help,
	flags: {
		config: {type: 'string', multiple: true},
		timeout: {type: 'string'},
	},
	words: {name: 'PORT', min: 1, max: 1},
} as const satisfies CommandTable;

export async function run(argv: string[]): Promise<number> {
	const {flags, input} = await parseCommand(resolveCommand, argv);
	const {port, protocols} = parsePortArgument(input[0]!);
	const timeoutSeconds = integerFlag('timeout', flags.timeout, {min: 0, max: 3600});
	const configFiles = flags.config.map((file) => path.resolve(file));
	// A file named but missing or unreadable is refused here, not skipped inside the UI.
	for (const file of configFiles) readConfigFile(file);
	if (!stdout.isTTY || !process.stdin.isTTY) {
		throw new UsageError(
			`resolve needs a terminal; to script it use portui kill ${port} --yes or portui move ${port} --to auto --yes`,
		);
	}
	const {runResolveUi} = await import('../ui/resolve-main.js');
	return runResolveUi(port, protocols?.[0] ?? 'tcp', {
		...(configFiles.length > 0 ? {configFiles} : {}),
		...(timeoutSeconds !== undefined ? {timeoutSeconds} : {}),
	});
}
