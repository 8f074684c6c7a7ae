// Runs the built binary: what `move` and `resolve` say about a config they
// cannot read (issue 9, finding 12): one line, the right exit code, no raw
// Node error, a sudo hint for a user who is not root.
import assert from 'node:assert/strict';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {cliPath, runPortui} from '../helpers/run-portui.js';
import {hasTmux, Terminal} from '../helpers/tmux.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});
function tempDir(): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-messages-'));
	dirs.push(dir);
	return dir;
}

/** stderr is exactly one `portui: …` line. */
function assertOneLine(stderr: string, expected: string): void {
	assert.equal(stderr, `portui: ${expected}\n`);
}

describe('portui move --config FILE that cannot be read', () => {
	test('a missing file: exit 2, one line', () => {
		const dir = tempDir();
		const file = path.join(dir, 'missing.env');
		const result = runPortui(
			['move', '47311', '--to', '47312', '--config', file, '--yes'],
			{
				env: {XDG_STATE_HOME: path.join(dir, 'state')},
			},
		);
		assertOneLine(result.stderr, `cannot read ${file}: no such file`);
		assert.equal(result.status, 2);
	});

	test('a directory: exit 2, one line', () => {
		const dir = tempDir();
		const result = runPortui(
			['move', '47311', '--to', '47312', '--config', dir, '--yes'],
			{
				env: {XDG_STATE_HOME: path.join(dir, 'state')},
			},
		);
		assertOneLine(result.stderr, `${dir} is a directory, not a config file`);
		assert.equal(result.status, 2);
	});

	test('as nobody, a root-only file: "permission denied (run with sudo)", exit 1', (t) => {
		if (process.getuid?.() !== 0) {
			t.skip('needs root to switch to nobody');
			return;
		}
		const dir = tempDir();
		chmodSync(dir, 0o755);
		const file = path.join(dir, '.env');
		writeFileSync(file, 'PORT=47311\n', {mode: 0o600});
		const result = runPortui(
			['move', '47311', '--to', '47312', '--config', file, '--yes'],
			{
				user: 'nobody',
				env: {HOME: '/nonexistent', XDG_STATE_HOME: ''},
			},
		);
		assertOneLine(
			result.stderr,
			`cannot read ${file}: permission denied (run with sudo)`,
		);
		assert.equal(result.status, 1);
	});

	test('as root, the same file under a directory root cannot search: no sudo hint', (t) => {
		if (process.getuid?.() !== 0) {
			t.skip('runs as root with one capability dropped');
			return;
		}
		const dir = tempDir();
		const inner = path.join(dir, 'locked');
		mkdirSync(inner, {mode: 0o700});
		const file = path.join(inner, '.env');
		writeFileSync(file, 'PORT=47311\n', {mode: 0o000});
		const result = runPortui(
			['move', '47311', '--to', '47312', '--config', file, '--yes'],
			{
				withoutDacOverride: true,
				env: {XDG_STATE_HOME: path.join(dir, 'state')},
			},
		);
		assertOneLine(result.stderr, `cannot read ${file}: permission denied`);
		assert.equal(result.status, 1);
	});
});

describe('portui resolve --config FILE that does not exist', () => {
	test('without a terminal: the missing file is the error, exit 2', () => {
		const dir = tempDir();
		const file = path.join(dir, 'missing.env');
		const result = runPortui(['resolve', '47311', '--config', file]);
		assertOneLine(result.stderr, `cannot read ${file}: no such file`);
		assert.equal(result.status, 2);
	});

	test(
		'in a real terminal: refused before the UI starts, one line, exit 2',
		{skip: hasTmux || process.env.CI === 'true' ? false : 'tmux is not installed'},
		async (t) => {
			const dir = tempDir();
			const file = path.join(dir, 'missing.env');
			const terminal = new Terminal(300, 30);
			t.after(() => terminal.stop());
			terminal.start();
			await terminal.waitFor((screen) => screen.includes('$'), 'the shell prompt');
			terminal.type(
				`XDG_STATE_HOME=${dir}/state node ${cliPath} resolve 47311 --config ${file}; echo "exit=$?"`,
			);
			terminal.key('Enter');
			const screen = await terminal.waitFor(
				(text) => /^exit=\d+$/m.test(text),
				'the shell again, with the exit code',
			);
			const lines = screen.split('\n');
			const exit = lines.findIndex((line) => /^exit=\d+$/.test(line));
			const command = lines.findLastIndex(
				(line, index) => index < exit && line.includes('resolve 47311'),
			);
			assert.deepEqual(lines.slice(command + 1, exit + 1), [
				`portui: cannot read ${file}: no such file`,
				'exit=2',
			]);
		},
	);
});
