/**
 * Temp copies of the real-world config layouts under test/fixtures/conflicts,
 * and the one way found here to make a file unwritable even for root.
 */
import {spawnSync} from 'node:child_process';
import {cpSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const fixturesDir = fileURLToPath(
	new URL('../fixtures/conflicts/', import.meta.url),
);

/** Copies fixture `name` (symlinks kept as symlinks) into a fresh temp dir; returns its root. */
export function copyFixture(name: string): string {
	const root = mkdtempSync(path.join(os.tmpdir(), `portui-${name}-`));
	cpSync(path.join(fixturesDir, name), root, {recursive: true, verbatimSymlinks: true});
	return root;
}

/**
 * Root ignores file modes, so `chmod a-w` stops nobody running as root. The
 * immutable attribute does (ext4, xfs, btrfs, tmpfs since 6.0; not overlayfs):
 * returns false when this file system refuses `chattr +i`.
 */
export function makeImmutable(file: string): boolean {
	return spawnSync('chattr', ['+i', file], {stdio: 'ignore'}).status === 0;
}

export function clearImmutable(file: string): void {
	spawnSync('chattr', ['-i', file], {stdio: 'ignore'});
}

/** Removes a temp tree, clearing immutable bits a failed test may have left. */
export function removeTree(root: string): void {
	spawnSync('chattr', ['-R', '-i', root], {stdio: 'ignore'});
	rmSync(root, {recursive: true, force: true});
}
