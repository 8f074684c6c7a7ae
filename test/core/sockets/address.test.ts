import {test} from 'node:test';
import assert from 'node:assert/strict';
import {isIPv6} from 'node:net';
import {
	formatIpv4,
	formatIpv6Words,
	parseProcNetAddress,
} from '../../../source/core/sockets/address.js';

function words(address: string): [number, number, number, number] {
	// Expand with node's own parser via a URL round trip-free method: split groups.
	const [head, tail] = address.split('::');
	const parse = (part: string | undefined) =>
		part ? part.split(':').map((group) => parseInt(group, 16)) : [];
	const left = parse(head);
	const right = tail === undefined ? [] : parse(tail);
	const groups = [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
	const word = (index: number) =>
		((groups[index * 2]! << 16) | groups[index * 2 + 1]!) >>> 0;
	return [word(0), word(1), word(2), word(3)];
}

test('IPv4 addresses print dotted', () => {
	assert.equal(formatIpv4(0x7f000001), '127.0.0.1');
	assert.equal(formatIpv4(0), '0.0.0.0');
	assert.equal(formatIpv4(0xffffffff), '255.255.255.255');
});

test('IPv6 addresses print compressed like inet_ntop', () => {
	assert.equal(formatIpv6Words(0, 0, 0, 0), '::');
	assert.equal(formatIpv6Words(0, 0, 0, 1), '::1');
	assert.equal(formatIpv6Words(0, 0, 0xffff, 0x7f000001), '::ffff:127.0.0.1');
	assert.equal(formatIpv6Words(0, 0, 0, 0x01020304), '::1.2.3.4');
	assert.equal(
		formatIpv6Words(0xfe800000, 0, 0x01c203ff, 0xfe040506),
		'fe80::1c2:3ff:fe04:506',
	);
	assert.equal(formatIpv6Words(...words('2001:db8:0:1:0:0:0:1')), '2001:db8:0:1::1');
	// One zero group is not compressed; the first of two equal runs is.
	assert.equal(formatIpv6Words(...words('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1');
	assert.equal(formatIpv6Words(...words('1:0:0:2:0:0:3:4')), '1::2:0:0:3:4');
	assert.equal(formatIpv6Words(...words('1:0:0:0:0:0:0:0')), '1::');
	assert.equal(formatIpv6Words(0, 0, 0, 0x100), '::100');
	for (const address of ['2001:db8::ff00:42:8329', 'fe80::1', '1:2:3:4:5:6:7:8']) {
		const text = formatIpv6Words(...words(address));
		assert.ok(isIPv6(text));
		assert.equal(text, address);
	}
});

test('/proc/net addresses decode from host-order hex', () => {
	assert.deepEqual(parseProcNetAddress('0100007F'), {family: 4, address: '127.0.0.1'});
	assert.deepEqual(parseProcNetAddress('00000000000000000000000001000000'), {
		family: 6,
		address: '::1',
	});
	assert.deepEqual(parseProcNetAddress('0000000000000000FFFF00000100007F'), {
		family: 6,
		address: '::ffff:127.0.0.1',
	});
	assert.equal(parseProcNetAddress('0100007'), undefined);
	assert.equal(parseProcNetAddress('zz00007F'), undefined);
	assert.equal(parseProcNetAddress(''), undefined);
});
