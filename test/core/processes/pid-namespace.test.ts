// Real PID namespaces (unshare -fp --mount-proc): what portui reads about a
// namespace's init, and what a kernel thread is.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	namespaceOwner,
	readNamespaceInit,
} from '../../../source/core/processes/pid-namespace.js';
import {
	isKernelThread,
	readProcessStat,
} from '../../../source/core/processes/identity.js';
import {
	inspectProcess,
	readProcessSnapshot,
} from '../../../source/core/processes/inspect.js';
import type {ContainerCli} from '../../../source/core/processes/containers.js';
import type {ServiceManager} from '../../../source/core/processes/systemd.js';
import {namespacesUnavailable, startPidNamespace} from '../../helpers/pid-namespace.js';

const skip = namespacesUnavailable;

const unavailableCli = (runtime: 'docker' | 'podman'): ContainerCli => ({
	runtime,
	available: async () => false,
	inspect: async () => [],
	running: async () => [],
	stop: async () => {},
	restart: async () => {},
});
const offline = {
	services: {
		available: async () => false,
		show: async () => undefined,
		stop: async () => {},
		restart: async () => {},
	} satisfies ServiceManager,
	docker: unavailableCli('docker'),
	podman: unavailableCli('podman'),
};

test(
	'pid 2 of a PID namespace and its child are ordinary processes, as its /proc shows them',
	{skip},
	async (t) => {
		const ns = await startPidNamespace('pid2-listens');
		t.after(() => ns.stop());
		// The namespace's own /proc, as portui running inside the container reads it.
		const inside = `/proc/${ns.init}/root/proc`;
		const second = readProcessStat(2, inside);
		const third = readProcessStat(3, inside);
		assert.equal(second.pid, 2);
		assert.equal(third.ppid, 2);
		assert.equal(isKernelThread(second), false, 'pid 2 in a namespace is not kthreadd');
		assert.equal(isKernelThread(third), false, 'a child of pid 2 is not a kernel thread');
		assert.equal(readProcessSnapshot(2, {procRoot: inside}).details.kernelThread, false);
		// Seen from here, the host's pid 2 is kthreadd, flagged PF_KTHREAD by the kernel.
		const kthreadd = readProcessStat(2);
		assert.notEqual(kthreadd.flags & 0x00200000, 0);
		assert.equal(isKernelThread(kthreadd), true);
	},
);

test(
	'a namespace init: recognised from NSpid, with the processes that stop with it',
	{skip},
	async (t) => {
		const catching = await startPidNamespace('init-catches-term');
		t.after(() => catching.stop());
		const plain = await startPidNamespace('init-ignores-term');
		t.after(() => plain.stop());
		assert.deepEqual(readNamespaceInit(catching.init), {
			pid: catching.init,
			processes: 3,
			countIncomplete: false,
			catchesTerm: true,
		});
		assert.deepEqual(readNamespaceInit(plain.init), {
			pid: plain.init,
			processes: 3,
			countIncomplete: false,
			catchesTerm: false,
		});
		// pid 2 inside is a member, not an init; neither is this process.
		assert.equal(readNamespaceInit(catching.hostPid.get(2)!), undefined);
		assert.equal(readNamespaceInit(process.pid), undefined);
		// From inside the namespace its init is plain PID 1, which has rules of its own.
		assert.equal(readNamespaceInit(1, `/proc/${plain.init}/root/proc`), undefined);
	},
);

test(
	'the process screen and who warn about a namespace init: what stops, and SIGTERM',
	{skip},
	async (t) => {
		const catching = await startPidNamespace('init-catches-term');
		t.after(() => catching.stop());
		const plain = await startPidNamespace('init-ignores-term');
		t.after(() => plain.stop());
		const warning = async (pid: number) =>
			(await inspectProcess(pid, offline)).warnings.find(
				(entry) => entry.code === 'namespace-init',
			);
		const caught = await warning(catching.init);
		assert.equal(
			caught?.message,
			'init of a PID namespace: 3 processes stop with it',
			'an init that catches SIGTERM',
		);
		const dropped = await warning(plain.init);
		assert.equal(
			dropped?.message,
			'init of a PID namespace: 3 processes stop with it; it has no SIGTERM handler, so the kernel drops SIGTERM and only SIGKILL stops it (and them)',
		);
		assert.equal(await warning(plain.hostPid.get(2)!), undefined);
	},
);

test('who a namespace belongs to, from its cgroup; escapes never become control characters', () => {
	assert.equal(
		namespaceOwner({container: {runtime: 'podman', id: 'ab'.repeat(32)}}),
		'podman container abababababab',
	);
	assert.equal(
		namespaceOwner({container: {runtime: 'lxc', id: 'web'}}),
		'lxc container web',
	);
	assert.equal(
		namespaceOwner({scope: 'machine-my\\x2dbox.scope'}),
		'systemd-nspawn machine my-box',
	);
	assert.equal(
		namespaceOwner({scope: 'machine-x\\x1b]0;pwned\\x07.scope'}),
		'systemd-nspawn machine x\\x1b]0;pwned\\x07',
	);
	assert.equal(namespaceOwner({scope: 'session-3.scope'}), undefined);
	assert.equal(namespaceOwner({}), undefined);
});
