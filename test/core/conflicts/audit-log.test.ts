import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {
	appendAuditEntry,
	auditLogPath,
} from '../../../source/core/conflicts/audit-log.js';

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
