import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {
	addressInUseEvidence,
	createSystemdUnitLog,
	findUnitContenders,
	parseUnitList,
	portsInLine,
	type UnitLog,
} from '../../../source/core/conflicts/unit-contenders.js';
import type {ServiceManager} from '../../../source/core/processes/systemd.js';

const fixture = (name: string) =>
	readFileSync(new URL(`../../fixtures/conflicts/${name}`, import.meta.url), 'utf8');

test('parseUnitList keeps services and sockets from systemctl --failed output', () => {
	assert.deepEqual(
		parseUnitList(fixture('systemctl-failed.txt')).map((unit) => [
			unit.unit,
			unit.active,
			unit.sub,
		]),
		[
			['nginx.service', 'failed', 'failed'],
			['myapp.service', 'failed', 'failed'],
		],
	);
	assert.deepEqual(
		parseUnitList(fixture('systemctl-failed-bullets.txt')).map((unit) => unit.unit),
		['apache2.service'],
	);
	assert.equal(
		parseUnitList(fixture('systemctl-auto-restart.txt'))[0]!.sub,
		'auto-restart',
	);
	assert.deepEqual(parseUnitList(''), []);
});

test('portsInLine reads the shapes daemons print', () => {
	assert.deepEqual(
		portsInLine('bind() to 0.0.0.0:80 failed (98: Address already in use)'),
		[80],
	);
	assert.deepEqual(portsInLine('bind() to [::]:443 failed'), [443]);
	assert.deepEqual(
		portsInLine('listen EADDRINUSE: address already in use :::8080'),
		[8080],
	);
	assert.deepEqual(
		portsInLine('Could not create server TCP listening socket *:6379: bind'),
		[6379],
	);
	assert.deepEqual(portsInLine('Bind to port 2222 on 0.0.0.0 failed'), [2222]);
	assert.deepEqual(portsInLine('(98: Address already in use)'), []);
	assert.deepEqual(portsInLine('port 70000'), []);
});

test('addressInUseEvidence finds the lines about this port and ignores other ports', () => {
	const nginx = addressInUseEvidence(fixture('journal-nginx.txt'), 80);
	assert.ok(nginx);
	assert.equal(nginx.portNamed, true);
	assert.equal(nginx.evidence.length, 2);
	assert.match(nginx.evidence[0]!, /0\.0\.0\.0:80/);
	assert.equal(addressInUseEvidence(fixture('journal-nginx.txt'), 8080), undefined);
	assert.equal(addressInUseEvidence(fixture('journal-node.txt'), 8080)?.portNamed, true);
	assert.equal(addressInUseEvidence(fixture('journal-sshd.txt'), 2222)?.portNamed, true);
	assert.equal(addressInUseEvidence(fixture('journal-redis.txt'), 6379)?.portNamed, true);
	assert.equal(addressInUseEvidence(fixture('journal-clean.txt'), 8080), undefined);
});

test('a PostgreSQL HINT on the next line names the port', () => {
	const found = addressInUseEvidence(fixture('journal-postgres.txt'), 5432);
	assert.ok(found);
	assert.equal(found.portNamed, true);
	assert.equal(addressInUseEvidence(fixture('journal-postgres.txt'), 5433), undefined);
});

test('a line naming no port counts, marked as not naming it', () => {
	const found = addressInUseEvidence(fixture('journal-bare.txt'), 9000);
	assert.deepEqual(found, {
		evidence: ['bind failed: Address already in use'],
		portNamed: false,
	});
});

function fixtureLog(journals: Record<string, string>, available = true): UnitLog {
	return {
		available: async () => available,
		troubledUnits: async () => [
			...parseUnitList(fixture('systemctl-failed.txt')).map((unit) => ({
				unit: unit.unit,
				state: 'failed' as const,
			})),
			{unit: 'worker.service', state: 'auto-restart' as const},
		],
		journal: async (unit) => journals[unit] ?? '',
		enabled: async () => undefined,
	};
}

test('findUnitContenders returns failing units whose journal names the port first', async () => {
	const log = fixtureLog({
		'nginx.service': fixture('journal-nginx.txt'),
		'myapp.service': fixture('journal-node.txt'),
		'worker.service': fixture('journal-bare.txt'),
	});
	const on80 = await findUnitContenders(log, 80);
	assert.equal(on80.available, true);
	assert.deepEqual(
		on80.contenders.map((contender) => [contender.unit, contender.portNamed]),
		[
			['nginx.service', true],
			['worker.service', false],
		],
	);
	const on8080 = await findUnitContenders(log, 8080);
	assert.equal(on8080.contenders[0]!.unit, 'myapp.service');
	assert.equal(on8080.contenders[0]!.state, 'failed');
});

test('without systemd, contenders are reported unavailable and nothing is asked', async () => {
	let asked = false;
	const log = fixtureLog({});
	log.troubledUnits = async () => {
		asked = true;
		return [];
	};
	const result = await findUnitContenders({...log, available: async () => false}, 80);
	assert.deepEqual(result, {available: false, contenders: []});
	assert.equal(asked, false);
});

test('the real adapter says unavailable when systemd is not init, and enabled reads UnitFileState', async () => {
	const manager: ServiceManager = {
		available: async () => true,
		show: async (unit) => ({
			unit,
			loadState: 'loaded',
			activeState: 'active',
			unitFileState: unit === 'nginx.service' ? 'enabled' : 'disabled',
		}),
		stop: async () => {},
		restart: async () => {},
	};
	const notInit = createSystemdUnitLog(manager, () => false);
	assert.equal(await notInit.available(), false);
	assert.equal(await notInit.enabled('nginx.service'), undefined);
	const init = createSystemdUnitLog(manager, () => true);
	assert.equal(await init.available(), true);
	assert.equal(await init.enabled('nginx.service'), true);
	assert.equal(await init.enabled('other.service'), false);
});

test('on a machine where systemd is not PID 1 the real adapter reports unavailable cleanly', async (t) => {
	const {systemdIsInit} = await import('../../../source/core/processes/systemd.js');
	if (systemdIsInit()) {
		t.skip('systemd is init here');
		return;
	}
	const {systemdUnitLog} =
		await import('../../../source/core/conflicts/unit-contenders.js');
	assert.deepEqual(await findUnitContenders(systemdUnitLog, 80), {
		available: false,
		contenders: [],
	});
});
