/**
 * Where the engine tests find what `.ci/run` prepared: the Debian rootfs that
 * `.ci/engines/rootfs.sh` builds (named after that script's hash, so both
 * agree on the name), and why an engine cannot run here. In CI a missing
 * engine is a failure, not a skip: `engineUnavailable` says which.
 */
import {createHash} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const rootfsScript = path.join(repoRoot, '.ci/engines/rootfs.sh');

/** The rootfs directory the build script makes (it may not exist yet). */
export function rootfsPath(): string {
	const cache = process.env.PORTUI_ENGINE_CACHE ?? '/var/cache/portui-engines';
	const key = createHash('sha256')
		.update(readFileSync(rootfsScript))
		.digest('hex')
		.slice(0, 16);
	return path.join(cache, `rootfs-${key}`);
}

export function hasCommand(name: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${name}`], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/** Why systemd cannot boot in a container here, or undefined. */
export function systemdSkipReason(): string | undefined {
	if (process.geteuid?.() !== 0) return 'needs root (systemd-nspawn)';
	if (!hasCommand('systemd-nspawn')) return 'needs systemd-nspawn (systemd-container)';
	if (!existsSync(path.join(rootfsPath(), '.complete')))
		return `no rootfs at ${rootfsPath()}: run bash .ci/engines/rootfs.sh`;
	return undefined;
}

export function podmanSkipReason(): string | undefined {
	if (process.geteuid?.() !== 0) return 'needs root (rootful podman)';
	for (const command of ['podman', 'runc', 'conmon', 'busybox'])
		if (!hasCommand(command)) return `needs ${command}`;
	return undefined;
}

export function dockerSkipReason(): string | undefined {
	if (process.geteuid?.() !== 0) return 'needs root (dockerd)';
	for (const command of ['dockerd', 'docker', 'busybox'])
		if (!hasCommand(command)) return `needs ${command}`;
	return undefined;
}

/**
 * The `skip` option for a node:test test: the reason when the engine cannot
 * run, except in CI, where the test runs (and fails, saying why) instead.
 */
export function engineSkip(reason: string | undefined): string | false {
	if (reason === undefined) return false;
	return process.env.CI ? false : reason;
}

/** Throws with the reason when an engine the test needs is unavailable (in CI). */
export function requireEngine(reason: string | undefined): void {
	if (reason !== undefined) throw new Error(`engine unavailable: ${reason}`);
}
