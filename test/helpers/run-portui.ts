/** Runs the built CLI (dist/cli.js) as CI does: no stdin, CI=true. */
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import {nobodyCliPath} from './nobody-cli.js';

export const cliPath = path.resolve('dist/cli.js');

export type CliResult = {status: number | null; stdout: string; stderr: string};

export function runPortui(
	args: string[],
	options: {
		env?: NodeJS.ProcessEnv;
		/** Run as nobody (needs root; a staged copy when nobody cannot read this checkout). */
		user?: 'nobody';
		/**
		 * Run as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so file modes
		 * bind root too: read-only files without chattr, on any file system.
		 */
		withoutDacOverride?: boolean;
		timeoutMs?: number;
	} = {},
): CliResult {
	const command = options.user
		? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath]
		: options.withoutDacOverride
			? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', process.execPath]
			: [process.execPath];
	const cli = options.user ? nobodyCliPath() : cliPath;
	const result = spawnSync(command[0]!, [...command.slice(1), cli, ...args], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {...process.env, CI: 'true', ...options.env},
		timeout: options.timeoutMs ?? 60_000,
	});
	return {status: result.status, stdout: result.stdout, stderr: result.stderr};
}
