/**
 * Issue 9, finding 2: on a nearly full file system a config must never be
 * left cut short. A real tmpfs of 64 KB is filled until 8 KB are free; the
 * 20 KB Redis config's last line is `bind 127.0.0.1`, and losing it would
 * expose the service on every address at the next restart.
 */
import assert from 'node:assert/strict';
import {
	linkSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {writeFileAtomic} from '../../../source/core/conflicts/atomic-write.js';
import {PortuiError} from '../../../source/core/errors.js';
import {fileRoutes, onRoute} from '../../helpers/file-routes.js';
import {runPortui} from '../../helpers/run-portui.js';
import {fillUntil, tinyTmpfs, type Scratch} from '../../helpers/scratch-fs.js';

const scratches: Scratch[] = [];
after(() => {
	for (const scratch of scratches) scratch.cleanup();
});

/** A 20,626-byte redis.conf: `port 6379` near the top, `bind 127.0.0.1` last. */
function redisConfig(port: number): Buffer {
	const lines = [`port ${port}`];
	for (let index = 0; index < 300; index++) {
		lines.push(`# comment line ${index} padding the file out to twenty kilobytes`);
	}
	const body = `${lines.join('\n')}\nbind 127.0.0.1\n`;
	const title = '# Redis configuration file example ';
	return Buffer.from(`${title.padEnd(20_626 - body.length - 1, '#')}\n${body}`);
}

function fullDisk(): {dir: string; config: string; original: Buffer} | {skip: string} {
	const scratch = tinyTmpfs(64);
	if ('skip' in scratch) return scratch;
	scratches.push(scratch);
	const dir = path.join(scratch.dir, 'redis');
	mkdirSync(dir);
	const config = path.join(dir, 'redis.conf');
	const original = redisConfig(6379);
	assert.equal(original.length, 20_626);
	writeFileSync(config, original);
	fillUntil(path.join(scratch.dir, 'filler'), 8192);
	return {dir, config, original};
}

describe('a config rewritten on a full file system', () => {
	for (const route of fileRoutes) {
		test(`fails in one line and leaves the original whole (${route.name} route)`, (t) => {
			const disk = fullDisk();
			if ('skip' in disk) return t.skip(disk.skip);
			const inode = statSync(disk.config).ino;
			assert.throws(
				() => onRoute(route, () => writeFileAtomic(disk.config, redisConfig(6380))),
				(error: unknown) => {
					assert.ok(error instanceof PortuiError, String(error));
					assert.match(
						error.message,
						/^cannot write .*redis\.conf: no space left on device; the original is untouched$/,
					);
					return true;
				},
			);
			assert.deepEqual(readFileSync(disk.config), disk.original);
			assert.match(readFileSync(disk.config, 'latin1'), /\nbind 127\.0\.0\.1\n$/);
			assert.equal(statSync(disk.config).ino, inode);
			assert.deepEqual(readdirSync(disk.dir), ['redis.conf'], 'no temp file, no backup');
		});

		test(`a hard-linked config on a full file system stays whole (${route.name} route)`, (t) => {
			const disk = fullDisk();
			if ('skip' in disk) return t.skip(disk.skip);
			linkSync(disk.config, path.join(disk.dir, 'redis-link.conf'));
			assert.throws(
				() => onRoute(route, () => writeFileAtomic(disk.config, redisConfig(6380))),
				(error: unknown) =>
					error instanceof PortuiError &&
					/^cannot (write|back up) .*redis\.conf: no space left on device; the original is untouched$/.test(
						error.message,
					),
			);
			assert.deepEqual(readFileSync(disk.config), disk.original);
			assert.deepEqual(
				readFileSync(path.join(disk.dir, 'redis-link.conf')),
				disk.original,
			);
			assert.deepEqual(readdirSync(disk.dir).sort(), ['redis-link.conf', 'redis.conf']);
		});
	}

	test('portui move on a full file system: exit 1, one line, the config untouched', (t) => {
		const disk = fullDisk();
		if ('skip' in disk) return t.skip(disk.skip);
		const result = runPortui([
			'move',
			'6379',
			'--to',
			'6380',
			'--config',
			disk.config,
			'--yes',
			'--no-restart',
		]);
		assert.equal(result.status, 1, result.stderr);
		assert.match(
			result.stderr,
			/^portui: cannot write .*redis\.conf: no space left on device; the original is untouched\n$/,
		);
		assert.deepEqual(readFileSync(disk.config), disk.original);
		assert.deepEqual(readdirSync(disk.dir), ['redis.conf']);
	});
});
