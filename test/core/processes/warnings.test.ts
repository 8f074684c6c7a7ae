import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	isAllInterfaces,
	processWarnings,
	WARNING_CODES,
	type WarningInput,
} from '../../../source/core/processes/warnings.js';

const quiet: WarningInput = {
	pid: 4242,
	uid: 1000,
	kernelThread: false,
	exe: '/usr/bin/node',
	exeDeleted: false,
	listeners: [{protocol: 'tcp', address: '127.0.0.1', port: 8080}],
	selfPid: 99,
	sessionAncestors: new Set([50, 60]),
};

test('an ordinary loopback process has no warnings', () => {
	assert.deepEqual(processWarnings(quiet), []);
});

test('every warning, in the documented order and kebab-case codes', () => {
	const warnings = processWarnings({
		...quiet,
		pid: 1,
		uid: 0,
		kernelThread: true,
		selfPid: 1,
		sessionAncestors: new Set([1]),
		namespaceInit: {pid: 1, processes: 4, countIncomplete: false, catchesTerm: true},
		exeDeleted: true,
		listeners: [
			{protocol: 'tcp', address: '0.0.0.0', port: 80},
			{protocol: 'tcp', address: '::', port: 80},
			{protocol: 'udp', address: '127.0.0.1', port: 53},
		],
		unit: {
			unit: 'web.service',
			loadState: 'loaded',
			activeState: 'active',
			restart: 'on-failure',
		},
	});
	assert.deepEqual(
		warnings.map((warning) => warning.code),
		[...WARNING_CODES],
	);
	for (const warning of warnings) assert.match(warning.code, /^[a-z0-9]+(-[a-z0-9]+)*$/);
	const exposed = warnings.find((warning) => warning.code === 'bound-all-interfaces');
	assert.match(exposed!.message, /0\.0\.0\.0:80\/tcp, \[::\]:80\/tcp/);
	assert.match(
		warnings.find((warning) => warning.code === 'systemd-restarts')!.message,
		/web\.service.*Restart=on-failure/,
	);
});

test('each condition alone', () => {
	const codes = (input: Partial<WarningInput>) =>
		processWarnings({...quiet, ...input}).map((warning) => warning.code);
	assert.deepEqual(codes({pid: 99}), ['portui-itself']);
	assert.deepEqual(codes({pid: 60}), ['session-ancestor']);
	assert.deepEqual(codes({uid: 0}), ['runs-as-root']);
	assert.deepEqual(codes({uid: null}), []);
	assert.deepEqual(codes({listeners: [{protocol: 'udp', address: '::', port: 5353}]}), [
		'bound-all-interfaces',
	]);
	assert.deepEqual(
		codes({
			unit: {
				unit: 'a.service',
				loadState: 'loaded',
				activeState: 'active',
				restart: 'no',
			},
		}),
		[],
	);
	assert.deepEqual(codes({exeDeleted: true}), ['exe-deleted']);
	assert.deepEqual(
		codes({
			namespaceInit: {pid: 4242, processes: 2, countIncomplete: false, catchesTerm: true},
		}),
		['namespace-init'],
	);
});

test('a namespace init: its container, a partial count, and one alone in its namespace', () => {
	const message = (input: Partial<WarningInput>) =>
		processWarnings({...quiet, ...input}).find(
			(warning) => warning.code === 'namespace-init',
		)?.message;
	assert.equal(
		message({
			namespaceInit: {pid: 4242, processes: 7, countIncomplete: true, catchesTerm: true},
			namespaceOwner: 'systemd-nspawn machine web',
		}),
		'init of the PID namespace of systemd-nspawn machine web: at least 7 processes stop with it',
	);
	assert.equal(
		message({
			namespaceInit: {
				pid: 4242,
				processes: 1,
				countIncomplete: false,
				catchesTerm: false,
			},
		}),
		'init of a PID namespace: nothing else runs in it; it has no SIGTERM handler, so the kernel drops SIGTERM and only SIGKILL stops it',
	);
});

test('all-interfaces addresses', () => {
	for (const address of ['0.0.0.0', '::', '*', '[::]'])
		assert.equal(isAllInterfaces(address), true);
	for (const address of ['127.0.0.1', '::1', '192.168.1.5', 'fe80::1%eth0']) {
		assert.equal(isAllInterfaces(address), false, address);
	}
});
