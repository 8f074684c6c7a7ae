/**
 * The built CLI at a path the `nobody` user can read. A checkout inside a
 * private directory (mktemp -d makes 0700 ones) is unreadable to nobody, so
 * the non-root tests run a staged copy (hard links where possible) of what
 * the binary loads: dist, the addon, data, node_modules and package.json.
 */
import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let staged: string | undefined;

function nobodyCanRead(file: string): boolean {
	const check = spawnSync(
		'setpriv',
		['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', file],
		{stdio: 'ignore'},
	);
	return check.status === 0;
}

/**
 * The checkout as nobody can read it: the checkout itself when it can, else a
 * staged copy (once per test process) of what the binary and the TypeScript
 * sources load. Needs root, like every setpriv caller.
 */
export function nobodyRoot(): string {
	if (nobodyCanRead(path.join(repoRoot, 'package.json'))) return repoRoot;
	if (staged) return staged;
	const root = mkdtempSync(path.join(tmpdir(), 'portui-nobody-'));
	chmodSync(root, 0o755);
	process.on('exit', () => rmSync(root, {recursive: true, force: true}));
	for (const entry of [
		'dist',
		'build',
		'data',
		'node_modules',
		'package.json',
		'source',
		'tsconfig.json',
	]) {
		const from = path.join(repoRoot, entry);
		if (!existsSync(from)) continue;
		const linked = spawnSync('cp', ['-al', from, root], {stdio: 'ignore'});
		if (linked.status !== 0) spawnSync('cp', ['-a', from, root], {stdio: 'inherit'});
	}
	staged = `${root}/`;
	return staged;
}

/** `dist/cli.js` as nobody can run it. */
export function nobodyCliPath(): string {
	return path.join(nobodyRoot(), 'dist', 'cli.js');
}
