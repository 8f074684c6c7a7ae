import {managerOf} from '../../../source/core/processes/manager.js';
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {
	copyFileSync,
	mkdtempSync,
	readdirSync,
	realpathSync,
	renameSync,
	rmSync,
	unlinkSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	readCpuSample,
	readProcessDetails,
	sampleCpu,
	ttyName,
} from '../../../source/core/processes/details.js';
import {readAncestry, readChildren} from '../../../source/core/processes/ancestry.js';
import {
	inspectProcess,
	readManagerFacts,
	readProcessSnapshot,
	warningsFor,
} from '../../../source/core/processes/inspect.js';
import {
	processToWhoJson,
	whoPort,
	whoToJson,
} from '../../../source/core/processes/who.js';
import {sessionAncestors} from '../../../source/core/processes/session.js';
import type {ContainerCli} from '../../../source/core/processes/containers.js';
import type {ServiceManager} from '../../../source/core/processes/systemd.js';
import {ProcessGoneError} from '../../../source/core/errors.js';
import type {Listener} from '../../../source/core/sockets/listener.js';
import {formatWhoText} from '../../../source/format/who-text.js';
import {
	isKernelThread,
	readProcessStat,
} from '../../../source/core/processes/identity.js';
import {isRoot} from '../../../source/core/users.js';
import {startHolder, startTarget, HOLDER_SCRIPT} from '../../helpers/holder.js';

const unavailableCli = (runtime: 'docker' | 'podman'): ContainerCli => ({
	runtime,
	available: async () => false,
	inspect: async () => [],
	running: async () => [],
	stop: async () => {},
	restart: async () => {},
});
const noSystemd: ServiceManager = {
	available: async () => false,
	show: async () => undefined,
	stop: async () => {},
	restart: async () => {},
};
const offline = {
	services: noSystemd,
	docker: unavailableCli('docker'),
	podman: unavailableCli('podman'),
};

test('a real listener with established connections: details, sockets, ancestry', async (t) => {
	const target = await startTarget();
	t.after(() => target.close());
	const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'portui-holder-')));
	t.after(() => rmSync(cwd, {recursive: true, force: true}));
	const holder = await startHolder({targetPort: target.port, connections: 3, cwd});
	t.after(() => holder.stop());

	const details = readProcessDetails(holder.pid);
	assert.equal(details.pid, holder.pid);
	assert.equal(details.ppid, process.pid);
	assert.equal(details.parentName, readProcessDetails(process.pid).name);
	assert.equal(details.command, `${process.execPath} ${HOLDER_SCRIPT}`);
	assert.deepEqual(details.argv, [process.execPath, HOLDER_SCRIPT]);
	assert.equal(details.cwd, cwd);
	assert.equal(details.exe, realpathSync(process.execPath));
	assert.equal(details.exeDeleted, false);
	assert.ok(
		Math.abs(details.startedAtMs - holder.spawnedAtMs) < 5000,
		`started ${details.startedAt}, spawned ${new Date(holder.spawnedAtMs).toISOString()}`,
	);
	assert.equal(new Date(details.startedAt).getTime(), details.startedAtMs);
	assert.equal(details.uid, process.geteuid!());
	assert.ok(details.threads >= 1);
	assert.ok(details.rssBytes !== null && details.rssBytes > 1024 * 1024);
	assert.equal(details.kernelThread, false);
	assert.ok(details.openFiles && details.openFiles.count >= 3 + 1 + 3);
	assert.ok(details.openFiles.first.some((file) => file.target.startsWith('socket:[')));

	const snapshot = readProcessSnapshot(holder.pid);
	assert.deepEqual(
		snapshot.listeners.map((socket) => [
			socket.protocol,
			socket.localAddress,
			socket.localPort,
		]),
		[['tcp', '127.0.0.1', holder.port]],
	);
	assert.equal(snapshot.established, 3);
	assert.equal(snapshot.connections.length, 3);
	for (const connection of snapshot.connections) {
		assert.equal(connection.state, 'ESTAB');
		assert.equal(connection.remotePort, target.port);
		assert.deepEqual(connection.sharedWith, []);
	}
	assert.deepEqual(snapshot.listeners[0]!.sharedWith, []);
	assert.equal(snapshot.socketsHidden, false);
	assert.equal(snapshot.ancestry.at(-1)?.pid, process.pid);
	assert.ok(snapshot.ancestry.some((link) => link.pid === process.pid));
	assert.equal(snapshot.ancestry[0]?.pid, 1);
	assert.deepEqual(readAncestry(holder.pid), snapshot.ancestry);
	assert.ok(readChildren(process.pid).some((link) => link.pid === holder.pid));

	const report = await inspectProcess(holder.pid, offline);
	const codes = report.warnings.map((warning) => warning.code);
	assert.equal(codes.includes('bound-all-interfaces'), false, 'bound to loopback only');
	assert.equal(codes.includes('runs-as-root'), isRoot());
	assert.equal(codes.includes('session-ancestor'), false);
	assert.equal(report.unit, null);
});

test('a forked child sharing the listening socket is named on both sides', async (t) => {
	const holder = await startHolder({share: true});
	t.after(() => holder.stop());
	assert.ok(holder.sharer);
	const snapshot = readProcessSnapshot(holder.pid);
	assert.deepEqual(snapshot.listeners[0]?.sharedWith, [
		{pid: holder.sharer, name: 'node'},
	]);
	assert.ok(snapshot.children.some((link) => link.pid === holder.sharer));
	const sharer = readProcessSnapshot(holder.sharer);
	assert.equal(sharer.listeners[0]?.localPort, holder.port);
	assert.deepEqual(sharer.listeners[0]?.sharedWith, [{pid: holder.pid, name: 'node'}]);

	const result = await whoPort(holder.port, offline);
	// Other programs may hold the same port number on other addresses: look at ours.
	assert.equal(
		result.listeners.filter((listener) => listener.address === '127.0.0.1').length,
		1,
	);
	assert.deepEqual(
		result.processes
			.map((report) => report.details.pid)
			.filter((pid) => pid === holder.pid || pid === holder.sharer),
		[holder.pid, holder.sharer].sort((a, b) => a - b),
	);
	const json = whoToJson(result);
	assert.deepEqual(Object.keys(json), ['port', 'listeners', 'processes']);
	assert.deepEqual(Object.keys(json.processes[0]!), [
		'pid',
		'ppid',
		'user',
		'name',
		'command',
		'exe',
		'cwd',
		'startedAt',
		'uptimeSeconds',
		'rssBytes',
		'unit',
		'container',
		'ancestry',
		'connections',
		'warnings',
	]);
});

test('a process that exits is reported gone, also when its pid is checked by start time', async () => {
	const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
	await once(child, 'spawn');
	const pid = child.pid!;
	const details = readProcessDetails(pid);
	assert.throws(
		() => readProcessDetails(pid, {expectStartTicks: details.startTicks + 1}),
		ProcessGoneError,
	);
	child.kill('SIGKILL');
	await once(child, 'exit');
	assert.throws(() => readProcessDetails(pid), ProcessGoneError);
	assert.throws(() => readProcessSnapshot(pid), ProcessGoneError);
	await assert.rejects(inspectProcess(pid, offline), ProcessGoneError);
	assert.throws(() => readCpuSample(pid), ProcessGoneError);
});

test('a deleted or replaced executable is flagged', async (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'portui-exe-'));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	const binary = join(dir, 'sleeper');
	copyFileSync('/bin/sleep', binary);
	const run = async () => {
		const child = spawn(binary, ['60']);
		await once(child, 'spawn');
		t.after(() => child.kill('SIGKILL'));
		return child.pid!;
	};
	const deleted = await run();
	const replaced = await run();
	const intact = await run();
	assert.equal(readProcessDetails(intact).exeDeleted, false);
	unlinkSync(binary);
	assert.equal(readProcessDetails(deleted).exeDeleted, true);
	assert.equal(readProcessDetails(deleted).exe, binary);
	// An upgrade renames a new file over the old path.
	copyFileSync('/bin/sleep', `${binary}.new`);
	renameSync(`${binary}.new`, binary);
	const details = readProcessDetails(replaced);
	assert.equal(details.exeDeleted, true);
	const report = await inspectProcess(replaced, offline);
	assert.ok(report.warnings.some((warning) => warning.code === 'exe-deleted'));
});

/** A kernel thread's pid; undefined inside a pid namespace, where none are visible. */
function findKernelThread(): number | undefined {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			if (isKernelThread(readProcessStat(Number(entry)))) return Number(entry);
		} catch {
			// Exited while listed.
		}
	}
	return undefined;
}

test('PID 1, kernel threads, portui itself and its session ancestors are warned about', async (t) => {
	const codes = async (pid: number) =>
		(await inspectProcess(pid, offline)).warnings.map((warning) => warning.code);
	const kernelPid = findKernelThread();
	if (kernelPid === undefined) t.diagnostic('no kernel thread visible (pid namespace)');
	else {
		const kthread = readProcessDetails(kernelPid);
		assert.equal(kthread.kernelThread, true);
		assert.equal(kthread.command, `[${kthread.name}]`);
		assert.equal(kthread.exe, null);
		assert.ok((await codes(kernelPid)).includes('kernel-thread'));
	}
	assert.ok((await codes(1)).includes('pid-1'));
	assert.ok((await codes(process.pid)).includes('portui-itself'));
	assert.ok(sessionAncestors().has(process.ppid));
	assert.equal(sessionAncestors().has(1), false);
	assert.ok((await codes(process.ppid)).includes('session-ancestor'));
});

test('CPU% from two samples', () => {
	const base = {pid: 5, startTicks: 100, cpuTicks: 1000, atMs: 0};
	assert.equal(sampleCpu(base, {...base, cpuTicks: 1050, atMs: 1000}), 50);
	assert.equal(sampleCpu(base, {...base, cpuTicks: 1200, atMs: 1000}), 200);
	assert.equal(sampleCpu(base, {...base, startTicks: 101, atMs: 1000}), undefined);
	assert.equal(sampleCpu(base, base), undefined);
	const now = readCpuSample(process.pid);
	assert.equal(now.pid, process.pid);
	assert.ok(now.cpuTicks > 0);
	assert.equal(ttyName(0), null);
	assert.equal(ttyName((136 << 8) | 3), 'pts/3');
	assert.equal(ttyName((4 << 8) | 1), 'tty1');
});

test('managers: systemd facts drive the restart warning; docker-proxy names its container', async () => {
	const snapshot = readProcessSnapshot(process.pid);
	const services: ServiceManager = {
		...noSystemd,
		available: async () => true,
		show: async (unit) => ({
			unit,
			loadState: 'loaded',
			activeState: 'active',
			restart: 'always',
		}),
	};
	const withUnit = {
		...snapshot,
		cgroup: {path: '/system.slice/web.service', unit: 'web.service'},
	};
	const managers = await readManagerFacts(withUnit, {...offline, services});
	assert.equal(managers.unit?.name, 'web.service');
	assert.equal(managers.unit?.facts?.restart, 'always');
	const warnings = warningsFor(withUnit, managers);
	assert.ok(warnings.some((warning) => warning.code === 'systemd-restarts'));
	const unavailable = await readManagerFacts(withUnit, offline);
	assert.equal(unavailable.unit?.unavailable, 'systemd is not available');

	const web = {
		runtime: 'docker' as const,
		id: 'a'.repeat(64),
		name: 'web',
		image: 'nginx:1.27',
		status: 'running',
		ipAddresses: ['172.17.0.2'],
		ports: [
			{containerPort: 80, protocol: 'tcp' as const, hostIp: '0.0.0.0', hostPort: 8080},
		],
	};
	const docker: ContainerCli = {
		...unavailableCli('docker'),
		available: async () => true,
		running: async () => [web],
		inspect: async (ids) => (ids.includes(web.id) ? [web] : []),
	};
	const proxy = {
		...snapshot,
		details: {
			...snapshot.details,
			name: 'docker-proxy',
			argv: [
				'/usr/bin/docker-proxy',
				'-proto',
				'tcp',
				'-host-ip',
				'0.0.0.0',
				'-host-port',
				'8080',
				'-container-ip',
				'172.17.0.2',
				'-container-port',
				'80',
			],
		},
		cgroup: {path: '/system.slice/docker.service', unit: 'docker.service'},
	};
	const attributed = await readManagerFacts(proxy, {...offline, docker});
	assert.deepEqual(attributed.container, {
		runtime: 'docker',
		id: web.id,
		name: 'web',
		image: 'nginx:1.27',
		status: 'running',
		via: 'docker-proxy',
	});
	const json = processToWhoJson({
		...proxy,
		...attributed,
		warnings: [],
		manager: managerOf({...proxy, ...attributed}),
	});
	assert.deepEqual(json.container, {id: web.id, name: 'web', image: 'nginx:1.27'});
	assert.equal(json.unit, 'docker.service');

	const inContainer = {
		...snapshot,
		cgroup: {
			path: `/system.slice/docker-${web.id}.scope`,
			container: {runtime: 'docker' as const, id: web.id},
		},
	};
	const named = await readManagerFacts(inContainer, {...offline, docker});
	assert.equal(named.container?.name, 'web');
	assert.equal(named.container?.via, 'cgroup');
	const anonymous = await readManagerFacts(inContainer, offline);
	assert.equal(anonymous.container?.name, null);
	assert.equal(anonymous.container?.unavailable, 'docker is not available');
});

test('who: a holder that exited (or whose pid was reused) while being read is reported, not a crash', async () => {
	const self = readProcessDetails(process.pid);
	const listener: Listener = {
		protocol: 'tcp',
		family: 4,
		address: '127.0.0.1',
		port: 65001,
		state: 'LISTEN',
		inode: 1,
		uid: 0,
		user: 'root',
		processes: [
			{
				pid: process.pid,
				name: self.name,
				command: self.command,
				uid: 0,
				user: 'root',
				// Another start time: this pid now belongs to a different process.
				startTicks: self.startTicks - 1,
				startedAtMs: 0,
			},
		],
		processesHidden: false,
	};
	const result = await whoPort(65001, {
		...offline,
		snapshot: {
			listeners: [listener],
			takenAtMs: Date.now(),
			isRoot: true,
			hiddenCount: 0,
		},
	});
	assert.deepEqual(result.processes, []);
	assert.deepEqual(result.gone, [{pid: process.pid, name: self.name}]);
	assert.match(
		formatWhoText(result),
		new RegExp(
			`${self.name} \\(pid ${process.pid}\\) exited while portui was reading it`,
		),
	);
	assert.equal(whoToJson(result).listeners.length, 1);
});

test('a zombie (exited, not yet reaped) is reported gone', async (t) => {
	// `exec sleep` replaces the shell, so nobody waits for the short-lived child: it stays a zombie.
	const parent = spawn('sh', ['-c', 'sleep 0.05 & exec sleep 30']);
	t.after(() => parent.kill('SIGKILL'));
	await once(parent, 'spawn');
	const deadline = Date.now() + 10_000;
	let zombie: number | undefined;
	while (zombie === undefined && Date.now() < deadline) {
		for (const child of readChildren(parent.pid!)) {
			try {
				if (readProcessStat(child.pid).state === 'Z') zombie = child.pid;
			} catch {
				// Reaped already.
			}
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	assert.ok(zombie, 'the child became a zombie');
	assert.throws(() => readProcessDetails(zombie), ProcessGoneError);
});
