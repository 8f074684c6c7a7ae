/**
 * The lock behind finding 6, on its own: exclusive across processes (whatever
 * route each takes: both are the same kernel flock), never waiting on a
 * hold of this same process, released when done.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {lockFile} from '../../../source/core/conflicts/atomic-write.js';
import {FileLockedError} from '../../../source/core/errors.js';
import {moduleLiteral} from '../../helpers/as-nobody.js';
import {removeTree} from '../../helpers/config-fixtures.js';
import {fileRoutes, onRoute} from '../../helpers/file-routes.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) removeTree(dir);
});

function config(): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-lock-'));
	dirs.push(dir);
	const file = path.join(dir, 'app.env');
	writeFileSync(file, 'PORT=5000\n');
	return file;
}

/** A child that takes the lock and holds it until its stdin closes. */
async function holder(file: string, env: Record<string, string>) {
	const child = spawn(
		process.execPath,
		[
			'--import',
			'tsx',
			'--input-type=module',
			'-e',
			`import {lockFile} from ${moduleLiteral('source/core/conflicts/atomic-write.ts')};
			const lock = lockFile(${JSON.stringify(file)});
			process.stdout.write('locked\\n');
			process.stdin.resume();
			process.stdin.on('end', () => { lock.release(); process.exit(0); });`,
		],
		{stdio: ['pipe', 'pipe', 'inherit'], env: {...process.env, ...env}},
	);
	await new Promise<void>((resolve, reject) => {
		child.stdout.once('data', () => resolve());
		child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
	});
	return {
		async release() {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.stdin.end();
			await exited;
		},
	};
}

describe('lockFile', () => {
	for (const holderRoute of fileRoutes) {
		for (const route of fileRoutes) {
			test(`another process's lock (${holderRoute.name}) holds off this one (${route.name})`, async () => {
				const file = config();
				const other = await holder(file, holderRoute.env);
				try {
					assert.throws(
						() => onRoute(route, () => lockFile(file, {waitMs: 200})),
						(error: unknown) =>
							error instanceof FileLockedError &&
							error.message.startsWith(`${file} is being changed by another portui run`),
					);
				} finally {
					await other.release();
				}
				onRoute(route, () => lockFile(file, {waitMs: 0})).release();
			});
		}
	}

	test('a second hold in this process (another file in the directory) does not wait on the first', () => {
		const file = config();
		const sibling = path.join(path.dirname(file), 'other.env');
		writeFileSync(sibling, 'PORT=1\n');
		const first = lockFile(file, {waitMs: 0});
		const second = lockFile(sibling, {waitMs: 0});
		second.release();
		second.release();
		first.release();
		lockFile(file, {waitMs: 0}).release();
	});
});
