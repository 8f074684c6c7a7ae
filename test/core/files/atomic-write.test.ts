import assert from 'node:assert/strict';
import {moduleLiteral, runAsNobody} from '../../helpers/as-nobody.js';
import {
	chmodSync,
	chownSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	statSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {
	backupPath,
	restoreBackup,
	writeFileAtomic,
} from '../../../source/core/conflicts/atomic-write.js';
import {FileChangedError, PermissionError} from '../../../source/core/errors.js';
import {hostileStrings, forbiddenInOutput} from '../../fixtures/hostile/strings.js';
import {
	clearImmutable,
	makeImmutable,
	removeTree,
} from '../../helpers/config-fixtures.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) removeTree(dir);
});
function tempDir(): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-atomic-'));
	dirs.push(dir);
	return dir;
}

const isRoot = process.getuid?.() === 0;
const original = 'server {\n\tlisten 80;\n}\n';
const changed = 'server {\n\tlisten 8080;\n}\n';
const bytes = (text: string) => Buffer.from(text);

describe('writeFileAtomic', () => {
	test('replaces the inode, keeps owner, group and mode, leaves the original as the backup', () => {
		const dir = tempDir();
		const file = path.join(dir, 'site.conf');
		writeFileSync(file, original);
		chmodSync(file, 0o640);
		if (isRoot) chownSync(file, 65534, 65534);
		const before = statSync(file);
		const now = new Date(Date.UTC(2026, 10, 24, 21, 5, 9));
		const result = writeFileAtomic(file, bytes(changed), {
			now,
			expected: bytes(original),
		});
		const afterStat = statSync(file);
		assert.equal(readFileSync(file, 'utf8'), changed);
		assert.notEqual(
			afterStat.ino,
			before.ino,
			'a new inode (rename, not rewrite in place)',
		);
		assert.equal(result.inodeBefore, before.ino);
		assert.equal(result.inodeAfter, afterStat.ino);
		assert.equal(afterStat.mode & 0o7777, 0o640);
		assert.equal(afterStat.uid, before.uid);
		assert.equal(afterStat.gid, before.gid);
		assert.equal(result.backup, path.join(dir, 'site.conf.portui-20261124T210509.bak'));
		assert.equal(readFileSync(result.backup, 'utf8'), original);
		const backup = statSync(result.backup);
		assert.equal(backup.ino, before.ino, 'the backup is the original file itself');
		assert.equal(backup.mode & 0o7777, 0o640);
		assert.equal(backup.mtimeMs, before.mtimeMs);
		assert.deepEqual(readdirSync(dir).sort(), [
			'site.conf',
			'site.conf.portui-20261124T210509.bak',
		]);
	});

	test('a second write in the same second gets its own backup name', () => {
		const dir = tempDir();
		const file = path.join(dir, 'a.conf');
		writeFileSync(file, original);
		const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
		const first = writeFileAtomic(file, bytes(changed), {now});
		const second = writeFileAtomic(file, bytes(original), {now});
		assert.equal(path.basename(first.backup), 'a.conf.portui-20260102T030405.bak');
		assert.equal(path.basename(second.backup), 'a.conf.portui-20260102T030405-1.bak');
		assert.equal(readFileSync(second.backup, 'utf8'), changed);
	});

	test('writes through a symlink to its target (Debian sites-enabled)', () => {
		const dir = tempDir();
		mkdirSync(path.join(dir, 'available'));
		mkdirSync(path.join(dir, 'enabled'));
		const target = path.join(dir, 'available', 'default');
		writeFileSync(target, original);
		const link = path.join(dir, 'enabled', 'default');
		symlinkSync('../available/default', link);
		const result = writeFileAtomic(link, bytes(changed), {hiddenBackup: true});
		assert.equal(result.file, target);
		assert.equal(readFileSync(link, 'utf8'), changed);
		assert.ok(path.basename(result.backup).startsWith('.default.portui-'));
		assert.equal(path.dirname(result.backup), path.dirname(target));
	});

	test('refuses when the file changed since it was read', () => {
		const dir = tempDir();
		const file = path.join(dir, 'a.conf');
		writeFileSync(file, original);
		assert.throws(
			() => writeFileAtomic(file, bytes(changed), {expected: bytes('other')}),
			(error: unknown) =>
				error instanceof FileChangedError &&
				error.message === `${file} changed since the preview; nothing was written`,
		);
		assert.deepEqual(readdirSync(dir), ['a.conf']);
	});

	test('restoreBackup puts the original inode back', () => {
		const dir = tempDir();
		const file = path.join(dir, 'a.conf');
		writeFileSync(file, original);
		const inode = statSync(file).ino;
		const result = writeFileAtomic(file, bytes(changed));
		restoreBackup(file, result.backup);
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.equal(statSync(file).ino, inode);
		assert.deepEqual(readdirSync(dir), ['a.conf']);
	});

	test('backupPath is beside the file; a taken name (even a symlink) is never reused', () => {
		const dir = tempDir();
		const file = path.join(dir, 'x');
		writeFileSync(file, original);
		const now = new Date(Date.UTC(2030, 11, 31, 23, 59, 58));
		assert.equal(backupPath(file, now), path.join(dir, 'x.portui-20301231T235958.bak'));
		symlinkSync('/nonexistent', path.join(dir, 'x.portui-20301231T235958.bak'));
		writeFileSync(path.join(dir, 'x.portui-20301231T235958-1.bak'), 'someone else');
		const result = writeFileAtomic(file, bytes(changed), {now});
		assert.equal(result.backup, path.join(dir, 'x.portui-20301231T235958-2.bak'));
		assert.equal(
			readFileSync(path.join(dir, 'x.portui-20301231T235958-1.bak'), 'utf8'),
			'someone else',
		);
	});

	test('bytes in, bytes compared: Latin-1, a BOM, CRLF and NUL survive exactly', () => {
		const dir = tempDir();
		const file = path.join(dir, 'a.conf');
		const before = Buffer.from('\ufefflisten 80;\r\nf\xfcr\x00\r\n', 'latin1');
		writeFileSync(file, before);
		const after = Buffer.from(before);
		after.write('81', before.indexOf('80'), 'latin1');
		writeFileAtomic(file, after, {expected: before});
		assert.deepEqual(readFileSync(file), after);
	});

	test('a hostile file name reaches the message as visible escapes', () => {
		const dir = tempDir();
		for (const {name, text} of hostileStrings) {
			const file = path.join(dir, text.replaceAll('/', '_'));
			writeFileSync(file, original);
			assert.throws(
				() => writeFileAtomic(file, bytes(changed), {expected: bytes('other')}),
				(error: unknown) =>
					error instanceof FileChangedError &&
					!forbiddenInOutput.test(error.message) &&
					!error.message.includes('\n'),
				name,
			);
		}
	});

	test('the native file addon is built (npm run build)', () => {
		assert.ok(
			existsSync(path.resolve('build/Release/portui_files.node')),
			'build/Release/portui_files.node should be built by npm run build',
		);
	});
});

// Root ignores chmod, so an unwritable file for root needs the immutable
// attribute (chattr +i: ext4 here; overlayfs refuses it). As a non-root user
// (nobody via setpriv), a read-only directory is enough.
describe('unwritable files', () => {
	test('an immutable file: PermissionError, original untouched, nothing left behind', (t) => {
		const dir = tempDir();
		const file = path.join(dir, 'ports.conf');
		writeFileSync(file, original);
		const inode = statSync(file).ino;
		if (!makeImmutable(file)) {
			t.skip('this file system does not support chattr +i');
			return;
		}
		try {
			assert.throws(
				() => writeFileAtomic(file, bytes(changed)),
				(error: unknown) =>
					error instanceof PermissionError &&
					/^cannot write .*ports\.conf: operation not permitted \(the file is immutable: chattr \+i, undone with chattr -i\); the original is untouched$/.test(
						error.message,
					),
			);
		} finally {
			clearImmutable(file);
		}
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.equal(statSync(file).ino, inode);
		assert.deepEqual(readdirSync(dir), ['ports.conf'], 'no temp file, no backup');
	});

	test('an immutable directory: PermissionError before anything is created', (t) => {
		const dir = tempDir();
		const file = path.join(dir, 'ports.conf');
		writeFileSync(file, original);
		if (!makeImmutable(dir)) {
			t.skip('this file system does not support chattr +i');
			return;
		}
		try {
			assert.throws(
				() => writeFileAtomic(file, bytes(changed)),
				(error: unknown) =>
					error instanceof PermissionError &&
					/^cannot write .*ports\.conf: operation not permitted \(its directory is immutable: chattr \+i, undone with chattr -i\); the original is untouched$/.test(
						error.message,
					),
			);
		} finally {
			clearImmutable(dir);
		}
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.deepEqual(readdirSync(dir), ['ports.conf']);
	});

	test('as nobody: a root-owned file in a root-owned directory is reported, untouched', (t) => {
		if (!isRoot) {
			t.skip('needs root to switch to nobody');
			return;
		}
		const dir = tempDir();
		chmodSync(dir, 0o755);
		const file = path.join(dir, 'ports.conf');
		writeFileSync(file, original);
		chmodSync(file, 0o644);
		const child = runAsNobody(
			`import {writeFileAtomic} from ${moduleLiteral('source/core/conflicts/atomic-write.ts')};
			try { writeFileAtomic(${JSON.stringify(file)}, Buffer.from('x')); console.log('WROTE'); }
			catch (error) { console.log(error.name + ': ' + error.message); }`,
			{HOME: dir},
		);
		if ('skip' in child) {
			t.skip(child.skip);
			return;
		}
		assert.match(
			child.stdout,
			/^PermissionError: cannot write .*ports\.conf: permission denied; the original is untouched \(run with sudo\)/,
		);
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.deepEqual(readdirSync(dir), ['ports.conf']);
	});
});
