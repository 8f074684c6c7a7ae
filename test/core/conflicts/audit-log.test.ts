import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {
	chmodSync,
	existsSync,
	linkSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {
	appendAuditEntry,
	AuditLogError,
	auditLogPath,
} from '../../../source/core/conflicts/audit-log.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

test('path: $XDG_STATE_HOME/portui/actions.log, else ~/.local/state/portui/actions.log', () => {
	assert.equal(auditLogPath({XDG_STATE_HOME: '/s', HOME: '/h'}), '/s/portui/actions.log');
	assert.equal(auditLogPath({HOME: '/h'}), '/h/.local/state/portui/actions.log');
	// A relative XDG value is invalid per the spec and ignored.
	assert.equal(
		auditLogPath({XDG_STATE_HOME: 'rel', HOME: '/h'}),
		'/h/.local/state/portui/actions.log',
	);
});

test('appends one JSON line per action, creating the directory private to the user', () => {
	const state = mkdtempSync(path.join(os.tmpdir(), 'portui-state-'));
	try {
		const file = auditLogPath({XDG_STATE_HOME: state});
		appendAuditEntry(
			{action: 'move', port: 80, files: [{path: '/a', backup: '/a.bak'}], ok: true},
			file,
		);
		appendAuditEntry({action: 'kill', port: 81, pids: [12], units: ['x.service']}, file);
		const lines = readFileSync(file, 'utf8')
			.trimEnd()
			.split('\n')
			.map((line) => JSON.parse(line) as Record<string, unknown>);
		assert.equal(lines.length, 2);
		assert.equal(lines[0]!.action, 'move');
		assert.deepEqual(lines[0]!.files, [{path: '/a', backup: '/a.bak'}]);
		assert.deepEqual(lines[1]!.pids, [12]);
		assert.ok(!Number.isNaN(Date.parse(String(lines[1]!.time))));
		assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
		assert.equal(statSync(file).mode & 0o777, 0o600);
	} finally {
		rmSync(state, {recursive: true, force: true});
	}
});

describe('a log it must not write is refused, untouched', () => {
	function stateWithLog(): {state: string; file: string} {
		const state = mkdtempSync(path.join(os.tmpdir(), 'portui-state-'));
		dirs.push(state);
		const file = auditLogPath({XDG_STATE_HOME: state});
		mkdirSync(path.dirname(file), {mode: 0o700});
		return {state, file};
	}

	test('a FIFO planted as actions.log: refused at once, never blocks', () => {
		const {file} = stateWithLog();
		assert.equal(spawnSync('mkfifo', ['-m', '600', file]).status, 0, 'mkfifo');
		assert.throws(
			() => appendAuditEntry({action: 'kill'}, file),
			(error: unknown) =>
				error instanceof AuditLogError && /it is not a regular file$/.test(error.message),
		);
	});

	test('a hard link to another file of the user: refused, that file untouched', () => {
		const {state, file} = stateWithLog();
		const other = path.join(state, 'other');
		writeFileSync(other, 'keep\n', {mode: 0o600});
		linkSync(other, file);
		assert.throws(
			() => appendAuditEntry({action: 'kill'}, file),
			(error: unknown) =>
				error instanceof AuditLogError && /it has 2 hard links$/.test(error.message),
		);
		assert.equal(readFileSync(other, 'utf8'), 'keep\n');
	});

	test('a log directory others can write: refused', () => {
		const {file} = stateWithLog();
		chmodSync(path.dirname(file), 0o777);
		assert.throws(
			() => appendAuditEntry({action: 'kill'}, file),
			(error: unknown) =>
				error instanceof AuditLogError &&
				/is writable by other users$/.test(error.message),
		);
		assert.equal(existsSync(file), false);
	});
});
