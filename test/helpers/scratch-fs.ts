/**
 * Real file systems for the fault tests: a tiny tmpfs that can be filled to
 * a few kilobytes, and a directory on ext4 (whose 65,000-link limit makes a
 * hard link fail with EMLINK). Both need root; each returns a reason to skip
 * when this machine cannot make them.
 */
import {spawnSync} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

export type Scratch = {dir: string; cleanup(): void};

function run(command: string, args: string[]): boolean {
	return spawnSync(command, args, {stdio: 'ignore'}).status === 0;
}

/** A tmpfs of `kilobytes` mounted on a fresh directory. */
export function tinyTmpfs(kilobytes: number): Scratch | {skip: string} {
	if (process.getuid?.() !== 0) return {skip: 'mounting a tmpfs needs root'};
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-tmpfs-'));
	if (
		!run('mount', ['-t', 'tmpfs', '-o', `size=${kilobytes}k,mode=0755`, 'tmpfs', dir])
	) {
		rmSync(dir, {recursive: true, force: true});
		return {skip: 'cannot mount a tmpfs here'};
	}
	return {
		dir,
		cleanup() {
			run('umount', [dir]);
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

/** Fills the file system holding `dir` with `file` until `leaveBytes` (or less) are free. */
export function fillUntil(file: string, leaveBytes: number): void {
	const {bavail, bsize} = statfsSync(path.dirname(file));
	const size = Math.max(0, Number(bavail) * Number(bsize) - leaveBytes);
	const fd = openSync(file, 'w');
	try {
		const chunk = Buffer.alloc(4096, 0x2e);
		for (let written = 0; written < size;) {
			written += writeSync(fd, chunk, 0, Math.min(chunk.length, size - written));
		}
	} finally {
		closeSync(fd);
	}
}

/** A directory on ext4: the temp dir when it is ext4, else a loop-mounted image. */
export function ext4Dir(): Scratch | {skip: string} {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-ext4-'));
	const type = spawnSync('stat', ['-f', '-c', '%T', dir], {encoding: 'utf8'});
	if (type.stdout.trim() === 'ext2/ext3') {
		return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})};
	}
	if (process.getuid?.() !== 0) {
		rmSync(dir, {recursive: true, force: true});
		return {skip: 'the temp dir is not ext4 and a loop mount needs root'};
	}
	const image = `${dir}.img`;
	const made =
		run('truncate', ['-s', '256M', image]) &&
		run('mkfs.ext4', ['-q', '-F', image]) &&
		run('mount', ['-o', 'loop', image, dir]);
	if (!made) {
		run('umount', [dir]);
		rmSync(image, {force: true});
		rmSync(dir, {recursive: true, force: true});
		return {skip: 'the temp dir is not ext4 and no ext4 image can be loop-mounted here'};
	}
	return {
		dir,
		cleanup() {
			run('umount', [dir]);
			rmSync(image, {force: true});
			rmSync(dir, {recursive: true, force: true});
		},
	};
}
