#!/usr/bin/env node
// The launcher line: see scripts/make-executable.mjs.
/**
 * Entry point: picks the subcommand and either prints (list, who, scan, kill,
 * move, free, or anything with --json, or any run whose stdout is not a
 * terminal) or starts the full-screen UI. Commands are imported lazily so that
 * printing commands never load React and Ink.
 */
import process from 'node:process';
import {describeError, PortuiError, UsageError} from './core/errors.js';

type Command = {run: (argv: string[]) => Promise<number>};

// Each subcommand lives in source/commands/NAME.ts and exports run(argv) → exit code.
const commands: Record<string, () => Promise<Command>> = {
	list: async () => import('./commands/list.js'),
	scan: async () => import('./commands/scan.js'),
	who: async () => import('./commands/who.js'),
	kill: async () => import('./commands/kill.js'),
	move: async () => import('./commands/move.js'),
	free: async () => import('./commands/free.js'),
	resolve: async () => import('./commands/resolve.js'),
};

/**
 * The launcher (scripts/make-executable.mjs) starts Node without
 * NODE_EXTRA_CA_CERTS; the processes portui starts (a restart command, a
 * config check) get it back.
 */
function restoreLauncherEnvironment(): void {
	const saved = process.env.PORTUI_NODE_EXTRA_CA_CERTS;
	if (saved === undefined) return;
	delete process.env.PORTUI_NODE_EXTRA_CA_CERTS;
	if (saved !== '') process.env.NODE_EXTRA_CA_CERTS = saved;
}

async function main(argv: string[]): Promise<number> {
	restoreLauncherEnvironment();
	const [first, ...rest] = argv;
	if (first !== undefined && !first.startsWith('-')) {
		const load = commands[first];
		if (!load) {
			throw new UsageError(
				`unknown command "${first}" (commands: ${Object.keys(commands).join(', ')}; see portui --help)`,
			);
		}
		// The fd walk of every process and the socket dumps, on the addon's
		// threads while list's modules load.
		if (first === 'list') (await import('./core/sockets/kernel.js')).startListenerRead();
		// `portui scan … | head`: a reader that stops early ends the command
		// quietly, as it ends `ss`. (list writes with writeSync and handles it.)
		if (first !== 'list') {
			process.stdout.on('error', (error: NodeJS.ErrnoException) => {
				if (error.code === 'EPIPE') process.exit(0);
				throw error;
			});
		}
		const command = await load();
		const code = await command.run(rest);
		// Everything is written (synchronously); Node's teardown of a heap of
		// 10,000 listeners would only add ~15 ms to a command compared with `ss`.
		if (first === 'list') (await import('./core/sockets/netlink.js')).exitNow(code);
		return code;
	}
	const command = await import('./commands/ui.js');
	return command.run(argv);
}

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (error: unknown) {
	process.stderr.write(`portui: ${describeError(error)}\n`);
	if (process.env.PORTUI_DEBUG && error instanceof Error)
		process.stderr.write(`${error.stack}\n`);
	process.exitCode = error instanceof PortuiError ? error.exitCode : 1;
}
