import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {identify} from '../../../source/core/conflicts/identify.js';
import {
	configDeclarations,
	systemSources,
} from '../../../source/core/conflicts/identify-sources.js';
import type {
	ProgressEvent,
	ReconfigurePreview,
	TerminatePreview,
} from '../../../source/core/conflicts/resolve-actions.js';
import {createConflictActions} from '../../../source/core/conflicts/resolve-wiring.js';
import type {UnitLog} from '../../../source/core/conflicts/unit-contenders.js';
import {
	portIsFree,
	startListenerChild,
	startOrphanListener,
} from '../../helpers/listener-child.js';

const noUnits: UnitLog = {
	available: async () => false,
	troubledUnits: async () => [],
	journal: async () => '',
	enabled: async () => undefined,
};

function tempDir(t: {after: (fn: () => void) => void}): string {
	const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'portui-wiring-')));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}

const IGNORES_TERM = `
const net = require('node:net');
process.on('SIGTERM', () => {});
const server = net.createServer();
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({port: server.address().port}) + '\\n'));
setInterval(() => {}, 1 << 30);
`;

const runOptions = (events: ProgressEvent[], confirmKill: () => Promise<boolean>) => ({
	signal: new AbortController().signal,
	confirmedPids: [],
	onProgress: (event: ProgressEvent) => events.push(event),
	confirmKill,
});

test('a config contender nobody runs is rewritten, checked by nginx -t, and not restarted', async (t) => {
	const dir = tempDir(t);
	const child = await startOrphanListener({cwd: dir});
	t.after(() => child.stop());
	const conf = path.join(dir, 'nginx.conf');
	const original = `events {}\nhttp {\n\tserver {\n\t\tlisten 127.0.0.1:${child.port};\n\t}\n}\n`;
	writeFileSync(conf, original);
	const identification = await identify(
		{port: child.port},
		systemSources({
			units: noUnits,
			declarations: configDeclarations({root: dir, configFiles: [conf]}),
		}),
	);
	const config = identification.parties.find((party) => party.kind === 'config')!;
	assert.ok(config, 'the nginx config is a contender');
	const actions = createConflictActions({root: dir, auditLog: path.join(dir, 'log')});
	assert.deepEqual(actions.available(config, identification), ['reconfigure']);
	const preview = (await actions.preview(
		'reconfigure',
		config,
		identification,
	)) as ReconfigurePreview;
	assert.equal(preview.refused, undefined);
	assert.equal(preview.restart, undefined);
	assert.equal(preview.restartByHand, false);
	assert.match(preview.check ?? '', /^nginx -t/);
	assert.match(
		preview.changes[0]!.diff,
		new RegExp(`-\\t\\tlisten 127.0.0.1:${child.port};`),
	);
	assert.equal(readFileSync(conf, 'utf8'), original, 'previews write nothing');

	const events: ProgressEvent[] = [];
	const outcome = await actions.run(
		preview,
		runOptions(events, async () => false),
	);
	assert.equal(outcome.ok, true, outcome.message);
	assert.equal(
		readFileSync(conf, 'utf8'),
		original.replace(`:${child.port};`, `:${preview.toPort};`),
	);
	const change = outcome.changes[0]!;
	assert.ok(change.kind === 'file');
	assert.equal(readFileSync(change.backup, 'utf8'), original);
	assert.deepEqual(
		events
			.filter((event) => event.kind === 'step')
			.map((event) => event.kind === 'step' && `${event.step}:${event.status}`),
		[
			'write:running',
			'write:done',
			'check:running',
			'check:done',
			'restart:running',
			'restart:done',
		],
	);
	// The holder was never touched.
	assert.ok(child.alive());
});

test('terminate refuses portui’s own child, and a refused preview cannot run anything', async (t) => {
	const dir = tempDir(t);
	const child = await startListenerChild({cwd: dir});
	t.after(() => child.stop());
	const identification = await identify(
		{port: child.port},
		systemSources({units: noUnits, declarations: configDeclarations({root: dir})}),
	);
	const holder = identification.parties[0]!;
	const actions = createConflictActions({root: dir, auditLog: false});
	assert.deepEqual(actions.available(holder, identification), ['terminate']);
	const preview = (await actions.preview(
		'terminate',
		holder,
		identification,
	)) as TerminatePreview;
	assert.match(preview.refused ?? '', /portui itself/);
	assert.equal(child.child.exitCode, null);
	const outcome = await actions.run(
		preview,
		runOptions([], async () => true),
	);
	assert.equal(outcome.ok, false);
	assert.equal(child.child.exitCode, null, 'still alive after a refused run');
	assert.equal(await portIsFree(child.port), false);
});

test('a holder that ignores SIGTERM: countdown, the SIGKILL question, and the port is free after yes', async (t) => {
	const dir = tempDir(t);
	const child = await startOrphanListener({cwd: dir, script: IGNORES_TERM});
	t.after(() => child.stop());
	const identification = await identify(
		{port: child.port},
		systemSources({units: noUnits, declarations: configDeclarations({root: dir})}),
	);
	const holder = identification.parties[0]!;
	const actions = createConflictActions({root: dir, timeoutSeconds: 1, auditLog: false});
	const preview = (await actions.preview(
		'terminate',
		holder,
		identification,
	)) as TerminatePreview;
	assert.equal(preview.refused, undefined);
	assert.deepEqual(
		preview.targets.map((target) => target.kind === 'process' && target.pid),
		[child.pid],
	);
	const asked: number[][] = [];
	const events: ProgressEvent[] = [];
	const outcome = await actions.run(
		preview,
		runOptions(events, async () => {
			asked.push([child.pid]);
			return true;
		}),
	);
	assert.equal(asked.length, 1, 'asked once before SIGKILL');
	assert.ok(events.some((event) => event.kind === 'countdown'));
	assert.equal(outcome.ok, true, outcome.message);
	assert.deepEqual(
		outcome.changes.map((change) => change.kind === 'process-stopped' && change.signal),
		['SIGTERM', 'SIGKILL'],
	);
	assert.equal(child.alive(), false);
	assert.ok(await portIsFree(child.port));
});

test('declining SIGKILL leaves the survivor running and says so', async (t) => {
	const dir = tempDir(t);
	const child = await startOrphanListener({cwd: dir, script: IGNORES_TERM});
	t.after(() => child.stop());
	const identification = await identify(
		{port: child.port},
		systemSources({units: noUnits, declarations: configDeclarations({root: dir})}),
	);
	const actions = createConflictActions({root: dir, timeoutSeconds: 1, auditLog: false});
	const preview = await actions.preview(
		'terminate',
		identification.parties[0]!,
		identification,
	);
	const outcome = await actions.run(
		preview,
		runOptions([], async () => false),
	);
	assert.equal(outcome.ok, false);
	assert.deepEqual(
		outcome.survivors.map((survivor) => survivor.pid),
		[child.pid],
	);
	assert.ok(child.alive());
	assert.equal(await portIsFree(child.port), false);
});

test('a failing unit contender is stopped through the service manager, and refused without one', async (t) => {
	const dir = tempDir(t);
	const child = await startOrphanListener({cwd: dir});
	t.after(() => child.stop());
	const failing: UnitLog = {
		available: async () => true,
		troubledUnits: async () => [{unit: 'web.service', state: 'auto-restart'}],
		journal: async () =>
			`bind() to 127.0.0.1:${child.port} failed (98: Address already in use)`,
		enabled: async () => false,
	};
	const identification = await identify(
		{port: child.port},
		systemSources({units: failing, declarations: configDeclarations({root: dir})}),
	);
	const unit = identification.parties.find((party) => party.kind === 'unit')!;
	assert.equal(unit.label, 'web.service (restarting: address in use)');
	const stopped: string[] = [];
	const manager = {
		available: async () => true,
		show: async () => undefined,
		stop: async (name: string) => {
			stopped.push(name);
		},
		restart: async () => {},
	};
	const actions = createConflictActions({
		root: dir,
		auditLog: false,
		serviceManager: manager,
	});
	assert.deepEqual(actions.available(unit, identification), ['terminate']);
	const preview = (await actions.preview(
		'terminate',
		unit,
		identification,
	)) as TerminatePreview;
	assert.equal(preview.refused, undefined);
	assert.match(preview.steps[0]!, /^systemctl stop web\.service/);
	const outcome = await actions.run(
		preview,
		runOptions([], async () => false),
	);
	assert.deepEqual(stopped, ['web.service']);
	assert.deepEqual(outcome.changes, [{kind: 'unit-stopped', unit: 'web.service'}]);
	assert.ok(child.alive(), 'the holder is left alone');

	const without = createConflictActions({
		root: dir,
		auditLog: false,
		serviceManager: {...manager, available: async () => false},
	});
	const refused = await without.preview('terminate', unit, identification);
	assert.match(refused.refused ?? '', /systemd is not running here/);
});
