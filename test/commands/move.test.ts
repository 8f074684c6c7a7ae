import assert from 'node:assert/strict';
import {
	chmodSync,
	chownSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {
	clearImmutable,
	copyFixture,
	makeImmutable,
	removeTree,
} from '../helpers/config-fixtures.js';
import {runPortui} from '../helpers/run-portui.js';

const roots: string[] = [];
after(() => {
	for (const root of roots) removeTree(root);
});
function envFixture(): {root: string; file: string; state: string} {
	const root = copyFixture('env');
	roots.push(root);
	const state = mkdtempSync(path.join(os.tmpdir(), 'portui-state-'));
	roots.push(state);
	return {root, file: path.join(root, 'srv/app/.env'), state};
}
const original = readFileSync(
	new URL('../fixtures/conflicts/env/srv/app/.env', import.meta.url),
	'utf8',
);
function backups(file: string): string[] {
	return readdirSync(path.dirname(file)).filter((name) => name.includes('.portui-'));
}

describe('portui move: usage', () => {
	test('bad arguments exit 2 with one line', () => {
		for (const args of [
			['move'],
			['move', 'http', '--to', '1'],
			['move', '80'],
			['move', '80', '--to', 'soon'],
			['move', '80', '--to', '70000'],
			['move', '80', '--to', '81', '--bogus'],
			['move', '80', '--to', '81', '--no-restart', '--restart-cmd', 'true'],
		]) {
			const result = runPortui(args);
			assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
			assert.match(result.stderr, /^portui: .+\n$/, args.join(' '));
		}
	});

	test('without --yes and without a terminal: refuses, exit 2, file untouched', () => {
		const {file} = envFixture();
		const result = runPortui(['move', '5000', '--to', '5001', '--config', file]);
		assert.equal(result.status, 2);
		assert.equal(
			result.stderr,
			'portui: refusing to change config files without --yes (stdin is not a terminal)\n',
		);
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.deepEqual(backups(file), []);
	});

	test('a file that does not set the port: exit 1, one line', () => {
		const {file} = envFixture();
		const result = runPortui(['move', '5999', '--to', '6000', '--config', file, '--yes']);
		assert.equal(result.status, 1);
		assert.match(result.stderr, /^portui: .*\.env does not set port 5999\n$/);
	});
});

describe('portui move: changes', () => {
	test('--dry-run prints the diff and changes nothing', () => {
		const {file} = envFixture();
		const result = runPortui([
			'move',
			'5000',
			'--to',
			'5005',
			'--config',
			file,
			'--dry-run',
		]);
		assert.equal(result.status, 0, result.stderr);
		assert.equal(
			result.stdout,
			[
				`--- ${file}`,
				`+++ ${file}`,
				'@@ -1,5 +1,5 @@',
				' # Application settings',
				' NODE_ENV=production',
				'-PORT=5000',
				'+PORT=5005',
				' DATABASE_URL=postgres://app@localhost:5432/app',
				' export PORT_FALLBACK=5001',
				'',
			].join('\n'),
		);
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.deepEqual(backups(file), []);
	});

	test('--yes --no-restart: rewritten, backup beside it, audit line, exit 0', () => {
		const {file, state} = envFixture();
		chmodSync(file, 0o600);
		const result = runPortui(
			[
				'move',
				'5000',
				'--to',
				'5005',
				'--config',
				file,
				'--yes',
				'--no-restart',
				'--json',
			],
			{env: {XDG_STATE_HOME: state}},
		);
		assert.equal(result.status, 0, result.stderr);
		const output = JSON.parse(result.stdout) as {
			to: number;
			ok: boolean;
			files: Array<{path: string; backup: string}>;
			restart: {how: string};
			auditLog: string;
		};
		assert.equal(output.ok, true);
		assert.equal(output.to, 5005);
		assert.equal(output.restart.how, 'none');
		assert.match(readFileSync(file, 'utf8'), /^PORT=5005$/m);
		assert.equal(statSync(file).mode & 0o777, 0o600);
		assert.equal(output.files[0]!.path, file);
		assert.match(
			path.basename(output.files[0]!.backup),
			/^\.env\.portui-\d{8}T\d{6}\.bak$/,
		);
		assert.equal(readFileSync(output.files[0]!.backup, 'utf8'), original);
		assert.equal(output.auditLog, path.join(state, 'portui/actions.log'));
		const [begun, finished] = readFileSync(output.auditLog, 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as Record<string, unknown>);
		assert.equal(begun!.phase, 'begun');
		assert.equal(finished!.phase, 'finished');
		assert.equal(finished!.action, 'move');
		assert.deepEqual(finished!.files, output.files);
	});

	test('a failing config check: exit 1, says so, original untouched', () => {
		const {file, state} = envFixture();
		const result = runPortui(
			[
				'move',
				'5000',
				'--to',
				'5005',
				'--config',
				file,
				'--yes',
				'--no-restart',
				'--check-cmd',
				'echo "bad PORT" >&2; exit 1',
			],
			{env: {XDG_STATE_HOME: state}},
		);
		assert.equal(result.status, 1);
		assert.match(
			result.stderr,
			/config check failed \(sh -c .*: bad PORT\); .*\.env restored, unchanged\n$/,
		);
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.deepEqual(backups(file), []);
	});

	// Root writes through chmod: the unwritable case needs chattr +i (ext4 here),
	// or a non-root user (nobody via setpriv, below).
	test('an immutable file: exit 1, "original is untouched"', (t) => {
		const {file} = envFixture();
		if (!makeImmutable(file)) {
			t.skip('this file system does not support chattr +i');
			return;
		}
		try {
			const result = runPortui([
				'move',
				'5000',
				'--to',
				'5005',
				'--config',
				file,
				'--yes',
				'--no-restart',
			]);
			assert.equal(result.status, 1);
			assert.match(
				result.stderr,
				/^(portui: warning: [^\n]*\n)*portui: cannot write .*\.env: operation not permitted .*; the original is untouched\n$/,
			);
		} finally {
			clearImmutable(file);
		}
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.deepEqual(backups(file), []);
	});

	// Works on any file system and in any container: root that dropped
	// CAP_DAC_OVERRIDE (setpriv --bounding-set) is bound by file modes.
	test('a read-only file (0444), as root without CAP_DAC_OVERRIDE: exit 1, untouched', (t) => {
		if (process.getuid?.() !== 0) {
			t.skip('runs as root with one capability dropped');
			return;
		}
		const {file} = envFixture();
		chmodSync(file, 0o444);
		const result = runPortui(
			['move', '5000', '--to', '5005', '--config', file, '--yes', '--no-restart'],
			{
				withoutDacOverride: true,
			},
		);
		assert.equal(result.status, 1, result.stderr);
		assert.match(
			result.stderr,
			/^(portui: warning: [^\n]*\n)*portui: cannot write .*\.env: permission denied; the original is untouched\n$/,
		);
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.equal(statSync(file).mode & 0o777, 0o444);
		assert.deepEqual(backups(file), []);
	});

	test('a read-only directory (0555), as root without CAP_DAC_OVERRIDE: exit 1, untouched', (t) => {
		if (process.getuid?.() !== 0) {
			t.skip('runs as root with one capability dropped');
			return;
		}
		const {file} = envFixture();
		const dir = path.dirname(file);
		chmodSync(dir, 0o555);
		try {
			const result = runPortui(
				['move', '5000', '--to', '5005', '--config', file, '--yes', '--no-restart'],
				{
					withoutDacOverride: true,
				},
			);
			assert.equal(result.status, 1, result.stderr);
			assert.match(
				result.stderr,
				/^(portui: warning: [^\n]*\n)*portui: cannot write in the directory of .*\.env: permission denied; the original is untouched\n$/,
			);
		} finally {
			chmodSync(dir, 0o755);
		}
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.deepEqual(backups(file), []);
	});

	test('as nobody, a root-owned file: exit 1, "permission denied … run with sudo"', (t) => {
		if (process.getuid?.() !== 0) {
			t.skip('needs root to switch to nobody');
			return;
		}
		const {root, file, state} = envFixture();
		chmodSync(root, 0o755);
		// A state directory of nobody's own, so its audit log can be written.
		chmodSync(state, 0o755);
		chownSync(state, 65534, 65534);
		const result = runPortui(
			['move', '5000', '--to', '5005', '--config', file, '--yes', '--no-restart'],
			{
				user: 'nobody',
				env: {HOME: '/nonexistent', XDG_STATE_HOME: state},
			},
		);
		assert.equal(result.status, 1, result.stderr);
		assert.match(
			result.stderr,
			/^(portui: warning: [^\n]*\n)*portui: cannot write .*\.env: permission denied; the original is untouched \(run with sudo\)\n$/,
		);
		assert.equal(readFileSync(file, 'utf8'), original);
		assert.deepEqual(backups(file), []);
	});
});
