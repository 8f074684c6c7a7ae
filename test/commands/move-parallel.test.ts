/**
 * Issue 9, finding 6: two `portui move` runs on one file at once must not
 * both succeed. Real parallel processes of the built binary, many rounds:
 * each round exactly one wins, the file holds the winner's change, the
 * losers say why and change nothing, and every backup a run reports exists.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {removeTree} from '../helpers/config-fixtures.js';
import {fileRoutes} from '../helpers/file-routes.js';
import {cliPath} from '../helpers/run-portui.js';

// The Node route shares the lock code but not the flock call: fewer rounds there.
const ROUNDS = {addon: 6, node: 3};
const RUNS = 4;

const roots: string[] = [];
after(() => {
	for (const root of roots) removeTree(root);
});

type Run = {to: number; status: number | null; stdout: string; stderr: string};

function move(file: string, to: number, env: Record<string, string>): Promise<Run> {
	return new Promise((resolve) => {
		const child = spawn(
			process.execPath,
			[
				cliPath,
				'move',
				'7001',
				'--to',
				String(to),
				'--config',
				file,
				'--yes',
				'--no-restart',
				'--json',
			],
			{stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, CI: 'true', ...env}},
		);
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		child.on('close', (status) => resolve({to, status, stdout, stderr}));
	});
}

describe('portui move, run several times at once on one file', () => {
	for (const route of fileRoutes) {
		test(`exactly one run wins each round, nothing is lost (${route.name} route)`, async () => {
			const root = mkdtempSync(path.join(os.tmpdir(), 'portui-parallel-'));
			roots.push(root);
			const dir = path.join(root, 'app');
			mkdirSync(dir);
			const file = path.join(dir, '.env');
			const env = {...route.env, XDG_STATE_HOME: path.join(root, 'state')};
			const original = 'NODE_ENV=production\nPORT=7001\n';
			for (let round = 0; round < ROUNDS[route.name]; round++) {
				for (const name of readdirSync(dir)) removeTree(path.join(dir, name));
				writeFileSync(file, original);
				const runs = await Promise.all(
					Array.from({length: RUNS}, (_, index) => move(file, 7100 + index, env)),
				);
				const winners = runs.filter((run) => run.status === 0);
				const what = runs.map(
					(run) => `--to ${run.to}: exit ${run.status} ${run.stderr.trim()}`,
				);
				assert.equal(winners.length, 1, `round ${round + 1}: ${what.join(' | ')}`);
				const winner = winners[0]!;
				assert.equal(
					readFileSync(file, 'utf8'),
					`NODE_ENV=production\nPORT=${winner.to}\n`,
					`round ${round + 1}: the winner's change is what the file holds`,
				);
				const reported = JSON.parse(winner.stdout) as {files: Array<{backup: string}>};
				const backups = reported.files.map((entry) => entry.backup);
				assert.equal(backups.length, 1);
				assert.equal(
					readFileSync(backups[0]!, 'utf8'),
					original,
					`round ${round + 1}: the reported backup exists and holds the original`,
				);
				for (const loser of runs.filter((run) => run !== winner)) {
					assert.equal(loser.status, 1, loser.stderr);
					assert.match(
						loser.stderr,
						/^portui: .*(changed since the preview; nothing was written|changed since it was read\)|does not set port 7001)\n$/,
					);
				}
				assert.deepEqual(
					readdirSync(dir).sort(),
					['.env', path.basename(backups[0]!)].sort(),
					`round ${round + 1}: nothing left behind but the file and its one backup`,
				);
			}
		});
	}
});
