/**
 * What the preview says about writing a config (issue 9, finding 1's second
 * half): a directory, or an ancestor, that a user other than root and the
 * file's owner can write to is named, since whoever can write there can swap
 * files under portui and under the service.
 */
import assert from 'node:assert/strict';
import {chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {planReconfigure} from '../../../source/core/conflicts/reconfigure.js';
import {
	clearImmutable,
	makeImmutable,
	removeTree,
} from '../../helpers/config-fixtures.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) removeTree(dir);
});

const isRoot = process.getuid?.() === 0;

/** ROOT/etc/app/app.env, every directory root's and 0755 unless changed. */
function tree(): {root: string; etc: string; dir: string; file: string} {
	const root = mkdtempSync(path.join(os.tmpdir(), 'portui-risks-'));
	dirs.push(root);
	chmodSync(root, 0o755);
	const etc = path.join(root, 'etc');
	const dir = path.join(etc, 'app');
	mkdirSync(dir, {recursive: true, mode: 0o755});
	const file = path.join(dir, 'app.env');
	writeFileSync(file, 'PORT=5000\n');
	return {root, etc, dir, file};
}

function warnings(file: string): string[] {
	return planReconfigure({port: 5000, to: 5005, file, listeners: [], declared: new Map()})
		.warnings;
}

describe('the preview of a rewrite', () => {
	test('a directory owned by another user: says who can write there', (t) => {
		if (!isRoot) return t.skip('needs root to give a directory to nobody');
		const {dir, file} = tree();
		chownSync(dir, 65534, 65534);
		const found = warnings(file);
		assert.ok(
			found.some((line) =>
				line.includes(
					`${dir} is writable by nobody (its owner), not only by root and the file's owner`,
				),
			),
			found.join('\n'),
		);
	});

	test('an ancestor writable by a group: says so too', (t) => {
		if (!isRoot) return t.skip('needs root to change a group');
		const {etc, file} = tree();
		chownSync(etc, 0, 65534);
		chmodSync(etc, 0o775);
		const found = warnings(file);
		assert.ok(
			found.some((line) =>
				line.includes(
					`${etc} (above ${path.dirname(file)}) is writable by group nogroup`,
				),
			),
			found.join('\n'),
		);
	});

	test('root-owned directories under the sticky /tmp: no such warning', () => {
		const {file} = tree();
		assert.deepEqual(
			warnings(file).filter((line) => /writable by/.test(line)),
			[],
		);
	});

	test('an immutable file: says it cannot be changed until chattr -i', (t) => {
		const {file} = tree();
		if (!makeImmutable(file))
			return t.skip('this file system does not support chattr +i');
		try {
			const found = warnings(file);
			assert.ok(
				found.some((line) => line.includes(`${file} is immutable (chattr +i)`)),
				found.join('\n'),
			);
		} finally {
			clearImmutable(file);
		}
	});
});
