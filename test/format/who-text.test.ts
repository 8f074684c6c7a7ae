import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	describeManager,
	endpoint,
	formatAncestry,
	formatBytes,
	wrapText,
} from '../../source/format/who-text.js';
import type {ProcessReport} from '../../source/core/processes/inspect.js';

const base = {
	details: {pid: 900, name: 'node'},
	ancestry: [
		{pid: 1, name: 'systemd'},
		{pid: 500, name: 'sshd'},
		{pid: 600, name: 'bash'},
	],
	unit: null,
	container: null,
	shell: null,
	cgroup: null,
} as unknown as ProcessReport;

test('who manages it, in one line', () => {
	assert.equal(
		describeManager({
			...base,
			unit: {
				name: 'nginx.service',
				facts: {
					unit: 'nginx.service',
					loadState: 'loaded',
					activeState: 'active',
					unitFileState: 'enabled',
					restart: 'on-failure',
					fragmentPath: '/lib/systemd/system/nginx.service',
				},
			},
		}),
		'systemd unit nginx.service (active, enabled, Restart=on-failure, /lib/systemd/system/nginx.service)',
	);
	assert.equal(
		describeManager({
			...base,
			unit: {name: 'user@1000.service', unavailable: 'systemd is not available'},
			cgroup: {path: '/x', unit: 'user@1000.service', userUnit: 'app.service'},
		}),
		'systemd unit user@1000.service → app.service (systemd is not available)',
	);
	assert.equal(
		describeManager({
			...base,
			container: {
				runtime: 'docker',
				id: 'a'.repeat(64),
				name: 'web',
				image: 'nginx:1.27',
				via: 'docker-proxy',
			},
		}),
		`forwards to container web (nginx:1.27), docker ${'a'.repeat(12)}`,
	);
	assert.equal(
		describeManager({
			...base,
			container: {
				runtime: 'containerd',
				id: 'b'.repeat(64),
				name: null,
				image: null,
				via: 'cgroup',
			},
		}),
		`container containerd ${'b'.repeat(12)}`,
	);
	assert.equal(
		describeManager({
			...base,
			shell: {
				shell: {pid: 600, name: 'bash'},
				tty: 'pts/0',
				session: 600,
				sshd: {pid: 500, name: 'sshd'},
			},
		}),
		'started from a shell: bash (pid 600), on pts/0, session 600, over ssh (sshd 500)',
	);
	assert.equal(
		describeManager({
			...base,
			cgroup: {path: '/user.slice', scope: 'session-4.scope', userSession: '4'},
		}),
		'login session 4 (session-4.scope)',
	);
	assert.equal(
		describeManager(base),
		'nothing found (no systemd unit, container or shell)',
	);
});

test('ancestry: whole when it fits, the middle elided when not', () => {
	assert.equal(formatAncestry(base), 'systemd(1) → sshd(500) → bash(600) → node(900)');
	assert.equal(formatAncestry(base, 38), 'systemd(1) → … → bash(600) → node(900)');
	assert.equal(formatAncestry(base, 10), 'systemd(1) → … → node(900)');
});

test('wrapping, sizes, endpoints', () => {
	assert.deepEqual(wrapText('aaaa bbbb cccc dddd', 10), ['aaaa bbbb', 'cccc dddd']);
	assert.deepEqual(wrapText('x'.repeat(25), 10), [
		'x'.repeat(10),
		'x'.repeat(10),
		'x'.repeat(5),
	]);
	assert.deepEqual(wrapText('short', 80), ['short']);
	assert.equal(formatBytes(512), '512 B');
	assert.equal(formatBytes(45 * 1024 * 1024 + 300 * 1024), '45 MiB');
	assert.equal(formatBytes(1536), '1.5 KiB');
	assert.equal(endpoint('::1', 80), '[::1]:80');
	assert.equal(endpoint('127.0.0.1', 80), '127.0.0.1:80');
});
