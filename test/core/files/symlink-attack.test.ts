/**
 * Issue 9, finding 1: root must never change the owner or mode of a file it
 * did not create. The config sits in a directory its owner (nobody) controls;
 * it has 65,000 hard links on ext4, so a hard-link backup fails with EMLINK
 * and the backup is a copy. A real attacker process, running as nobody and
 * watching the directory with inotify, renames a symlink to root's 0600 file
 * over the backup as soon as it appears, every round.
 */
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {
	chmodSync,
	chownSync,
	linkSync,
	mkdirSync,
	readFileSync,
	statSync,
	unlinkSync,
	writeFileSync,
} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {writeFileAtomic} from '../../../source/core/conflicts/atomic-write.js';
import {fileRoutes, onRoute} from '../../helpers/file-routes.js';
import {ext4Dir, type Scratch} from '../../helpers/scratch-fs.js';

const NOBODY = 65534;
const EXT4_LINK_MAX = 65_000;
// Big enough that copying it takes milliseconds: the attacker has time to act.
const CONFIG_BYTES = 8 * 1024 * 1024;

const attackerSource = `
import {lstatSync, renameSync, symlinkSync, watch} from 'node:fs';
const [dir, target] = process.argv.slice(2);
const bait = dir + '/.bait';
const arm = () => { try { symlinkSync(target, bait); } catch {} };
arm();
watch(dir, (event, name) => {
	if (!name || !/\\.portui-.*\\.bak$/.test(name)) return;
	const backup = dir + '/' + name;
	try {
		if (!lstatSync(backup).isFile()) return;
		renameSync(bait, backup);
		process.stdout.write('swapped ' + name + '\\n');
	} catch {}
	arm();
});
process.stdout.write('ready\\n');
`;

const scratches: Scratch[] = [];
const attackers: ChildProcess[] = [];
after(() => {
	for (const attacker of attackers) attacker.kill('SIGKILL');
	for (const scratch of scratches) scratch.cleanup();
});

type Layout = {
	hub: string;
	victimDir: string;
	config: string;
	secret: string;
	attacker: string;
};

function layout(base: string): Layout {
	chmodSync(base, 0o755);
	const links = path.join(base, 'links');
	mkdirSync(links, {mode: 0o755});
	const hub = path.join(links, 'hub');
	const text = Buffer.alloc(CONFIG_BYTES, '# padding\n');
	writeFileSync(hub, Buffer.concat([Buffer.from('port 6379\n'), text]));
	chownSync(hub, NOBODY, NOBODY);
	chmodSync(hub, 0o644);
	// The config will be link number 65,000.
	for (let index = 2; index < EXT4_LINK_MAX; index++) {
		linkSync(hub, path.join(links, `l${index}`));
	}
	const victimDir = path.join(base, 'victim');
	mkdirSync(victimDir, {mode: 0o755});
	chownSync(victimDir, NOBODY, NOBODY);
	const secretDir = path.join(base, 'secret');
	mkdirSync(secretDir, {mode: 0o700});
	const secret = path.join(secretDir, 'shadow');
	writeFileSync(secret, "root's secret\n", {mode: 0o600});
	const attacker = path.join(base, 'attacker.mjs');
	writeFileSync(attacker, attackerSource, {mode: 0o644});
	return {hub, victimDir, config: path.join(victimDir, 'redis.conf'), secret, attacker};
}

function startAttacker(
	files: Layout,
): Promise<{child: ChildProcess; swaps: () => number}> {
	const child = spawn(
		'setpriv',
		[
			`--reuid=${NOBODY}`,
			`--regid=${NOBODY}`,
			'--clear-groups',
			process.execPath,
			files.attacker,
			files.victimDir,
			files.secret,
		],
		{stdio: ['ignore', 'pipe', 'inherit']},
	);
	attackers.push(child);
	let output = '';
	return new Promise((resolve, reject) => {
		child.stdout!.setEncoding('utf8');
		child.stdout!.on('data', (chunk: string) => {
			output += chunk;
			if (output.startsWith('ready\n')) {
				resolve({
					child,
					swaps: () => output.split('\n').filter((l) => l.startsWith('swapped')).length,
				});
			}
		});
		child.once('exit', (code) => reject(new Error(`attacker exited ${code}`)));
	});
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('a symlink swapped in while the backup is copied', () => {
	for (const route of fileRoutes) {
		test(`root's 0600 file keeps root:root 0600 (${route.name} route)`, async (t) => {
			if (process.getuid?.() !== 0) return t.skip('needs root and the user nobody');
			const scratch = ext4Dir();
			if ('skip' in scratch) return t.skip(scratch.skip);
			scratches.push(scratch);
			const files = layout(scratch.dir);
			const attacker = await startAttacker(files);
			const secretBefore = statSync(files.secret);
			let rounds = 0;
			for (; rounds < 8 && attacker.swaps() < 2; rounds++) {
				try {
					unlinkSync(files.config);
				} catch {
					// First round: not linked yet.
				}
				linkSync(files.hub, files.config);
				assert.equal(statSync(files.config).nlink, EXT4_LINK_MAX);
				const content = Buffer.from(readFileSync(files.config));
				content.write(`port ${7000 + rounds}\n`, 0, 'latin1');
				onRoute(route, () => writeFileAtomic(files.config, content));
				await tick();
				const secret = statSync(files.secret);
				assert.deepEqual(
					{uid: secret.uid, gid: secret.gid, mode: (secret.mode & 0o7777).toString(8)},
					{uid: 0, gid: 0, mode: '600'},
					`round ${rounds + 1}: root's file was changed through the swapped-in symlink`,
				);
				assert.equal(secret.mtimeMs, secretBefore.mtimeMs);
				assert.equal(readFileSync(files.secret, 'utf8'), "root's secret\n");
			}
			attacker.child.kill('SIGKILL');
			assert.ok(
				attacker.swaps() > 0,
				`the attacker never got to swap a backup in ${rounds} rounds: the test proved nothing`,
			);
		});
	}
});
