import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import net from 'node:net';
import {once} from 'node:events';
import {
	parseProcNet,
	parseSsEndpoint,
	parseSsOutput,
	readSocketRecords,
	readWithBackend,
	stateMask,
	type KernelBackend,
	type SocketRecord,
} from '../../../source/core/sockets/kernel.js';
import {
	bindUdp,
	listenTcp,
	runCleanup,
	type Cleanup,
} from '../../helpers/socket-children.js';

const fixture = (name: string) =>
	readFileSync(new URL(`../../fixtures/sockets/${name}`, import.meta.url), 'utf8');

test('ss endpoints: IPv4, bracketed IPv6, * as dual-stack wildcard, scopes', () => {
	assert.deepEqual(parseSsEndpoint('127.0.0.1:80'), {
		family: 4,
		address: '127.0.0.1',
		port: 80,
	});
	assert.deepEqual(parseSsEndpoint('[::1]:8080'), {
		family: 6,
		address: '::1',
		port: 8080,
	});
	assert.deepEqual(parseSsEndpoint('*:22'), {family: 6, address: '::', port: 22});
	assert.deepEqual(parseSsEndpoint('0.0.0.0:*'), {
		family: 4,
		address: '0.0.0.0',
		port: 0,
	});
	assert.deepEqual(parseSsEndpoint('127.0.0.53%lo:53'), {
		family: 4,
		address: '127.0.0.53%lo',
		port: 53,
	});
	assert.deepEqual(parseSsEndpoint('[fe80::1]%eth0:123'), {
		family: 6,
		address: 'fe80::1%eth0',
		port: 123,
	});
	for (const bad of [
		'',
		':80',
		'127.0.0.1',
		'127.0.0.1:x',
		'127.0.0.1:70000',
		'[1.2.3.4]:1',
		'host:80',
	]) {
		assert.equal(parseSsEndpoint(bad), undefined, bad);
	}
});

test('ss -tulneH output: uid and inode from the details, malformed lines skipped', () => {
	const records = parseSsOutput(fixture('ss-tulneH.txt'));
	const rows = records.map((record) => [
		record.protocol,
		record.family,
		record.state,
		record.localAddress,
		record.localPort,
		record.inode,
		record.uid,
	]);
	assert.deepEqual(rows, [
		['udp', 4, 'UNCONN', '127.0.0.1', 41005, 32751, 65534],
		['udp', 6, 'UNCONN', '::', 41006, 32752, 65534],
		['udp', 6, 'UNCONN', '::', 41007, 32753, 65534],
		['udp', 4, 'UNCONN', '127.0.0.53%lo', 53, 18230, 991],
		['udp', 6, 'UNCONN', 'fe80::1c2:3ff:fe04:506%eth0', 123, 18990, 0],
		['tcp', 4, 'LISTEN', '0.0.0.0', 2024, 1587, 0],
		['tcp', 4, 'LISTEN', '127.0.0.1', 41001, 32748, 65534],
		['tcp', 6, 'LISTEN', '::', 41004, 32750, 65534],
		['tcp', 6, 'LISTEN', '::', 41003, 32747, 65534],
		['tcp', 6, 'LISTEN', '::1', 41002, 32749, 65534],
		['tcp', 6, 'LISTEN', '::ffff:127.0.0.1', 41008, 32754, 65534],
	]);
	const connected = parseSsOutput(fixture('ss-tulneH.txt'), {
		listening: false,
		connected: true,
	});
	assert.deepEqual(
		connected.map((record) => [record.state, record.remoteAddress, record.remotePort]),
		[['ESTAB', '127.0.0.1', 52114]],
	);
	assert.deepEqual(
		parseSsOutput(fixture('ss-tulneH.txt'), {protocols: ['udp']}).map((r) => r.localPort),
		[41005, 41006, 41007, 53, 123],
	);
});

test('/proc/net/tcp: listeners decoded, connections and malformed lines skipped', () => {
	const records = parseProcNet(fixture('proc-net-tcp.txt'), 'tcp');
	assert.deepEqual(
		records.map((record) => [
			record.localAddress,
			record.localPort,
			record.inode,
			record.uid,
		]),
		[
			['0.0.0.0', 2024, 1587, 0],
			['127.0.0.1', 41101, 47038, 0],
		],
	);
	const connected = parseProcNet(fixture('proc-net-tcp.txt'), 'tcp', {
		listening: false,
		connected: true,
	});
	assert.deepEqual(
		connected.map((record) => [
			record.state,
			record.remoteAddress,
			record.remotePort,
			record.uid,
		]),
		[['ESTAB', '127.0.0.1', 0xcb12, 1000]],
	);
});

test('/proc/net/tcp6 and udp files decode IPv6, v4-mapped and UDP UNCONN', () => {
	const tcp6 = parseProcNet(fixture('proc-net-tcp6.txt'), 'tcp');
	assert.deepEqual(
		tcp6.map((record) => [record.localAddress, record.localPort, record.inode]).sort(),
		[
			['::', 41103, 47040],
			['::', 41104, 47041],
			['::1', 41102, 47039],
			['::ffff:127.0.0.1', 41105, 47042],
		],
	);
	const udp = parseProcNet(fixture('proc-net-udp.txt'), 'udp');
	assert.deepEqual(
		udp.map((record) => [record.localAddress, record.localPort, record.state]),
		[['127.0.0.1', 41106, 'UNCONN']],
	);
	const udp6 = parseProcNet(fixture('proc-net-udp6.txt'), 'udp');
	assert.deepEqual(
		udp6.map((record) => [record.family, record.localAddress, record.localPort]),
		[[6, '::1', 41107]],
	);
	assert.deepEqual(parseProcNet('', 'tcp'), []);
	assert.deepEqual(parseProcNet('garbage\n  0: nope', 'udp'), []);
});

test('state masks: listening and connected', () => {
	assert.equal(stateMask('tcp', {}), 1 << 10);
	assert.equal(stateMask('udp', {}), 1 << 7);
	assert.equal(stateMask('udp', {listening: false, connected: true}), 1 << 1);
	const connected = stateMask('tcp', {listening: false, connected: true});
	assert.equal(connected & (1 << 10), 0);
	assert.equal(connected & (1 << 7), 0);
	assert.notEqual(connected & (1 << 1), 0);
	assert.notEqual(connected & (1 << 6), 0);
});

// Every backend against the same real sockets opened here.
const cleanup: Cleanup = [];
after(() => runCleanup(cleanup));

type Opened = {
	tcp4: number;
	tcp6: number;
	dual: number;
	v6only: number;
	udp4: number;
	udp6: number;
	udpDual: number;
};

let opened: Promise<Opened> | undefined;
function openAll(): Promise<Opened> {
	opened ??= (async () => ({
		tcp4: (await listenTcp(cleanup, '127.0.0.1')).port,
		tcp6: (await listenTcp(cleanup, '::1')).port,
		dual: (await listenTcp(cleanup, '::')).port,
		v6only: (await listenTcp(cleanup, '::', {ipv6Only: true})).port,
		udp4: (await bindUdp(cleanup, 'udp4', '127.0.0.1')).port,
		udp6: (await bindUdp(cleanup, 'udp6', '::1')).port,
		udpDual: (await bindUdp(cleanup, 'udp6', '::')).port,
	}))();
	return opened;
}

/** Other sockets may share a port number on other addresses: match the address too. */
function find(records: SocketRecord[], protocol: string, port: number, address?: string) {
	return records.filter(
		(record) =>
			record.protocol === protocol &&
			record.localPort === port &&
			(address === undefined || record.localAddress === address),
	);
}

for (const backend of ['netlink', 'ss', 'procnet'] as KernelBackend[]) {
	test(`${backend} backend finds real tcp4, tcp6, dual-stack and udp listeners once each`, async () => {
		const ports = await openAll();
		const records = readWithBackend(backend, {});
		const expect = (protocol: string, port: number, family: number, address: string) => {
			const found = find(records, protocol, port, address);
			assert.equal(found.length, 1, `${backend}: ${protocol} ${address}:${port} once`);
			assert.equal(found[0]!.family, family);
			assert.equal(found[0]!.localAddress, address);
			assert.equal(found[0]!.state, protocol === 'tcp' ? 'LISTEN' : 'UNCONN');
			assert.equal(found[0]!.uid, process.getuid!());
			assert.ok(found[0]!.inode > 0);
		};
		expect('tcp', ports.tcp4, 4, '127.0.0.1');
		expect('tcp', ports.tcp6, 6, '::1');
		expect('tcp', ports.dual, 6, '::');
		expect('tcp', ports.v6only, 6, '::');
		expect('udp', ports.udp4, 4, '127.0.0.1');
		expect('udp', ports.udp6, 6, '::1');
		expect('udp', ports.udpDual, 6, '::');
		assert.ok(
			records.every((record) => record.state === 'LISTEN' || record.state === 'UNCONN'),
		);
		assert.ok(records.every((record) => record.localPort !== 0));
	});

	test(`${backend} backend: connections are not listeners, and are there when asked`, async () => {
		const {server, port} = await listenTcp(cleanup, '127.0.0.1');
		const accepted: net.Socket[] = [];
		server.on('connection', (socket) => accepted.push(socket));
		const client = net.connect(port, '127.0.0.1');
		await once(client, 'connect');
		cleanup.push(() => client.destroy());
		cleanup.push(() => accepted.forEach((socket) => socket.destroy()));
		const listening = readWithBackend(backend, {protocols: ['tcp']});
		assert.equal(find(listening, 'tcp', port, '127.0.0.1').length, 1);
		assert.equal(find(listening, 'tcp', client.localPort!, '127.0.0.1').length, 0);
		const connected = readWithBackend(backend, {
			protocols: ['tcp'],
			listening: false,
			connected: true,
		});
		// Another process's connection may use the same local port towards another peer.
		const mine = find(connected, 'tcp', client.localPort!, '127.0.0.1').filter(
			(record) => record.remotePort === port,
		);
		assert.equal(mine.length, 1);
		assert.equal(mine[0]!.state, 'ESTAB');
		assert.equal(mine[0]!.remotePort, port);
		assert.equal(
			find(connected, 'tcp', port).filter((r) => r.state === 'LISTEN').length,
			0,
		);
		assert.deepEqual(
			readWithBackend(backend, {protocols: ['udp'], listening: false}),
			[],
		);
	});
}

test('readSocketRecords (auto) agrees with every backend on our sockets', async () => {
	const ports = await openAll();
	const key = (record: SocketRecord) =>
		`${record.protocol} ${record.localAddress} ${record.localPort} ${record.inode}`;
	const ours = new Set([
		`tcp 127.0.0.1 ${ports.tcp4}`,
		`tcp ::1 ${ports.tcp6}`,
		`tcp :: ${ports.dual}`,
		`tcp :: ${ports.v6only}`,
		`udp 127.0.0.1 ${ports.udp4}`,
		`udp ::1 ${ports.udp6}`,
		`udp :: ${ports.udpDual}`,
	]);
	const pick = (records: SocketRecord[]) =>
		records
			.filter((record) =>
				ours.has(`${record.protocol} ${record.localAddress} ${record.localPort}`),
			)
			.map(key)
			.sort();
	const auto = pick(readSocketRecords({}));
	assert.equal(auto.length, 7);
	for (const backend of ['netlink', 'ss', 'procnet'] as KernelBackend[]) {
		assert.deepEqual(pick(readWithBackend(backend, {})), auto, backend);
	}
});
