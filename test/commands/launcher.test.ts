import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, test} from 'node:test';
import {copyFixture, removeTree} from '../helpers/config-fixtures.js';
import {cliPath} from '../helpers/run-portui.js';

const roots: string[] = [];
after(() => {
	for (const root of roots) removeTree(root);
});

/** Runs dist/cli.js as a program (its own launcher), as the `portui` binary runs. */
function runBinary(args: string[], env: NodeJS.ProcessEnv) {
	const base: NodeJS.ProcessEnv = {...process.env, CI: 'true'};
	delete base.NODE_EXTRA_CA_CERTS;
	return spawnSync(cliPath, args, {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {...base, ...env},
		timeout: 60_000,
	});
}

test('the binary starts Node without NODE_EXTRA_CA_CERTS and gives it back to what it runs', () => {
	const root = copyFixture('env');
	const state = mkdtempSync(path.join(os.tmpdir(), 'portui-state-'));
	roots.push(root, state);
	const file = path.join(root, 'srv/app/.env');
	const certs = '/nonexistent dir/extra certs.pem';
	// The config check is a process portui starts: it sees the variable as the user set it.
	const moved = runBinary(
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
			'test "$NODE_EXTRA_CA_CERTS" = "/nonexistent dir/extra certs.pem" && test -z "${PORTUI_NODE_EXTRA_CA_CERTS+set}"',
		],
		{NODE_EXTRA_CA_CERTS: certs, XDG_STATE_HOME: state},
	);
	assert.equal(moved.status, 0, moved.stderr);
	// Node warns when it loads a certificate file that is not there: it never tried.
	assert.doesNotMatch(moved.stderr, /Ignoring extra certs/);
	const listed = runBinary(['list', '--port', '1'], {NODE_EXTRA_CA_CERTS: certs});
	assert.equal(listed.status, 0, listed.stderr);
	assert.equal(listed.stderr, '');
	// Unset stays unset for the processes portui starts.
	const unset = runBinary(
		[
			'move',
			'5005',
			'--to',
			'5006',
			'--config',
			file,
			'--yes',
			'--no-restart',
			'--check-cmd',
			'test -z "${NODE_EXTRA_CA_CERTS+set}" && test -z "${PORTUI_NODE_EXTRA_CA_CERTS+set}"',
		],
		{XDG_STATE_HOME: state},
	);
	assert.equal(unset.status, 0, unset.stderr);
});

test('run as `node dist/cli.js`, the launcher line is inert', () => {
	const result = spawnSync(process.execPath, [cliPath, '--version'], {encoding: 'utf8'});
	assert.equal(result.status, 0, result.stderr);
	assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
});
