import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import net from 'node:net';
import {
	AF_INET,
	AF_INET6,
	IPPROTO_TCP,
	NetlinkError,
	decodeDiagDump,
	diagSockets,
	dumpTable,
	loadAddon,
	parseDiagDump,
	prefetchDumps,
	type DiagRows,
} from '../../../source/core/sockets/netlink.js';
import {formatIpv4, formatIpv6Words} from '../../../source/core/sockets/address.js';

const fixture = (name: string) =>
	readFileSync(new URL(`../../fixtures/sockets/${name}`, import.meta.url));

// Captured with the addon while these sockets were open (see the ss fixture of the same run):
// tcp 0.0.0.0:2024 ino 1587, 127.0.0.1:41101 ino 47038, ::1:41102 ino 47039,
// *:41103 (dual stack) ino 47040, [::]:41104 v6only ino 47041, ::ffff:127.0.0.1:41105 ino 47042,
// udp 127.0.0.1:41106 ino 47043, ::1:41107 ino 47044.
test('parses a captured IPv4 TCP listener dump', () => {
	const sockets = parseDiagDump(fixture('sockdiag-tcp4-listen.bin'));
	assert.deepEqual(
		sockets.map((socket) => [
			socket.localAddress,
			socket.localPort,
			socket.inode,
			socket.state,
		]),
		[
			['0.0.0.0', 2024, 1587, 10],
			['127.0.0.1', 41101, 47038, 10],
		],
	);
	for (const socket of sockets) {
		assert.equal(socket.family, 4);
		assert.equal(socket.remoteAddress, '0.0.0.0');
		assert.equal(socket.remotePort, 0);
		assert.equal(socket.uid, 0);
	}
});

test('parses a captured IPv6 TCP listener dump, dual-stack wildcard once', () => {
	const sockets = parseDiagDump(fixture('sockdiag-tcp6-listen.bin'));
	const rows = sockets.map((socket) => [
		socket.localAddress,
		socket.localPort,
		socket.inode,
	]);
	assert.deepEqual(
		rows.sort((a, b) => (a[1] as number) - (b[1] as number)),
		[
			['::1', 41102, 47039],
			['::', 41103, 47040],
			['::', 41104, 47041],
			['::ffff:127.0.0.1', 41105, 47042],
		],
	);
	assert.ok(sockets.every((socket) => socket.family === 6));
});

test('parses captured UDP dumps (state 7, unconnected)', () => {
	const v4 = parseDiagDump(fixture('sockdiag-udp4-unconn.bin'));
	assert.deepEqual(
		v4.map((socket) => [
			socket.localAddress,
			socket.localPort,
			socket.state,
			socket.inode,
		]),
		[['127.0.0.1', 41106, 7, 47043]],
	);
	const v6 = parseDiagDump(fixture('sockdiag-udp6-unconn.bin'));
	assert.deepEqual(
		v6.map((socket) => [socket.localAddress, socket.localPort, socket.inode]),
		[['::1', 41107, 47044]],
	);
});

test('a truncated dump is an error, not a shorter list', () => {
	const bytes = fixture('sockdiag-tcp4-listen.bin');
	// Cut inside the second message.
	assert.throws(() => parseDiagDump(bytes.subarray(0, 200)), NetlinkError);
	// Cut before NLMSG_DONE but on a message boundary: a header's worth of stray bytes.
	const firstLength = bytes.readUInt32LE(0);
	assert.throws(() => parseDiagDump(bytes.subarray(0, firstLength + 8)), NetlinkError);
	// Cut exactly after a message: no NLMSG_DONE.
	assert.throws(() => parseDiagDump(bytes.subarray(0, firstLength)), /no NLMSG_DONE/);
});

test('malformed lengths are errors', () => {
	const bytes = Buffer.from(fixture('sockdiag-tcp4-listen.bin'));
	const zero = Buffer.from(bytes);
	zero.writeUInt32LE(0, 0);
	assert.throws(() => parseDiagDump(zero), /malformed/);
	const huge = Buffer.from(bytes);
	huge.writeUInt32LE(1 << 20, 0);
	assert.throws(() => parseDiagDump(huge), /malformed/);
	// A SOCK_DIAG_BY_FAMILY message too short to hold an inet_diag_msg.
	const short = Buffer.alloc(16 + 20 + 20);
	short.writeUInt32LE(36, 0);
	short.writeUInt16LE(20, 4);
	short.writeUInt32LE(20, 36);
	short.writeUInt16LE(3, 40);
	assert.throws(() => parseDiagDump(short), /short inet_diag_msg/);
});

test('NLMSG_ERROR carries the errno', () => {
	const error = Buffer.alloc(16 + 4 + 16);
	error.writeUInt32LE(36, 0);
	error.writeUInt16LE(2, 4);
	error.writeInt32LE(-13, 16);
	assert.throws(
		() => parseDiagDump(error),
		(thrown: unknown) => thrown instanceof NetlinkError && thrown.errno === 13,
	);
});

test('an empty dump (only NLMSG_DONE) is an empty list; bytes after DONE are ignored', () => {
	const done = Buffer.alloc(20 + 7);
	done.writeUInt32LE(20, 0);
	done.writeUInt16LE(3, 4);
	assert.deepEqual(parseDiagDump(done), []);
	assert.deepEqual(parseDiagDump(Buffer.alloc(0)), []);
});

test('scope ids name the interface', () => {
	const bytes = Buffer.from(fixture('sockdiag-tcp4-listen.bin'));
	bytes.writeUInt32LE(1, 16 + 40);
	const [first] = parseDiagDump(bytes, (index) => (index === 1 ? 'lo' : undefined));
	assert.equal(first?.localAddress, '0.0.0.0%lo');
	const [unnamed] = parseDiagDump(bytes);
	assert.equal(unnamed?.localAddress, '0.0.0.0%1');
});

test('the built addon dumps real sockets in the parsed format', () => {
	assert.ok(loadAddon(), 'build/Release/sockdiag.node should be built by npm run build');
	const sockets = diagSockets(dumpTable(AF_INET, IPPROTO_TCP, 1 << 10));
	assert.ok(sockets.every((socket) => socket.state === 10 && socket.family === 4));
});

test('prefetched dumps are taken once, by the same arguments, and hold a socket opened before', async () => {
	assert.ok(loadAddon()?.startDumps, 'the addon should be built with startDumps');
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	try {
		const port = (server.address() as net.AddressInfo).port;
		const listening = 1 << 10;
		assert.equal(prefetchDumps([[AF_INET, IPPROTO_TCP, listening]]), true);
		// The prefetch runs on the addon's thread: this one sees the socket too.
		const fresh = diagSockets(
			loadAddon()!.dump(AF_INET, IPPROTO_TCP, listening) as DiagRows,
		);
		const taken = diagSockets(dumpTable(AF_INET, IPPROTO_TCP, listening));
		assert.ok(fresh.some((socket) => socket.localPort === port));
		assert.ok(taken.some((socket) => socket.localPort === port));
		// Taken: a second call with the same arguments asks the kernel again.
		assert.equal(loadAddon()!.takeDump!(AF_INET, IPPROTO_TCP, listening), undefined);
		// Arguments that were not prefetched are not answered from it.
		assert.equal(prefetchDumps([[AF_INET, IPPROTO_TCP, listening]]), true);
		assert.equal(loadAddon()!.takeDump!(AF_INET6, IPPROTO_TCP, listening), undefined);
		assert.ok(diagSockets(dumpTable(AF_INET, IPPROTO_TCP, listening)).length > 0);
	} finally {
		await new Promise((resolve) => server.close(resolve));
	}
});

/** A reply of one inet_diag_msg per [family, local words, remote words], then NLMSG_DONE. */
function reply(
	messages: Array<[family: number, local: number[], remote: number[]]>,
): Buffer {
	const size = 16 + 72;
	const bytes = Buffer.alloc(messages.length * size + 20);
	messages.forEach(([family, local, remote], index) => {
		const at = index * size;
		bytes.writeUInt32LE(size, at);
		bytes.writeUInt16LE(20, at + 4);
		bytes.writeUInt8(family, at + 16);
		bytes.writeUInt8(10, at + 17);
		bytes.writeUInt16BE(1000 + index, at + 16 + 4);
		local.forEach((word, slot) =>
			bytes.writeUInt32BE(word >>> 0, at + 16 + 8 + slot * 4),
		);
		remote.forEach((word, slot) =>
			bytes.writeUInt32BE(word >>> 0, at + 16 + 24 + slot * 4),
		);
		bytes.writeUInt32LE(5000 + index, at + 16 + 68);
	});
	bytes.writeUInt32LE(20, messages.length * size);
	bytes.writeUInt16LE(3, messages.length * size + 4);
	return bytes;
}

test('addresses are written as ss (inet_ntop) writes them, each distinct one once', () => {
	const v6: number[][] = [
		[0, 0, 0, 0],
		[0, 0, 0, 1],
		[0, 0, 0xffff, 0x7f000001],
		[0, 0, 0, 0x00020003],
		[0xfe800000, 0, 0, 1],
		[0x20010db8, 0, 0x00010000, 1],
		[0x00010000, 0x00010000, 0, 1],
		[0x20010db8, 0x00010002, 0x00030004, 0x00050006],
		[0, 0, 0x00010000, 0],
	];
	const v4 = [0, 0x7f000001, 0xc0a80101, 0xffffffff];
	const messages: Array<[number, number[], number[]]> = [
		...v6.map((words): [number, number[], number[]] => [AF_INET6, words, [0, 0, 0, 0]]),
		...v4.map((word): [number, number[], number[]] => [AF_INET, [word], [0x7f000001]]),
		// The same addresses again: they share the table's strings.
		...v6.map((words): [number, number[], number[]] => [AF_INET6, words, words]),
	];
	const table = decodeDiagDump(reply(messages));
	const sockets = diagSockets(table);
	const expected = [
		...v6.map((words) => formatIpv6Words(words[0]!, words[1]!, words[2]!, words[3]!)),
		...v4.map((word) => formatIpv4(word)),
		...v6.map((words) => formatIpv6Words(words[0]!, words[1]!, words[2]!, words[3]!)),
	];
	assert.deepEqual(
		sockets.map((socket) => socket.localAddress),
		expected,
	);
	assert.deepEqual(
		sockets.slice(0, 9).map((socket) => socket.family),
		Array(9).fill(6),
	);
	assert.equal(sockets[9]?.remoteAddress, '127.0.0.1');
	assert.deepEqual(
		sockets.slice(13).map((socket) => socket.remoteAddress),
		expected.slice(0, 9),
	);
	// 9 IPv6 and 4 IPv4 addresses, plus 127.0.0.1 as a remote: :: and 0.0.0.0 are different.
	assert.equal(table.addresses.length, 9 + 4);
	assert.deepEqual(
		sockets.map((socket) => socket.inode),
		messages.map((_, index) => 5000 + index),
	);
});
