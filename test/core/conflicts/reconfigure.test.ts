import assert from 'node:assert/strict';
import {
	chmodSync,
	cpSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	unlinkSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {after, describe, test} from 'node:test';
import {
	applyReconfigure,
	declarationsOfPort,
	planReconfigure,
	verifyMove,
} from '../../../source/core/conflicts/reconfigure.js';
import {PermissionError, PortuiError, UsageError} from '../../../source/core/errors.js';
import type {ServiceManager, UnitFacts} from '../../../source/core/processes/systemd.js';
import type {Listener} from '../../../source/core/sockets/listener.js';
import {
	clearImmutable,
	copyFixture,
	fixturesDir,
	makeImmutable,
	removeTree,
} from '../../helpers/config-fixtures.js';
import {closeTcp, freeBlock, listenTcp} from '../../helpers/port-block.js';

const roots: string[] = [];
after(() => {
	for (const root of roots) removeTree(root);
});
function fixture(name: string): string {
	const root = copyFixture(name);
	roots.push(root);
	return root;
}
function stateDir(): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-state-'));
	roots.push(dir);
	return dir;
}
function listener(
	port: number,
	pids: number[] = [],
	protocol: 'tcp' | 'udp' = 'tcp',
): Listener {
	return {
		protocol,
		family: 4,
		address: '127.0.0.1',
		port,
		state: protocol === 'tcp' ? 'LISTEN' : 'UNCONN',
		inode: port,
		uid: 0,
		user: 'root',
		processes: pids.map((pid) => ({
			pid,
			name: 'nginx',
			command: 'nginx',
			uid: 0,
			user: 'root',
			startTicks: 1,
			startedAtMs: 0,
		})),
		processesHidden: false,
	};
}
const none = {listeners: [], declared: new Map()};
function readLog(file: string): Array<Record<string, unknown>> {
	return readFileSync(file, 'utf8')
		.trimEnd()
		.split('\n')
		.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('planReconfigure', () => {
	test('Apache: Listen and the matching VirtualHost move together, diff per file', () => {
		const root = fixture('apache');
		const plan = planReconfigure({port: 80, to: 8080, root, ...none});
		assert.equal(plan.adapter, 'apache');
		assert.deepEqual(
			plan.changes.map((change) => path.relative(root, change.file)),
			['etc/apache2/ports.conf', 'etc/apache2/sites-available/000-default.conf'],
		);
		assert.match(plan.diff, /^-Listen 80\n\+Listen 8080$/m);
		assert.match(plan.diff, /^-<VirtualHost \*:80>\n\+<VirtualHost \*:8080>$/m);
		assert.match(
			plan.diff,
			/^--- .*ports\.conf\n\+\+\+ .*ports\.conf\n@@ -2,7 \+2,7 @@/m,
		);
		assert.equal(plan.checkCommand?.[0], 'apachectl');
		// Planning writes nothing.
		assert.match(
			readFileSync(path.join(root, 'etc/apache2/ports.conf'), 'utf8'),
			/^Listen 80$/m,
		);
	});

	test('auto: the next port above that nothing listens on and no config declares', () => {
		const root = fixture('nginx');
		const plan = planReconfigure({
			port: 80,
			to: 'auto',
			root,
			listeners: [listener(81), listener(83, [], 'udp')],
			declared: new Map([[82, []]]),
		});
		assert.equal(plan.to, 84);
		assert.match(plan.diff, /^-\tlisten \[::\]:80 default_server;\n/m);
		assert.match(plan.diff, /^\+\tlisten \[::\]:84 default_server;$/m);
	});

	test('auto also skips ports the same config declares (sshd: 2222 → past its own 2223)', () => {
		const root = fixture('ssh');
		const plan = planReconfigure({port: 2222, to: 'auto', root, ...none});
		assert.equal(plan.to, 2224);
		assert.equal(plan.changes.length, 1);
		assert.match(plan.diff, /^-Port 2222\n\+Port 2224$/m);
	});

	test('a backup that an include glob would load gets a hidden name', () => {
		const root = fixture('nginx');
		// A real file (not a symlink) in sites-enabled, which nginx.conf includes with `*`.
		const enabled = path.join(root, 'etc/nginx/sites-enabled/default');
		unlinkSync(enabled);
		cpSync(path.join(root, 'etc/nginx/sites-available/default'), enabled);
		const plan = planReconfigure({port: 80, to: 8000, root, ...none});
		assert.equal(plan.changes[0]!.file, enabled);
		assert.equal(plan.changes[0]!.hiddenBackup, true);
		const conf = planReconfigure({port: 8080, to: 8000, root, ...none});
		assert.equal(
			conf.changes[0]!.hiddenBackup,
			false,
			'conf.d/*.conf does not match .bak',
		);
	});

	test('refusals: unknown port, target in use, same port, two services declaring it', () => {
		const root = fixture('nginx');
		assert.throws(
			() => planReconfigure({port: 9, to: 10, root, ...none}),
			(error: unknown) =>
				error instanceof PortuiError && /no known config sets port 9/.test(error.message),
		);
		assert.throws(
			() =>
				planReconfigure({
					port: 80,
					to: 8000,
					root,
					listeners: [listener(8000, [42])],
					declared: new Map(),
				}),
			/port 8000 is in use \(tcp, nginx\)/,
		);
		assert.throws(() => planReconfigure({port: 80, to: 80, root, ...none}), UsageError);
		cpSync(path.join(fixturesDir, 'apache'), root, {
			recursive: true,
			verbatimSymlinks: true,
		});
		assert.throws(
			() => planReconfigure({port: 80, to: 8000, root, ...none}),
			(error: unknown) =>
				error instanceof UsageError &&
				/set by 2 configs: nginx .*Apache httpd .*--config FILE/.test(error.message),
		);
		// Naming the file settles it.
		const plan = planReconfigure({
			port: 80,
			to: 8000,
			root,
			file: path.join(root, 'etc/apache2/apache2.conf'),
			...none,
		});
		assert.equal(plan.adapter, 'apache');
	});

	test('a target port declared by another config is a warning, not a refusal', () => {
		const root = fixture('redis');
		const plan = planReconfigure({
			port: 6379,
			to: 5432,
			root,
			listeners: [],
			declared: new Map([
				[
					5432,
					[
						{
							adapter: 'postgresql',
							file: '/etc/postgresql/15/main/postgresql.conf',
							line: 5,
							column: 8,
							length: 4,
							port: 5432,
							protocol: 'tcp',
							context: 'port = 5432',
						},
					],
				],
			]),
		});
		assert.deepEqual(plan.warnings, [
			'port 5432 is also declared in /etc/postgresql/15/main/postgresql.conf:5',
		]);
	});
});

describe('applyReconfigure', () => {
	test('check passes, no restart: files changed, backups hold the originals, audit line written', async () => {
		const root = fixture('apache');
		const log = path.join(stateDir(), 'actions.log');
		const plan = planReconfigure({port: 80, to: 8080, root, ...none});
		const originals = plan.changes.map((change) => change.before);
		const outcome = await applyReconfigure(plan, {
			checkCommand: ['sh', '-c', 'exit 0'],
			restart: {kind: 'none'},
			auditLog: log,
		});
		assert.equal(outcome.ok, true);
		assert.equal(outcome.rolledBack, false);
		assert.equal(outcome.check?.ok, true);
		assert.match(
			readFileSync(path.join(root, 'etc/apache2/ports.conf'), 'utf8'),
			/^Listen 8080$/m,
		);
		assert.deepEqual(
			outcome.written.map((write) => readFileSync(write.backup)),
			originals,
		);
		assert.match(
			outcome.summary,
			/port 80 → 8080, config check passed; not restarted \(to apply: apachectl graceful\)/,
		);
		// One "begun" entry per file, each written once its backup exists, then "finished".
		const entries = readLog(log);
		const entry = entries.at(-1);
		const begun = entries.slice(0, -1);
		assert.ok(begun.every((line) => line.phase === 'begun'));
		assert.deepEqual(
			begun.flatMap((line) => line.files),
			entry!.files,
		);
		assert.equal(entry!.phase, 'finished');
		assert.equal(entry!.action, 'move');
		assert.equal(entry!.port, 80);
		assert.equal(entry!.to, 8080);
		assert.deepEqual(
			entry!.files,
			outcome.written.map((write) => ({path: write.file, backup: write.backup})),
		);
	});

	test('a failing config check rolls every file back to its original inode', async () => {
		const root = fixture('apache');
		const log = path.join(stateDir(), 'actions.log');
		const plan = planReconfigure({port: 80, to: 8080, root, ...none});
		const inodes = plan.changes.map((change) => statSync(change.file).ino);
		const steps: string[] = [];
		const outcome = await applyReconfigure(plan, {
			checkCommand: ['sh', '-c', 'echo "AH00526: Syntax error on line 5" >&2; exit 1'],
			restart: {kind: 'none'},
			auditLog: log,
			onStep: (step) => steps.push(step),
		});
		assert.equal(outcome.ok, false);
		assert.equal(outcome.rolledBack, true);
		assert.deepEqual(steps, ['write', 'check', 'rollback']);
		assert.match(
			outcome.summary,
			/config check failed \(sh -c .*: AH00526: Syntax error on line 5\); .*ports\.conf, .*000-default\.conf restored, unchanged/,
		);
		plan.changes.forEach((change, index) => {
			assert.deepEqual(readFileSync(change.file), change.before);
			assert.equal(statSync(change.file).ino, inodes[index]);
			assert.ok(
				!readdirSync(path.dirname(change.file)).some((name) => name.includes('.portui-')),
				'no backup or temp left',
			);
		});
		const entry = readLog(log).at(-1);
		assert.equal(entry!.phase, 'finished');
		assert.equal(entry!.rolledBack, true);
		assert.deepEqual(entry!.files, []);
	});

	test('a real SIGHUP during the write: every file rolled back, "finished" says interrupted', async () => {
		const root = fixture('apache');
		const log = path.join(stateDir(), 'actions.log');
		const plan = planReconfigure({port: 80, to: 8080, root, ...none});
		const inodes = plan.changes.map((change) => statSync(change.file).ino);
		const controller = new AbortController();
		// What `portui move` does with the signal (SIGHUP: the test runner itself ends on SIGTERM).
		const onSignal = () => controller.abort('SIGHUP');
		process.once('SIGHUP', onSignal);
		try {
			const outcome = await applyReconfigure(plan, {
				checkCommand: ['sh', '-c', 'exit 0'],
				restart: {kind: 'none'},
				auditLog: log,
				signal: controller.signal,
				onStep(step) {
					// Sent as the writes begin; handled once they are done.
					if (step === 'write') process.kill(process.pid, 'SIGHUP');
				},
			});
			assert.equal(outcome.ok, false);
			assert.equal(outcome.rolledBack, true);
			assert.deepEqual(outcome.interrupted, {signal: 'SIGHUP', step: 'write'});
			assert.equal(outcome.check, undefined, 'checked after the signal');
			assert.match(
				outcome.summary,
				/^interrupted by SIGHUP during the write: .* restored/,
			);
		} finally {
			process.removeListener('SIGHUP', onSignal);
		}
		plan.changes.forEach((change, index) => {
			assert.deepEqual(readFileSync(change.file), change.before);
			assert.equal(statSync(change.file).ino, inodes[index]);
		});
		const entries = readLog(log);
		const finished = entries.at(-1);
		assert.equal(entries[0]!.phase, 'begun');
		assert.equal(finished!.outcome, 'rolled-back');
		assert.deepEqual(finished!.interrupted, {signal: 'SIGHUP', step: 'write'});
	});

	test('an unwritable second file: the first is restored and the PermissionError surfaces', async (t) => {
		const root = fixture('apache');
		const plan = planReconfigure({port: 80, to: 8080, root, ...none});
		const second = plan.changes[1]!.file;
		if (!makeImmutable(second)) {
			t.skip('this file system does not support chattr +i');
			return;
		}
		try {
			await assert.rejects(
				applyReconfigure(plan, {
					checkCommand: null,
					restart: {kind: 'none'},
					auditLog: false,
				}),
				(error: unknown) =>
					error instanceof PermissionError &&
					/000-default\.conf.*original is untouched/.test(error.message),
			);
		} finally {
			clearImmutable(second);
		}
		for (const change of plan.changes)
			assert.deepEqual(readFileSync(change.file), change.before);
		assert.ok(
			!readdirSync(path.join(root, 'etc/apache2')).some((name) =>
				name.includes('.portui-'),
			),
		);
	});

	test('systemd path: daemon-reload, restart through the manager, verify with the listener table', async () => {
		const root = fixture('systemd');
		const plan = planReconfigure({port: 3000, to: 3010, root, ...none});
		assert.equal(plan.unit, 'web.service');
		const calls: string[] = [];
		const manager: ServiceManager = {
			available: async () => true,
			show: async (unit) =>
				({unit, loadState: 'loaded', activeState: 'active'}) satisfies UnitFacts,
			stop: async () => {},
			restart: async (unit) => {
				calls.push(`restart ${unit}`);
			},
		};
		const outcome = await applyReconfigure(plan, {
			serviceManager: manager,
			daemonReload: async () => {
				calls.push('daemon-reload');
			},
			readListeners: () => [listener(3010, [4242])],
			auditLog: false,
		});
		assert.deepEqual(calls, ['daemon-reload', 'restart web.service']);
		assert.equal(outcome.restart?.how, 'systemd');
		assert.equal(outcome.ok, true);
		assert.deepEqual(outcome.verify?.servicePids, [4242]);
		assert.match(
			readFileSync(path.join(root, 'etc/systemd/system/web.service'), 'utf8'),
			/^Environment=PORT=3010$/m,
		);
	});

	test('no service manager and no restart command: changed, validated, and the exact command to run', async () => {
		const root = fixture('redis');
		const plan = planReconfigure({port: 6379, to: 6380, root, ...none});
		const outcome = await applyReconfigure(plan, {
			serviceManager: {
				available: async () => false,
				show: async () => undefined,
				stop: async () => {},
				restart: async () => {
					throw new Error('must not be called');
				},
			},
			auditLog: false,
		});
		assert.equal(outcome.ok, false);
		assert.equal(outcome.restart?.how, 'manual');
		assert.match(
			outcome.summary,
			/cannot restart Redis here; run: redis-server .*redis\.conf/,
		);
		assert.match(readFileSync(plan.changes[0]!.file, 'utf8'), /^port 6380$/m);
	});

	test('a failing restart command is reported, the validated change stays', async () => {
		const root = fixture('redis');
		const plan = planReconfigure({port: 6379, to: 6380, root, ...none});
		const outcome = await applyReconfigure(plan, {
			restart: {kind: 'command', command: 'echo cannot start >&2; exit 3'},
			auditLog: false,
		});
		assert.equal(outcome.ok, false);
		assert.equal(outcome.restart?.ok, false);
		assert.match(outcome.summary, /the restart failed: cannot start/);
	});
});

describe('verifyMove against real sockets', () => {
	test('new port listening and old port free: ok', async () => {
		const base = await freeBlock(2);
		const server = await listenTcp(base + 1);
		try {
			const result = await verifyMove(
				{from: base, to: base + 1, protocol: 'tcp', servicePids: []},
				{timeoutMs: 2000},
			);
			assert.equal(result.ok, true);
			assert.deepEqual(result.servicePids, [process.pid]);
			assert.deepEqual(result.oldPortHolders, []);
		} finally {
			await closeTcp(server);
		}
	});

	test('the service still holding the old port: not ok after the bounded wait', async () => {
		const base = await freeBlock(2);
		const old = await listenTcp(base);
		const moved = await listenTcp(base + 1);
		try {
			const result = await verifyMove(
				{from: base, to: base + 1, protocol: 'tcp', servicePids: []},
				{timeoutMs: 300, intervalMs: 100},
			);
			assert.equal(result.ok, false);
			assert.equal(result.newPortListening, true);
			assert.equal(result.oldPortReleased, false);
		} finally {
			await closeTcp(old);
			await closeTcp(moved);
		}
	});

	test('the old port held by another party (the winner) counts as released', async () => {
		const base = await freeBlock(2);
		const moved = await listenTcp(base + 1);
		try {
			const result = await verifyMove(
				{from: base, to: base + 1, protocol: 'tcp', servicePids: [999999]},
				{
					timeoutMs: 500,
					read: () => [listener(base, [1234]), listener(base + 1, [999999])],
				},
			);
			assert.equal(result.ok, true);
			assert.deepEqual(result.oldPortHolders, [1234]);
		} finally {
			await closeTcp(moved);
		}
	});
});

// Keep the state dir helper from writing into the real home if a test forgets auditLog.
process.env.XDG_STATE_HOME = mkdtempSync(path.join(os.tmpdir(), 'portui-state-'));
after(() => rmSync(process.env.XDG_STATE_HOME!, {recursive: true, force: true}));

test('ufw active: the outcome carries the allow command (shown, not run) unless the port is loopback-only', async () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-ufw-'));
	roots.push(dir);
	const ufw = path.join(dir, 'ufw');
	writeFileSync(ufw, '#!/bin/sh\necho "Status: active"\n');
	chmodSync(ufw, 0o755);
	const redis = fixture('redis');
	const open = await applyReconfigure(
		planReconfigure({port: 6379, to: 6390, root: redis, ...none}),
		{
			restart: {kind: 'none'},
			auditLog: false,
			ufw,
		},
	);
	assert.equal(open.firewall, 'ufw allow 6390/tcp');
	const nginx = fixture('nginx');
	const loopback = await applyReconfigure(
		planReconfigure({port: 8080, to: 8090, root: nginx, ...none}),
		{
			restart: {kind: 'none'},
			checkCommand: null,
			auditLog: false,
			ufw,
		},
	);
	assert.equal(
		loopback.firewall,
		undefined,
		'listen 127.0.0.1:8080 needs no firewall rule',
	);
});

test('declarationsOfPort: what the identify step shows for a port', () => {
	const root = fixture('systemd');
	const found = declarationsOfPort(3001, {root});
	assert.equal(found.length, 1);
	assert.deepEqual(
		{...found[0]!, file: path.relative(root, found[0]!.file)},
		{
			adapter: 'systemd',
			file: 'etc/systemd/system/web.socket',
			line: 2,
			column: 24,
			length: 4,
			port: 3001,
			protocol: 'tcp',
			address: '127.0.0.1',
			scope: 'web.socket',
			context: 'ListenStream=127.0.0.1:3001',
			title: 'systemd unit',
			processNames: [],
			unit: 'web.socket',
		},
	);
	assert.deepEqual(declarationsOfPort(1, {root}), []);
});

test('two ports on one line with a longer new number: both rewritten (right to left)', () => {
	const root = fixture('apache');
	const plan = planReconfigure({port: 8081, to: 18081, root, ...none});
	assert.match(plan.diff, /^\+<VirtualHost 127\.0\.0\.1:18081 \[::1\]:18081>$/m);
});

test('--config naming an included file: only that file changes, the check runs on the main config', () => {
	const root = fixture('nginx');
	const site = path.join(root, 'etc/nginx/sites-enabled/default');
	const plan = planReconfigure({port: 80, to: 8000, root, file: site, ...none});
	assert.equal(plan.scan.entry, path.join(root, 'etc/nginx/nginx.conf'));
	assert.deepEqual(
		plan.changes.map((change) => path.relative(root, change.file)),
		['etc/nginx/sites-available/default'],
	);
	const check = plan.checkCommand!;
	assert.equal(check[check.indexOf('-c') + 1], path.join(root, 'etc/nginx/nginx.conf'));
	// sshd: a drop-in named directly is checked through sshd_config.
	const ssh = fixture('ssh');
	const dropIn = path.join(ssh, 'etc/ssh/sshd_config.d/10-extra-port.conf');
	const sshPlan = planReconfigure({
		port: 2222,
		to: 2230,
		root: ssh,
		file: dropIn,
		...none,
	});
	assert.deepEqual(sshPlan.checkCommand, [
		'sshd',
		'-t',
		'-f',
		path.join(ssh, 'etc/ssh/sshd_config'),
	]);
	// A file of the tree that does not set the port is reported as such.
	assert.throws(
		() => planReconfigure({port: 22, to: 2230, root: ssh, file: dropIn, ...none}),
		/10-extra-port\.conf does not set port 22/,
	);
});
