import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, mkdirSync, rmSync, writeFileSync, realpathSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
	identify,
	portInNeed,
	withNeed,
	type HolderParty,
	type IdentifySources,
} from '../../../source/core/conflicts/identify.js';
import {
	configDeclarations,
	systemSources,
} from '../../../source/core/conflicts/identify-sources.js';

import type {UnitLog} from '../../../source/core/conflicts/unit-contenders.js';
import type {Listener} from '../../../source/core/sockets/listener.js';
import {connectTo, startListenerChild} from '../../helpers/listener-child.js';

const noUnits: UnitLog = {
	available: async () => false,
	troubledUnits: async () => [],
	journal: async () => '',
	enabled: async () => undefined,
};

function unitsFailingOn(port: number): UnitLog {
	return {
		available: async () => true,
		troubledUnits: async () => [
			{unit: 'nginx.service', state: 'failed'},
			{unit: 'other.service', state: 'failed'},
		],
		journal: async (unit) =>
			unit === 'nginx.service'
				? `nginx: [emerg] bind() to 127.0.0.1:${port} failed (98: Address already in use)\n`
				: `bind() to 0.0.0.0:1 failed (98: Address already in use)\n`,
		enabled: async (unit) => (unit === 'nginx.service' ? true : undefined),
	};
}

test('identify finds a real holder, its connections, its own .env, and contenders from config and systemd', async (t) => {
	const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'portui-identify-')));
	const app = path.join(dir, 'app');
	const root = path.join(dir, 'root');
	mkdirSync(app);
	mkdirSync(root);
	const child = await startListenerChild({cwd: app});
	t.after(async () => {
		await child.stop();
		rmSync(dir, {recursive: true, force: true});
	});
	writeFileSync(path.join(app, '.env'), `NAME=demo\nPORT=${child.port}\n`);
	const nginxConf = path.join(dir, 'nginx.conf');
	writeFileSync(
		nginxConf,
		`events {}\nhttp {\n\tserver {\n\t\tlisten 127.0.0.1:${child.port};\n\t}\n}\n`,
	);
	const client = await connectTo(child.port);
	t.after(() => client.destroy());

	const sources = systemSources({
		units: unitsFailingOn(child.port),
		declarations: configDeclarations({root, configFiles: [nginxConf]}),
	});
	const found = await identify({port: child.port}, sources);
	assert.equal(found.port, child.port);
	assert.equal(found.protocol, 'tcp');
	assert.equal(found.systemdAvailable, true);

	const holders = found.parties.filter((party) => party.kind === 'holder');
	assert.equal(holders.length, 1);
	const holder = holders[0] as HolderParty;
	assert.equal(holder.id, `holder:${child.pid}`);
	assert.deepEqual(
		holder.processes.map((process) => process.pid),
		[child.pid],
	);
	assert.equal(holder.sockets[0]!.address, '127.0.0.1');
	assert.ok(holder.facts.connections >= 1, `connections: ${holder.facts.connections}`);
	assert.ok(holder.facts.startedAtMs! <= Date.now());
	assert.equal(holder.facts.user, os.userInfo().username);
	// Its .env is its own config: what a reconfigure of the holder rewrites.
	assert.deepEqual(
		holder.declarations.map((declared) => [
			declared.adapter,
			declared.file,
			declared.port,
		]),
		[['env', path.join(app, '.env'), child.port]],
	);

	const unit = found.parties.find((party) => party.kind === 'unit');
	assert.ok(unit && unit.kind === 'unit');
	assert.equal(unit.unit, 'nginx.service');
	assert.equal(unit.portNamed, true);
	assert.equal(unit.facts.unitEnabled, true);
	assert.ok(!found.parties.some((party) => party.id === 'unit:other.service'));

	// nginx's own config declares the port: it belongs to the nginx unit that fails to bind it.
	assert.deepEqual(
		unit.declarations.map((declared) => [declared.adapter, declared.file]),
		[['nginx', nginxConf]],
	);
	assert.ok(!found.parties.some((party) => party.kind === 'config'));
});

/** A systemd that says two units failed the way python3 does: "Address already in use", no port. */
const portlessFailures: UnitLog = {
	available: async () => true,
	troubledUnits: async () => [
		{unit: 'api.service', state: 'failed'},
		{unit: 'worker.service', state: 'auto-restart'},
	],
	journal: async () => 'OSError: [Errno 98] Address already in use\n',
	enabled: async () => true,
	settings: async () => ({execStart: [], environment: [], environmentFiles: []}),
};

test('a unit failing with no port named is a contender only where its own unit file names the port', async (t) => {
	const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'portui-identify-')));
	const wanted = await startListenerChild({cwd: dir});
	const other = await startListenerChild({cwd: dir});
	t.after(async () => {
		await wanted.stop();
		await other.stop();
		rmSync(dir, {recursive: true, force: true});
	});
	const units = path.join(dir, 'etc/systemd/system');
	mkdirSync(units, {recursive: true});
	const unitFile = path.join(units, 'api.service');
	writeFileSync(
		unitFile,
		`[Service]\nExecStart=/usr/bin/python3 /srv/api.py\nEnvironment=PORT=${wanted.port}\n`,
	);
	const sources = systemSources({
		units: portlessFailures,
		declarations: configDeclarations({root: dir}),
	});
	const found = await identify({port: wanted.port}, sources);
	const contenders = found.parties.filter((party) => party.kind === 'unit');
	assert.deepEqual(
		contenders.map((party) => party.id),
		['unit:api.service'],
	);
	const api = contenders[0]!;
	assert.ok(api.kind === 'unit');
	assert.equal(api.portNamed, false);
	assert.equal(api.label, 'api.service (failed with EADDRINUSE, port not named)');
	assert.deepEqual(api.evidence, [
		{
			kind: 'unnamed',
			text: 'OSError: [Errno 98] Address already in use',
			source: 'journalctl -u api.service',
		},
		{
			kind: 'environment',
			port: wanted.port,
			text: `Environment=PORT=${wanted.port}`,
			source: `${unitFile}:3`,
		},
	]);
	const elsewhere = await identify({port: other.port}, sources);
	assert.deepEqual(
		elsewhere.parties.map((party) => party.kind),
		['holder'],
	);
});

test('a config declaring the port with no unit behind it is a contender of its own', async (t) => {
	const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'portui-identify-')));
	const child = await startListenerChild({cwd: dir});
	t.after(async () => {
		await child.stop();
		rmSync(dir, {recursive: true, force: true});
	});
	const other = path.join(dir, 'other');
	mkdirSync(other);
	writeFileSync(path.join(other, '.env'), `PORT=${child.port}\n`);
	const found = await identify(
		{port: child.port},
		systemSources({
			units: noUnits,
			declarations: configDeclarations({
				root: dir,
				configFiles: [path.join(other, '.env')],
			}),
		}),
	);
	assert.equal(found.systemdAvailable, false);
	assert.deepEqual(
		found.parties.map((party) => party.kind),
		['holder', 'config'],
	);
	const config = found.parties[1]!;
	assert.ok(config.kind === 'config');
	assert.equal(config.file, path.join(other, '.env'));
	assert.match(config.label, new RegExp(`declares ${child.port}$`));
	assert.equal(found.parties[0]!.declarations.length, 0);
});

test('processes sharing one socket are one party', async (t) => {
	// A parent listens and hands the socket's fd to a child, as pre-fork servers do.
	const script = `
const net = require('node:net');
const {spawn} = require('node:child_process');
const server = net.createServer();
server.listen(0, '127.0.0.1', () => {
	const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {stdio: ['ignore', 'ignore', 'inherit', server._handle.fd]});
	process.stdout.write(JSON.stringify({port: server.address().port, worker: worker.pid}) + '\\n');
	process.on('SIGTERM', () => { worker.kill('SIGKILL'); process.exit(0); });
});
setInterval(() => {}, 1 << 30);
`;
	const parent = spawn(process.execPath, ['-e', script], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const exited = once(parent, 'exit');
	let worker = 0;
	t.after(async () => {
		if (worker) {
			try {
				process.kill(worker, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
		parent.kill('SIGKILL');
		await exited;
	});
	const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
	const info = JSON.parse(line.toString()) as {port: number; worker: number};
	worker = info.worker;
	const found = await identify({port: info.port}, systemSources({units: noUnits}));
	const holders = found.parties.filter(
		(party) => party.kind === 'holder',
	) as HolderParty[];
	assert.equal(holders.length, 1);
	assert.deepEqual(
		holders[0]!.processes.map((process) => process.pid),
		[parent.pid!, worker].sort((a, b) => a - b),
	);
	assert.match(holders[0]!.label, /^node \(pids /);
});

test('a port nobody holds or wants has no parties; a typed need adds one', async () => {
	const sources: IdentifySources = {
		listeners: () => [],
		serviceName: (port) => (port === 80 ? 'http' : undefined),
		processFacts: () => undefined,
		connections: () => 0,
		units: noUnits,
		declarations: async () => [],
	};
	const empty = await identify({port: 80}, sources);
	assert.equal(empty.service, 'http');
	assert.deepEqual(empty.parties, []);
	const typed = await identify({port: 80, need: 'my api'}, sources);
	assert.deepEqual(
		typed.parties.map((party) => [party.kind, party.label]),
		[['typed', 'you: my api']],
	);
	assert.deepEqual(withNeed(typed, '  ').parties, []);
	assert.equal(withNeed(empty, 'web').parties[0]!.id, 'typed');
});

test('portInNeed reads a port number or a service name', () => {
	const services = (name: string) => ({http: 80, ssh: 22})[name];
	assert.equal(portInNeed('I need 8080', services), 8080);
	assert.equal(portInNeed('http', services), 80);
	assert.equal(portInNeed('my ssh', services), 22);
	assert.equal(portInNeed('99999', services), undefined);
	assert.equal(portInNeed('nothing', services), undefined);
});

test('a holder nobody can see is labelled by why: another user (sudo) or outside this PID namespace', async () => {
	const socket = (inode: number, processesHidden: boolean): Listener => ({
		protocol: 'tcp',
		family: 4,
		address: '0.0.0.0',
		port: 2024,
		state: 'LISTEN',
		inode,
		uid: 0,
		user: 'root',
		processes: [],
		processesHidden,
	});
	const labels = async (listeners: Listener[]) => {
		const result = await identify(
			{port: 2024},
			{
				listeners: () => listeners,
				serviceName: () => undefined,
				processFacts: () => undefined,
				connections: () => 0,
				units: noUnits,
				declarations: async () => [],
			},
		);
		return result.parties.map((party) => party.label);
	};
	assert.deepEqual(await labels([socket(7, true)]), [
		'unknown process (run with sudo to see it)',
	]);
	assert.deepEqual(await labels([socket(8, false)]), [
		'unknown process (outside this PID namespace, or the kernel)',
	]);
});
