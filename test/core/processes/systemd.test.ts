import {test} from 'node:test';
import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {
	createSystemctlManager,
	parseSystemctlShow,
	ServiceManagerUnavailableError,
	systemctlManager,
	systemdIsInit,
	willRestart,
} from '../../../source/core/processes/systemd.js';
import {PermissionError, PortuiError} from '../../../source/core/errors.js';

const fixturePath = (name: string) =>
	fileURLToPath(new URL(`../../fixtures/processes/systemctl/${name}`, import.meta.url));
const fixture = (name: string) => readFileSync(fixturePath(name), 'utf8');

test('parses systemctl show for a running service', () => {
	const facts = parseSystemctlShow(fixture('nginx-show.txt'), 'nginx.service');
	assert.deepEqual(facts, {
		unit: 'nginx.service',
		description: 'A high performance web server and a reverse proxy server',
		loadState: 'loaded',
		activeState: 'active',
		subState: 'running',
		unitFileState: 'enabled',
		restart: 'on-failure',
		fragmentPath: '/lib/systemd/system/nginx.service',
		mainPid: 812,
		restarts: 2,
	});
	assert.equal(willRestart(facts), true);
});

test('a unit that does not exist is undefined; empty properties are left out', () => {
	assert.equal(
		parseSystemctlShow(fixture('missing-show.txt'), 'nope.service'),
		undefined,
	);
	assert.equal(parseSystemctlShow('', 'x.service'), undefined);
	const scope = parseSystemctlShow(fixture('session-scope-show.txt'), 'session-3.scope');
	assert.ok(scope);
	assert.equal(scope.unitFileState, undefined);
	assert.equal(scope.restart, undefined);
	assert.equal(scope.mainPid, undefined);
	assert.equal(willRestart(scope), false);
	assert.equal(willRestart({restart: 'no'}), false);
	assert.equal(willRestart({restart: 'always'}), true);
	assert.equal(willRestart(undefined), false);
});

test('the real systemctl: facts when systemd is PID 1, a clean "unavailable" otherwise', async () => {
	if (systemdIsInit()) {
		assert.equal(await systemctlManager.available(), true);
		assert.equal(await systemctlManager.show('portui-no-such-unit.service'), undefined);
		const journald = await systemctlManager.show('systemd-journald.service');
		assert.equal(journald?.loadState, 'loaded');
	} else {
		assert.equal(await systemctlManager.available(), false);
		await assert.rejects(
			systemctlManager.show('nginx.service'),
			(error: unknown) =>
				error instanceof ServiceManagerUnavailableError &&
				/systemd is not available/.test(error.message),
		);
		await assert.rejects(
			systemctlManager.stop('nginx.service'),
			ServiceManagerUnavailableError,
		);
	}
});

test('the adapter drives a systemctl binary: arguments, output, failures', async (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'portui-systemctl-'));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	const log = join(dir, 'calls.log');
	const fake = join(dir, 'systemctl');
	writeFileSync(
		fake,
		`#!/bin/sh
echo "$*" >> '${log}'
case "$1" in
--version) echo "systemd 252 (252.33-1)" ;;
show) if [ "$2" = nginx.service ]; then cat '${fixturePath('nginx-show.txt')}'; else cat '${fixturePath('missing-show.txt')}'; fi ;;
stop) if [ "$2" = locked.service ]; then echo "Failed to stop locked.service: Access denied" >&2; exit 4; fi ;;
restart) if [ "$2" = broken.service ]; then echo "Job for broken.service failed." >&2; exit 1; fi ;;
esac
`,
	);
	chmodSync(fake, 0o755);
	const manager = createSystemctlManager({command: fake, isInit: () => true});
	assert.equal(await manager.available(), true);
	const facts = await manager.show('nginx.service');
	assert.equal(facts?.restart, 'on-failure');
	assert.equal(await manager.show('nope.service'), undefined);
	await manager.stop('nginx.service');
	await assert.rejects(manager.stop('locked.service'), PermissionError);
	await assert.rejects(
		manager.restart('broken.service'),
		(error: unknown) =>
			error instanceof PortuiError && /Job for broken.service failed/.test(error.message),
	);
	await manager.reload!('nginx.service');
	const calls = readFileSync(log, 'utf8').trim().split('\n');
	assert.deepEqual(calls, [
		'--version',
		'show nginx.service -p Id,Description,LoadState,ActiveState,SubState,UnitFileState,Restart,FragmentPath,MainPID,NRestarts',
		'show nope.service -p Id,Description,LoadState,ActiveState,SubState,UnitFileState,Restart,FragmentPath,MainPID,NRestarts',
		'stop nginx.service',
		'stop locked.service',
		'restart broken.service',
		'reload nginx.service',
	]);

	const notInit = createSystemctlManager({command: fake, isInit: () => false});
	assert.equal(await notInit.available(), false);
	await assert.rejects(notInit.show('nginx.service'), ServiceManagerUnavailableError);
});
