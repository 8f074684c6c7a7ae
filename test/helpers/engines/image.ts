/**
 * The one container image the engine tests use: a root file system of
 * Debian's static busybox (about 2 MB), packed as a tarball for `podman
 * import` / `docker import`, since no registry is reachable. busybox gives
 * the containers `httpd`, `nc` and `sleep` to hold ports with.
 */
import {execFileSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const imageName = 'localhost/portui-busybox:test';

const applets = ['sh', 'httpd', 'nc', 'sleep', 'cat', 'echo', 'ls', 'kill', 'trap'];

/** Writes the image tarball into `dir` and returns its path. */
export function makeImageTarball(dir: string): string {
	const root = mkdtempSync(path.join(os.tmpdir(), 'portui-image-'));
	try {
		mkdirSync(path.join(root, 'bin'));
		mkdirSync(path.join(root, 'tmp'));
		mkdirSync(path.join(root, 'www'));
		copyFileSync(
			execFileSync('sh', ['-c', 'command -v busybox']).toString().trim(),
			path.join(root, 'bin/busybox'),
		);
		for (const applet of applets) symlinkSync('busybox', path.join(root, 'bin', applet));
		const tarball = path.join(dir, 'portui-busybox.tar');
		execFileSync('tar', ['-C', root, '-cf', tarball, '.']);
		return tarball;
	} finally {
		rmSync(root, {recursive: true, force: true});
	}
}
