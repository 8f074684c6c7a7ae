import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {
	Identification,
	Party,
	PartyFacts,
} from '../../../source/core/conflicts/identify.js';
import {typedParty} from '../../../source/core/conflicts/identify.js';
import {prioritise, WEIGHTS} from '../../../source/core/conflicts/prioritise.js';

const facts = (more: Partial<PartyFacts> = {}): PartyFacts => ({
	connections: 0,
	runsAsService: false,
	fromShell: false,
	...more,
});

function holder(pid: number, name: string, more: Partial<PartyFacts> = {}): Party {
	return {
		kind: 'holder',
		id: `holder:${pid}`,
		label: `${name} (pid ${pid})`,
		facts: facts(more),
		declarations: [],
		processes: [
			{
				pid,
				name,
				command: name,
				user: 'root',
				uid: 0,
				startTicks: pid,
				startedAtMs: more.startedAtMs ?? 0,
			},
		],
		sockets: [],
	};
}

function unit(name: string, more: Partial<PartyFacts> = {}): Party {
	return {
		kind: 'unit',
		id: `unit:${name}`,
		label: name,
		unit: name,
		state: 'failed',
		evidence: [
			{
				kind: 'journal',
				port: 80,
				text: 'bind() to 0.0.0.0:80 failed (98: Address already in use)',
				source: `journalctl -u ${name}`,
			},
		],
		portNamed: true,
		declarations: [],
		facts: facts({unit: name, runsAsService: true, ...more}),
	};
}

/** A unit whose failure names no port, wanting 8080 by its ExecStart=. */
function portlessUnit(name: string, more: Partial<PartyFacts> = {}): Party {
	return {
		kind: 'unit',
		id: `unit:${name}`,
		label: `${name} (failed with EADDRINUSE, port not named)`,
		unit: name,
		state: 'failed',
		evidence: [
			{
				kind: 'unnamed',
				text: 'OSError: [Errno 98] Address already in use',
				source: `journalctl -u ${name}`,
			},
			{
				kind: 'exec-start',
				port: 8080,
				text: '--port 8080',
				source: `ExecStart= of ${name}`,
			},
		],
		portNamed: false,
		declarations: [],
		facts: facts({unit: name, runsAsService: true, ...more}),
	};
}

function config(file: string, more: Partial<PartyFacts> = {}): Party {
	return {
		kind: 'config',
		id: `config:env:${file}`,
		label: file,
		adapter: 'env',
		file,
		declarations: [],
		facts: facts(more),
	};
}

const identification = (
	parties: Party[],
	port = 80,
	service?: string,
): Identification => ({
	port,
	protocol: 'tcp',
	service,
	parties,
	systemdAvailable: true,
	hiddenHolders: 0,
	takenAtMs: 0,
});

const ids = (result: ReturnType<typeof prioritise>) =>
	result.ranking.map((ranked) => ranked.party.id);
const codes = (result: ReturnType<typeof prioritise>, id: string) =>
	result.ranking
		.find((ranked) => ranked.party.id === id)!
		.reasons.map((reason) => reason.code);

test('the well-known service for the port wins over a shell-started holder', () => {
	const result = prioritise(
		identification(
			[
				holder(100, 'node', {fromShell: true, startedAtMs: 1}),
				unit('nginx.service', {wellKnownMatch: 'nginx', unitEnabled: true}),
			],
			80,
			'http',
		),
	);
	assert.equal(result.suggestion, 'unit:nginx.service');
	assert.deepEqual(ids(result), ['unit:nginx.service', 'holder:100']);
	assert.deepEqual(codes(result, 'unit:nginx.service'), [
		'well-known',
		'enabled-at-boot',
		'failing-for-port',
	]);
	assert.ok(codes(result, 'holder:100').includes('from-shell'));
	assert.match(
		result.summary,
		/^keep nginx\.service on 80: the well-known service for 80 \(http: nginx\)/,
	);
});

test('live connections keep the holder against a config that only declares the port', () => {
	const result = prioritise(
		identification(
			[holder(100, 'node', {connections: 3}), config('/srv/app/.env')],
			8080,
		),
	);
	assert.equal(result.suggestion, 'holder:100');
	const reasons = result.ranking[0]!.reasons.map((reason) => reason.text);
	assert.ok(reasons.includes('has 3 live connections'));
	assert.ok(reasons.includes('holds 8080 now: keeping it changes nothing'));
});

test('one connection is singular', () => {
	const result = prioritise(
		identification([holder(1, 'x', {connections: 1}), config('/a')]),
	);
	assert.ok(
		result.ranking[0]!.reasons.some((reason) => reason.text === 'has 1 live connection'),
	);
});

test('a service unit outranks a process started from a shell, both holding the port', () => {
	const result = prioritise(
		identification([
			holder(200, 'python3', {fromShell: true, startedAtMs: 10}),
			holder(300, 'myapi', {unit: 'myapi.service', runsAsService: true, startedAtMs: 20}),
		]),
	);
	assert.equal(result.suggestion, 'holder:300');
	assert.ok(codes(result, 'holder:300').includes('service'));
	// The shell process is older, and that shows as a reason even though it loses.
	assert.ok(codes(result, 'holder:200').includes('older'));
});

test('age breaks a tie between otherwise equal holders', () => {
	const result = prioritise(
		identification([
			holder(2, 'b', {startedAtMs: 500}),
			holder(1, 'a', {startedAtMs: 100}),
		]),
	);
	assert.equal(result.suggestion, 'holder:1');
	assert.equal(result.ranking[0]!.score - result.ranking[1]!.score, WEIGHTS.older);
});

test('equal ages give no "older" reason to anyone', () => {
	const result = prioritise(
		identification([
			holder(1, 'a', {startedAtMs: 100}),
			holder(2, 'b', {startedAtMs: 100}),
		]),
	);
	assert.ok(!codes(result, 'holder:1').includes('older'));
	assert.ok(!codes(result, 'holder:2').includes('older'));
	// A tie keeps identification order.
	assert.equal(result.suggestion, 'holder:1');
});

test('a container holder runs as a service', () => {
	const result = prioritise(
		identification([
			holder(5, 'docker-proxy', {
				container: {runtime: 'docker', id: 'a'.repeat(64)},
				runsAsService: true,
			}),
			config('/srv/.env'),
		]),
	);
	const service = result.ranking[0]!.reasons.find((reason) => reason.code === 'service');
	assert.equal(service?.text, `runs in docker container ${'a'.repeat(12)}`);
});

test('what the user typed counts for them but not over a well-known holder', () => {
	const typed = typedParty('my api');
	const idle = prioritise(
		identification([holder(1, 'node', {fromShell: true}), typed], 8080),
	);
	assert.equal(idle.suggestion, 'typed');
	assert.ok(codes(idle, 'typed').includes('asked-for'));
	const busy = prioritise(
		identification(
			[
				holder(1, 'sshd', {
					wellKnownMatch: 'sshd',
					unit: 'ssh.service',
					runsAsService: true,
				}),
				typed,
			],
			22,
			'ssh',
		),
	);
	assert.equal(busy.suggestion, 'holder:1');
});

test('a single party is the suggestion, nothing to weigh', () => {
	const result = prioritise(identification([holder(1, 'node')], 3000));
	assert.equal(result.suggestion, 'holder:1');
	assert.match(result.summary, /^only node \(pid 1\) is involved with 3000$/);
});

test('no parties: no suggestion', () => {
	const result = prioritise(identification([], 3000));
	assert.equal(result.suggestion, undefined);
	assert.equal(result.ranking.length, 0);
	assert.match(result.summary, /nobody holds or wants tcp\/3000/);
});

test('reasons are ordered strongest first and the score is their sum', () => {
	const result = prioritise(
		identification(
			[
				holder(9, 'nginx', {
					wellKnownMatch: 'nginx',
					connections: 2,
					unit: 'nginx.service',
					unitEnabled: true,
					runsAsService: true,
				}),
				unit('apache2.service'),
			],
			80,
			'http',
		),
	);
	for (const ranked of result.ranking) {
		const weights = ranked.reasons.map((reason) => reason.weight);
		assert.deepEqual(
			weights,
			[...weights].sort((a, b) => b - a),
		);
		assert.equal(
			ranked.score,
			weights.reduce((sum, weight) => sum + weight, 0),
		);
	}
	assert.deepEqual(codes(result, 'holder:9'), [
		'well-known',
		'live-connections',
		'enabled-at-boot',
		'service',
		'older',
		'holds-port',
	]);
});

test('a failure that names no port never outranks a holder, however strong its other reasons', () => {
	const result = prioritise(
		identification(
			[
				holder(100, 'python3', {fromShell: true, startedAtMs: 1}),
				portlessUnit('nginx.service', {unitEnabled: true, wellKnownMatch: 'nginx'}),
			],
			8080,
			'http-alt',
		),
	);
	assert.equal(result.suggestion, 'holder:100');
	assert.deepEqual(ids(result), ['holder:100', 'unit:nginx.service']);
	assert.ok(result.ranking[1]!.score < result.ranking[0]!.score);
	const reasons = result.ranking[1]!.reasons;
	assert.ok(!reasons.some((reason) => reason.code === 'failing-for-port'));
	const portless = reasons.find((reason) => reason.code === 'port-not-named');
	assert.equal(
		portless?.text,
		'nginx.service failed with EADDRINUSE, port not named (ExecStart names 8080): it does not outrank a holder',
	);
	// The score is still the sum of the reasons shown.
	assert.equal(
		result.ranking[1]!.score,
		reasons.reduce((sum, reason) => sum + reason.weight, 0),
	);
});

test('a failure naming the port may outrank the holder; a port-less one ranks on its facts when nobody holds the port', () => {
	const named = prioritise(
		identification(
			[
				holder(100, 'python3', {fromShell: true}),
				unit('web.service', {unitEnabled: true}),
			],
			8080,
		),
	);
	assert.equal(named.suggestion, 'unit:web.service');
	const free = prioritise(
		identification(
			[portlessUnit('a.service'), portlessUnit('b.service', {unitEnabled: true})],
			8080,
		),
	);
	assert.equal(free.suggestion, 'unit:b.service');
	assert.ok(
		free.ranking[0]!.reasons.some(
			(reason) => reason.code === 'port-not-named' && reason.weight === 0,
		),
	);
});
