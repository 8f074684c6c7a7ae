import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {parseCgroup, readCgroup} from '../../../source/core/processes/cgroup.js';
import {ProcessGoneError} from '../../../source/core/errors.js';

const fixture = (name: string) =>
	parseCgroup(
		readFileSync(
			new URL(`../../fixtures/processes/cgroup/${name}`, import.meta.url),
			'utf8',
		),
	);
const DOCKER = '3f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3';
const PODMAN = '8c1e4f2a7b6d5c3e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a';
const CONTAINERD = 'b7e5d0c4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6';

test('systemd service, v2 and v1', () => {
	for (const name of ['systemd-service-v2.txt', 'systemd-service-v1.txt']) {
		const info = fixture(name);
		assert.equal(info.unit, 'nginx.service', name);
		assert.equal(info.slice, 'system.slice', name);
		assert.equal(info.container, undefined, name);
		assert.equal(info.userSession, undefined, name);
	}
});

test('docker container, systemd driver (v2) and cgroupfs driver (v1, hybrid)', () => {
	const v2 = fixture('docker-v2.txt');
	assert.deepEqual(v2.container, {runtime: 'docker', id: DOCKER});
	assert.equal(v2.unit, undefined);
	assert.equal(v2.scope, `docker-${DOCKER}.scope`);
	const v1 = fixture('docker-v1.txt');
	assert.deepEqual(v1.container, {runtime: 'docker', id: DOCKER});
	// The hybrid v2 line names containerd.service: not the container's manager.
	assert.equal(v1.unit, undefined);
	assert.equal(fixture('docker-proxy-v2.txt').unit, 'docker.service');
	assert.equal(fixture('docker-proxy-v2.txt').container, undefined);
});

test('podman container: root, rootless, v1; conmon is not the container', () => {
	for (const name of ['podman-v2.txt', 'podman-rootless-v2.txt', 'podman-v1.txt']) {
		assert.deepEqual(fixture(name).container, {runtime: 'podman', id: PODMAN}, name);
	}
	assert.equal(fixture('podman-rootless-v2.txt').unit, 'user@1000.service');
	assert.equal(fixture('podman-conmon-v2.txt').container, undefined);
	assert.equal(fixture('podman-conmon-v2.txt').scope, `libpod-conmon-${PODMAN}.scope`);
});

test('containerd (ctr/nerdctl namespace) and kubernetes pods, v2 and v1', () => {
	for (const name of ['containerd-v2.txt', 'containerd-v1.txt']) {
		assert.deepEqual(
			fixture(name).container,
			{runtime: 'containerd', id: CONTAINERD},
			name,
		);
	}
	for (const name of ['kubepods-v2.txt', 'kubepods-v1.txt']) {
		assert.deepEqual(
			fixture(name).container,
			{runtime: 'kubepods', id: CONTAINERD, pod: '6a4b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d'},
			name,
		);
	}
});

test('lxc container, v2 (lxc.payload) and v1', () => {
	for (const name of ['lxc-v2.txt', 'lxc-v1.txt']) {
		const info = fixture(name);
		assert.deepEqual(info.container, {runtime: 'lxc', id: 'web01'}, name);
		assert.equal(info.unit, 'nginx.service', name);
	}
});

test('login session and user manager units, v2 and v1', () => {
	for (const name of ['user-session-v2.txt', 'user-session-v1.txt']) {
		const info = fixture(name);
		assert.equal(info.userSession, '3', name);
		assert.equal(info.scope, 'session-3.scope', name);
		assert.equal(info.slice, 'user-1000.slice', name);
		assert.equal(info.unit, undefined, name);
	}
	const manager = fixture('user-manager-v2.txt');
	assert.equal(manager.unit, 'user@1000.service');
	assert.equal(manager.userUnit, 'syncthing.service');
	assert.equal(manager.slice, 'user-1000.slice');
});

test('a machine without systemd (as this one): no unit, no container', () => {
	const info = fixture('this-machine.txt');
	assert.equal(info.unit, undefined);
	assert.equal(info.container, undefined);
	assert.equal(info.path, '/process_api/9884eeacaa02f2c4075d72123b8d28a6');
	assert.deepEqual(parseCgroup(''), {path: '/'});
});

test('readCgroup reads this process and reports a missing one as gone', () => {
	const info = readCgroup(process.pid);
	assert.equal(typeof info.path, 'string');
	assert.throws(() => readCgroup(2 ** 22 + 1), ProcessGoneError);
});
