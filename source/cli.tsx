#!/usr/bin/env node
// The launcher line: see scripts/make-executable.mjs.
/**
 * Entry point: picks the subcommand and either prints (list, who, scan, kill,
 * move, free, or anything with --json, or any run whose stdout is not a
 * terminal) or starts the full-screen UI. Commands are imported lazily so that
 * printing commands never load React and Ink.
 */
import {createRequire} from 'node:module';
import process from 'node:process';
import {describeError, PortuiError, UsageError} from './core/errors.js';
import {errorLine, exitQuietlyOnClosedPipe, stderr} from './commands/write-out.js';
import {safeText} from './format/safe-text.js';

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

type ListMain = typeof import('./commands/list-main.js');

/**
 * PortuiError, and the bundled list's copy of it once loaded: an error of
 * either is a message and an exit code, not a crash.
 */
const portuiErrors: Array<typeof PortuiError> = [PortuiError];

/**
 * `portui list`, the command compared with `ss`: from the one-file bundle
 * when the build made it (see commands/list-main.ts), else from the modules.
 */
async function runList(argv: string[]): Promise<number> {
	let list: ListMain;
	try {
		list = createRequire(import.meta.url)('./commands/list.cjs') as ListMain;
	} catch (error: unknown) {
		// Not built (under tsx): the modules. A bundle that is there but broken is an error.
		if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
		list = await import('./commands/list-main.js');
	}
	portuiErrors.push(list.PortuiError);
	// The fd walk of every process and the socket dumps, on the addon's
	// threads while the rest loads and parses the flags.
	list.startListenerRead();
	const code = await list.run(argv);
	// Everything is written (synchronously); Node's teardown of a heap of
	// 10,000 listeners would only add ~15 ms to a command compared with `ss`.
	return list.exitNow(code);
}

async function main(argv: string[]): Promise<number> {
	restoreLauncherEnvironment();
	const [first, ...rest] = argv;
	if (first !== undefined && !first.startsWith('-')) {
		const load = commands[first];
		if (!load) {
			throw new UsageError(
				`unknown command "${safeText(first)}" (commands: ${Object.keys(commands).join(', ')}; see portui --help)`,
			);
		}
		if (first === 'list') return runList(rest);
		exitQuietlyOnClosedPipe();
		const command = await load();
		return command.run(rest);
	}
	const command = await import('./commands/ui.js');
	return command.run(argv);
}

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (error: unknown) {
	// Messages carry paths, names and what was typed: the line is made safe like any other.
	errorLine(describeError(error));
	if (process.env.PORTUI_DEBUG && error instanceof Error)
		stderr.block(`${error.stack}\n`);
	const known = portuiErrors.some((type) => error instanceof type);
	process.exitCode = known ? (error as PortuiError).exitCode : 1;
}
