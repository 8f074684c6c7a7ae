/**
 * Issue 9, finding 10: a rewrite keeps every extended attribute and ACL the
 * running user can copy (a `user:daemon:r--` entry is what lets a service
 * read its config); one it cannot copy is named in the preview, which then
 * needs confirmation. Real `setfattr`/`setfacl` on real files.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {
	chmodSync,
	chownSync,
	linkSync,
	mkdtempSync,
	readFileSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {writeFileAtomic} from '../../../source/core/conflicts/atomic-write.js';
import {planReconfigure} from '../../../source/core/conflicts/reconfigure.js';
import {moduleLiteral, runAsNobody} from '../../helpers/as-nobody.js';
import {removeTree} from '../../helpers/config-fixtures.js';
import {fileRoutes, onRoute} from '../../helpers/file-routes.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) removeTree(dir);
});
function tempDir(): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-xattr-'));
	dirs.push(dir);
	return dir;
}

const original = 'NODE_ENV=production\nPORT=5000\n';
const changed = Buffer.from('NODE_ENV=production\nPORT=5005\n');

/** Every xattr getfattr shows (ACLs and security labels included), as name=hex lines. */
function xattrs(file: string): string[] {
	const dump = spawnSync(
		'getfattr',
		['-d', '-m', '-', '-e', 'hex', '--absolute-names', file],
		{
			encoding: 'utf8',
		},
	);
	return dump.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

function acl(file: string): string[] {
	return spawnSync('getfacl', ['-c', '-p', file], {encoding: 'utf8'})
		.stdout.split('\n')
		.filter(Boolean);
}

function tools(): string | undefined {
	for (const tool of ['setfattr', 'setfacl', 'getfattr', 'getfacl']) {
		if (spawnSync(tool, ['--version'], {stdio: 'ignore'}).error)
			return `${tool} is not installed`;
	}
	return undefined;
}

/** app.env with a user xattr and an ACL entry for daemon, or why not here. */
function decorated(dir: string): string | {skip: string} {
	const file = path.join(dir, 'app.env');
	writeFileSync(file, original);
	chmodSync(file, 0o640);
	const attr = spawnSync('setfattr', ['-n', 'user.portui.note', '-v', 'keep me', file]);
	if (attr.status !== 0) return {skip: 'this file system has no user xattrs'};
	const facl = spawnSync('setfacl', ['-m', 'u:daemon:r--', file]);
	if (facl.status !== 0) return {skip: 'this file system has no ACLs'};
	return file;
}

function plan(file: string) {
	return planReconfigure({
		port: 5000,
		to: 5005,
		file,
		listeners: [],
		declared: new Map(),
	});
}

describe('extended attributes and ACLs', () => {
	for (const route of fileRoutes) {
		test(`the rewritten file keeps user xattrs and the ACL, or the preview asks first (${route.name} route)`, (t) => {
			const unavailable = tools();
			if (unavailable) return t.skip(unavailable);
			const file = decorated(tempDir());
			if (typeof file !== 'string') return t.skip(file.skip);
			const before = xattrs(file);
			assert.ok(before.some((line) => line.startsWith('user.portui.note=')));
			assert.ok(before.some((line) => line.startsWith('system.posix_acl_access=')));
			const preview = onRoute(route, () => plan(file));
			if (route.name === 'node') {
				// Node alone cannot copy xattrs: the preview must say so and ask.
				assert.ok(
					preview.warnings.some((line) =>
						/user\.portui\.note.*system\.posix_acl_access|extended attributes/.test(line),
					),
					preview.warnings.join('\n'),
				);
				const risks = (
					preview as {risks?: Array<{kind: string; needsConfirmation: boolean}>}
				).risks;
				assert.ok(
					risks?.some((risk) => risk.kind === 'xattrs' && risk.needsConfirmation),
				);
				return;
			}
			const inode = statSync(file).ino;
			onRoute(route, () => writeFileAtomic(file, changed));
			assert.notEqual(statSync(file).ino, inode, 'a new file was renamed into place');
			assert.deepEqual(readFileSync(file), changed);
			assert.deepEqual(xattrs(file), before);
			assert.ok(acl(file).includes('user:daemon:r--'), acl(file).join('\n'));
			assert.equal(statSync(file).mode & 0o7777, 0o640);
		});
	}

	test('a backup made by copying (a hard-linked file) keeps them too', (t) => {
		const unavailable = tools();
		if (unavailable) return t.skip(unavailable);
		const dir = tempDir();
		const file = decorated(dir);
		if (typeof file !== 'string') return t.skip(file.skip);
		linkSync(file, path.join(dir, 'second-name.env'));
		const before = xattrs(file);
		const result = writeFileAtomic(file, changed);
		assert.notEqual(
			statSync(result.backup).ino,
			statSync(file).ino,
			'the backup is a copy',
		);
		assert.equal(readFileSync(result.backup, 'utf8'), original);
		assert.deepEqual(xattrs(result.backup), before);
		assert.deepEqual(xattrs(file), before);
	});

	test('an attribute nobody cannot set (security.capability): the preview names it and asks', (t) => {
		const unavailable = tools();
		if (unavailable) return t.skip(unavailable);
		if (process.getuid?.() !== 0) return t.skip('needs root to set a capability');
		const dir = tempDir();
		chmodSync(dir, 0o755);
		chownSync(dir, 65534, 65534);
		const file = path.join(dir, 'app.env');
		writeFileSync(file, original);
		chownSync(file, 65534, 65534);
		const cap = spawnSync('setfattr', [
			'-n',
			'security.capability',
			'-v',
			'0x0100000200040000000000000000000000000000',
			file,
		]);
		if (cap.status !== 0) return t.skip('cannot set security.capability here');
		const script = `
			import {planReconfigure} from ${moduleLiteral('source/core/conflicts/reconfigure.ts')};
			const plan = planReconfigure({port: 5000, to: 5005, file: ${JSON.stringify(file)}, listeners: [], declared: new Map()});
			console.log(JSON.stringify({warnings: plan.warnings, risks: plan.risks ?? null}));
		`;
		const run = runAsNobody(script);
		if ('skip' in run) return t.skip(run.skip);
		assert.equal(run.status, 0, run.stderr);
		const preview = JSON.parse(run.stdout) as {
			warnings: string[];
			risks: Array<{kind: string; message: string; needsConfirmation: boolean}> | null;
		};
		assert.ok(
			preview.warnings.some((line) => /security\.capability/.test(line)),
			preview.warnings.join('\n'),
		);
		const risk = preview.risks?.find((entry) => entry.kind === 'xattrs');
		assert.equal(risk?.needsConfirmation, true);
		assert.match(risk!.message, /security\.capability/);
	});
});
