/**
 * Issue 9, finding 12 (the writer's part): a non-root user who cannot give a
 * file back its owner is told that, not "immutable file or directory?"; and a
 * run killed in the middle of a write leaves no temp file behind (an unnamed
 * O_TMPFILE where the kernel has it; else the next run removes the stale
 * temp files of portui runs that are gone, and only those).
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {
	chmodSync,
	chownSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {writeFileAtomic} from '../../../source/core/conflicts/atomic-write.js';
import {moduleLiteral, runAsNobody} from '../../helpers/as-nobody.js';
import {removeTree} from '../../helpers/config-fixtures.js';
import {fileRoutes, onRoute} from '../../helpers/file-routes.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) removeTree(dir);
});
function tempDir(): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-leftovers-'));
	dirs.push(dir);
	return dir;
}

const original = 'NODE_ENV=production\nPORT=5000\n';
const writer = moduleLiteral('source/core/conflicts/atomic-write.ts');

describe('a non-root user and a file someone else owns', () => {
	for (const route of fileRoutes) {
		test(`says it cannot give the file back its owner, not "immutable" (${route.name} route)`, (t) => {
			const dir = tempDir();
			chmodSync(dir, 0o755);
			chownSync(dir, 65534, 65534);
			const file = path.join(dir, 'app.env');
			writeFileSync(file, original);
			chownSync(file, 1, 65534); // daemon, writable by everyone
			chmodSync(file, 0o666);
			const run = runAsNobody(
				`import {writeFileAtomic} from ${writer};
				try { writeFileAtomic(${JSON.stringify(file)}, Buffer.from('PORT=1\\n')); console.log('WROTE'); }
				catch (error) { console.log(error.name + ': ' + error.message); }`,
				route.env,
			);
			if ('skip' in run) return t.skip(run.skip);
			assert.equal(run.stderr, '');
			assert.match(
				run.stdout,
				/^PermissionError: cannot give .*app\.env back its owner \(daemon\): only root can; run with sudo; the original is untouched\n$/,
			);
			assert.doesNotMatch(run.stdout, /immutable/);
			assert.equal(readFileSync(file, 'utf8'), original);
			assert.deepEqual(readdirSync(dir), ['app.env']);
		});
	}
});

/** Runs writeFileAtomic in a child that strace kills (SIGKILL) at its first fsync. */
function killedAtFsync(
	file: string,
	env: Record<string, string>,
): {signal: string; stderr: string} | {skip: string} {
	const child = spawnSync(
		'strace',
		[
			'-f',
			'-qq',
			'-o',
			'/dev/null',
			'-e',
			'trace=fsync',
			'-e',
			'inject=fsync:signal=SIGKILL',
			process.execPath,
			'--import',
			'tsx',
			'--input-type=module',
			'-e',
			`import {writeFileAtomic} from ${writer};
			process.stderr.write('writing\\n');
			writeFileAtomic(${JSON.stringify(file)}, Buffer.from('NODE_ENV=production\\nPORT=5005\\n'));
			process.stderr.write('wrote\\n');`,
		],
		{encoding: 'utf8', env: {...process.env, ...env}, timeout: 60_000},
	);
	if (child.error) return {skip: `strace is not available: ${child.error.message}`};
	if (/ptrace|Operation not permitted/.test(child.stderr))
		return {skip: 'ptrace is not allowed here'};
	return {signal: String(child.signal ?? child.status), stderr: child.stderr};
}

describe('a run killed in the middle of a write', () => {
	for (const route of fileRoutes) {
		test(`leaves no temp file once the next run is done (${route.name} route)`, (t) => {
			const dir = tempDir();
			const file = path.join(dir, 'app.env');
			writeFileSync(file, original);
			const killed = killedAtFsync(file, route.env);
			if ('skip' in killed) return t.skip(killed.skip);
			// strace exits with the status of its child: 128 + 9.
			assert.match(killed.signal, /^(SIGKILL|137)$/, killed.stderr);
			assert.equal(
				killed.stderr,
				'writing\n',
				'killed inside writeFileAtomic, not before or after',
			);
			assert.equal(readFileSync(file, 'utf8'), original, 'the config is untouched');
			const leftAfterKill = readdirSync(dir).filter((name) => name !== 'app.env');
			if (route.name === 'addon') {
				assert.deepEqual(leftAfterKill, [], 'an unnamed temp file leaves nothing');
			}
			const result = onRoute(route, () =>
				writeFileAtomic(file, Buffer.from('NODE_ENV=production\nPORT=5006\n')),
			);
			assert.deepEqual(
				readdirSync(dir).sort(),
				['app.env', path.basename(result.backup)].sort(),
			);
		});
	}

	test("keeps the temp files of a portui run that is still going, removes a dead run's", () => {
		const dir = tempDir();
		const file = path.join(dir, 'app.env');
		writeFileSync(file, original);
		const stat = readFileSync('/proc/self/stat', 'utf8');
		const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
		const live = `.app.env.portui-tmp-${process.pid}-${startTime}-live01`;
		const dead = spawnSync(process.execPath, ['-e', '0']).pid;
		const gone = `.app.env.portui-tmp-${dead}-${startTime}-gone01`;
		const reused = `.app.env.portui-tmp-${process.pid}-1-reused`;
		const foreign = '.app.env.tmp-12345';
		for (const name of [live, gone, reused, foreign])
			writeFileSync(path.join(dir, name), 'x');
		const result = writeFileAtomic(file, Buffer.from('PORT=1\n'));
		assert.deepEqual(
			readdirSync(dir).sort(),
			[foreign, live, 'app.env', path.basename(result.backup)].sort(),
		);
	});
});
