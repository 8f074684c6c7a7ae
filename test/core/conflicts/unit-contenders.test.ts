import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {
	createSystemdUnitLog,
	findUnitContenders,
	parseUnitList,
	parseUnitSettings,
	type UnitLog,
	type UnitSettings,
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

function fixtureLog(
	journals: Record<string, string>,
	settings: Record<string, Partial<UnitSettings>> = {},
	available = true,
): UnitLog {
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
		settings: async (unit) => ({
			execStart: [],
			environment: [],
			environmentFiles: [],
			...settings[unit],
		}),
	};
}

const PYTHON_FAILURE = `Traceback (most recent call last):
  File "/srv/app.py", line 4, in <module>
    server.bind(('0.0.0.0', port))
OSError: [Errno 98] Address already in use
myapp.service: Main process exited, code=exited, status=1/FAILURE
`;

test('findUnitContenders: a journal naming the port is evidence; units naming other ports are left out', async () => {
	const log = fixtureLog({
		'nginx.service': fixture('journal-nginx.txt'),
		'myapp.service': fixture('journal-node.txt'),
	});
	const on80 = await findUnitContenders(log, 80);
	assert.equal(on80.available, true);
	assert.deepEqual(
		on80.contenders.map((contender) => [contender.unit, contender.portNamed]),
		[['nginx.service', true]],
	);
	assert.deepEqual(on80.contenders[0]!.evidence[0], {
		kind: 'journal',
		port: 80,
		text: 'nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)',
		source: 'journalctl -u nginx.service',
	});
	const on8080 = await findUnitContenders(log, 8080);
	assert.deepEqual(
		on8080.contenders.map((contender) => [contender.unit, contender.state]),
		[['myapp.service', 'failed']],
	);
});

test('a failure that names no port makes a unit a contender for no port by itself', async () => {
	const log = fixtureLog({
		'myapp.service': PYTHON_FAILURE,
		'worker.service': fixture('journal-bare.txt'),
	});
	for (const port of [80, 8080, 8081])
		assert.deepEqual(
			(await findUnitContenders(log, port)).contenders,
			[],
			`port ${port}`,
		);
});

test('a port-less failure with ExecStart=, Environment= or EnvironmentFile= naming N is a contender for N only', async () => {
	const log = fixtureLog(
		{
			'myapp.service': PYTHON_FAILURE,
			'worker.service': fixture('journal-bare.txt'),
			'nginx.service': PYTHON_FAILURE,
		},
		{
			'myapp.service': {execStart: ['/usr/bin/python3 /srv/app.py --port 8080']},
			'worker.service': {environment: ['PORT=8080']},
			'nginx.service': {
				environmentFiles: [{file: '/etc/default/web', text: 'PORT=8081\n'}],
			},
		},
	);
	const on8080 = await findUnitContenders(log, 8080);
	assert.deepEqual(
		on8080.contenders.map((contender) => contender.unit),
		['myapp.service', 'worker.service'],
	);
	const myapp = on8080.contenders[0]!;
	assert.equal(myapp.portNamed, false);
	assert.deepEqual(myapp.evidence, [
		{
			kind: 'unnamed',
			text: 'OSError: [Errno 98] Address already in use',
			source: 'journalctl -u myapp.service',
		},
		{
			kind: 'exec-start',
			port: 8080,
			text: '--port 8080',
			source: 'ExecStart= of myapp.service',
		},
	]);
	assert.deepEqual(on8080.contenders[1]!.evidence[1], {
		kind: 'environment',
		port: 8080,
		text: 'PORT=8080',
		source: 'Environment= of worker.service',
	});
	const on8081 = await findUnitContenders(log, 8081);
	assert.deepEqual(
		on8081.contenders.map((contender) => [contender.unit, contender.evidence.at(-1)]),
		[
			[
				'nginx.service',
				{
					kind: 'environment',
					port: 8081,
					text: 'PORT=8081',
					source: '/etc/default/web:1',
				},
			],
		],
	);
	assert.deepEqual((await findUnitContenders(log, 9000)).contenders, []);
});

test('a port-less failure with a config of the unit declaring N is a contender for N', async () => {
	const log = fixtureLog({'myapp.service': PYTHON_FAILURE});
	const declaration = {
		adapter: 'env' as const,
		title: 'environment file',
		processNames: [],
		unit: 'myapp.service',
		file: '/srv/myapp/.env',
		line: 2,
		port: 8080,
		protocol: 'tcp' as const,
		context: 'PORT=8080',
	};
	const found = await findUnitContenders(log, 8080, {
		declarationsOf: (unit) => (unit === 'myapp.service' ? [declaration] : []),
	});
	assert.deepEqual(
		found.contenders.map((contender) =>
			contender.evidence.map((evidence) => evidence.kind),
		),
		[['unnamed', 'environment']],
	);
});

test('a unit whose journal names another port is no contender, whatever its ExecStart says', async () => {
	const log = fixtureLog(
		{'nginx.service': fixture('journal-nginx.txt')},
		{'nginx.service': {execStart: ['/usr/sbin/nginx -g daemon off; --port 8080']}},
	);
	assert.deepEqual((await findUnitContenders(log, 8080)).contenders, []);
});

test('parseUnitSettings reads ExecStart=, Environment= and EnvironmentFiles= as systemctl show prints them', () => {
	assert.deepEqual(parseUnitSettings(fixture('systemctl-show-settings.txt')), {
		execStart: [
			'/usr/bin/python3 /srv/app.py --port 8080 a b',
			'/usr/bin/python3 /srv/second.py --listen :8081',
		],
		environment: ['X=a b', 'PORT=8080', 'QUOTE=say hi'],
		environmentFiles: [{file: '/etc/default/envfileapp'}, {file: '/etc/default/missing'}],
	});
	assert.deepEqual(parseUnitSettings(''), {
		execStart: [],
		environment: [],
		environmentFiles: [],
	});
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
