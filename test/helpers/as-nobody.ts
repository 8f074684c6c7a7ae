/**
 * Runs a snippet of TypeScript as the real unprivileged user nobody
 * (setpriv, no groups), importing portui's sources through tsx, so a test
 * sees what a non-root operator gets.
 */
import {spawnSync} from 'node:child_process';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {nobodyRoot} from './nobody-cli.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export type NobodyRun = {stdout: string; stderr: string; status: number | null};

/** The run, or a reason it cannot run here (not root, or nobody cannot read the checkout). */
export function runAsNobody(
	script: string,
	env: Record<string, string> = {},
): NobodyRun | {skip: string} {
	if (process.getuid?.() !== 0) return {skip: 'needs root to switch to nobody'};
	// A checkout in a private directory (CI's mktemp -d) is unreadable to
	// nobody: run the snippet against a staged copy, its module paths moved there.
	const root = nobodyRoot();
	const staged = root === repoRoot ? script : script.split(repoRoot).join(root);
	const child = spawnSync(
		'setpriv',
		[
			'--reuid=65534',
			'--regid=65534',
			'--clear-groups',
			process.execPath,
			'--import',
			'tsx',
			'--input-type=module',
			'-e',
			staged,
		],
		{
			encoding: 'utf8',
			env: {...process.env, HOME: '/nonexistent', ...env},
			cwd: root,
			timeout: 60_000,
		},
	);
	if (child.error || /EACCES.*node_modules|Cannot find package/.test(child.stderr)) {
		return {
			skip: `cannot run node as nobody here: ${child.stderr.split('\n')[0] ?? String(child.error)}`,
		};
	}
	return {stdout: child.stdout, stderr: child.stderr, status: child.status};
}

/** An absolute module path as a string literal for such a snippet. */
export function moduleLiteral(file: string): string {
	return JSON.stringify(new URL(file, `file://${process.cwd()}/`).pathname);
}
