/**
 * Issue 9, finding 11: a config with more than one hard link is rewritten in
 * place, through its own inode, so every name keeps seeing the same file
 * (a rename would leave the other names on the old content). The backup is a
 * copy made first; the preview says so; a rollback writes the old bytes back
 * into the same inode.
 */
import assert from 'node:assert/strict';
import {
	chmodSync,
	chownSync,
	linkSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	statSync,
	utimesSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {
	restoreBackup,
	writeFileAtomic,
} from '../../../source/core/conflicts/atomic-write.js';
import {planReconfigure} from '../../../source/core/conflicts/reconfigure.js';
import {removeTree} from '../../helpers/config-fixtures.js';
import {fileRoutes, onRoute} from '../../helpers/file-routes.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) removeTree(dir);
});

const original = 'NODE_ENV=production\nPORT=5000\n';
const changed = 'NODE_ENV=production\nPORT=5005\n';

function linked(): {dir: string; file: string; other: string} {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-links-'));
	dirs.push(dir);
	mkdirSync(path.join(dir, 'etc'));
	mkdirSync(path.join(dir, 'srv'));
	const file = path.join(dir, 'etc', 'app.env');
	writeFileSync(file, original);
	chmodSync(file, 0o640);
	if (process.getuid?.() === 0) chownSync(file, 65534, 65534);
	utimesSync(file, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
	const other = path.join(dir, 'srv', 'app.env');
	linkSync(file, other);
	return {dir, file, other};
}

describe('a hard-linked config', () => {
	for (const route of fileRoutes) {
		test(`is rewritten in place: every name sees the change (${route.name} route)`, () => {
			const {file, other} = linked();
			const before = statSync(file);
			const result = onRoute(route, () => writeFileAtomic(file, Buffer.from(changed)));
			assert.equal(readFileSync(file, 'utf8'), changed);
			assert.equal(
				readFileSync(other, 'utf8'),
				changed,
				'the other name was left behind',
			);
			const afterStat = statSync(file);
			assert.equal(afterStat.ino, before.ino);
			assert.equal(afterStat.nlink, 2);
			assert.equal(statSync(other).ino, before.ino);
			assert.equal(afterStat.mode & 0o7777, 0o640);
			assert.equal(afterStat.uid, before.uid);
			assert.equal(result.inodeAfter, before.ino);
			assert.equal((result as {inPlace?: boolean}).inPlace, true);

			const backup = statSync(result.backup);
			assert.notEqual(backup.ino, before.ino, 'the backup is a copy, not a third name');
			assert.equal(readFileSync(result.backup, 'utf8'), original);
			assert.equal(backup.mode & 0o7777, 0o640);
			assert.equal(backup.uid, before.uid);
			assert.equal(backup.gid, before.gid);
			assert.equal(backup.mtimeMs, before.mtimeMs);
			assert.equal(path.dirname(result.backup), path.dirname(file));
		});

		test(`a rollback writes the old bytes back into the same inode (${route.name} route)`, () => {
			const {file, other} = linked();
			const inode = statSync(file).ino;
			const result = onRoute(route, () => writeFileAtomic(file, Buffer.from(changed)));
			onRoute(route, () => restoreBackup(file, result.backup));
			assert.equal(readFileSync(file, 'utf8'), original);
			assert.equal(readFileSync(other, 'utf8'), original);
			assert.equal(statSync(file).ino, inode);
			assert.equal(statSync(file).nlink, 2);
			assert.deepEqual(
				readdirSync(path.dirname(file)),
				['app.env'],
				'the backup is gone',
			);
		});
	}

	test('the preview says it has two names and will be rewritten in place', () => {
		const {file} = linked();
		const plan = planReconfigure({
			port: 5000,
			to: 5005,
			file,
			listeners: [],
			declared: new Map(),
		});
		assert.ok(
			plan.warnings.some((line) => /2 hard links.*in place/.test(line)),
			plan.warnings.join('\n'),
		);
	});
});
