import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {PortSpecError} from '../../../source/core/errors.js';
import {parsePorts, rankedPorts, topPorts} from '../../../source/core/scan/ports.js';

test('port lists, ranges, open-ended ranges and service names', () => {
	assert.deepEqual(parsePorts('22,80,443'), [22, 80, 443]);
	assert.deepEqual(parsePorts('443, 22,22'), [22, 443]);
	assert.deepEqual(parsePorts('8000-8003'), [8000, 8001, 8002, 8003]);
	assert.deepEqual(parsePorts('65533-'), [65_533, 65_534, 65_535]);
	assert.deepEqual(parsePorts('-3'), [1, 2, 3]);
	assert.equal(parsePorts('-').length, 65_535);
	assert.equal(parsePorts('all').length, 65_535);
	assert.deepEqual(parsePorts('ssh,http,HTTPS'), [22, 80, 443]);
	assert.deepEqual(parsePorts('domain', 'udp'), [53]);
});

test('bad port specs name the bad part', () => {
	const cases: Array<[string, RegExp]> = [
		['70000', /bad port "70000": 70000 is out of range 1-65535/],
		['0', /bad port "0": 0 is out of range/],
		['10-5', /bad port range "10-5": start 10 is above end 5/],
		['abc', /bad port "abc": not a number or known service name/],
		['22,,80', /empty entry/],
		['', /empty/],
		['1-70000', /bad port "1-70000": 70000 is out of range/],
		['22/tcp', /bad port "22\/tcp"/],
		['nosuchservicename', /bad port "nosuchservicename"/],
	];
	for (const [spec, message] of cases) {
		assert.throws(
			() => parsePorts(spec),
			(error: unknown) =>
				error instanceof PortSpecError &&
				message.test(error.message) &&
				error.exitCode === 2,
			spec,
		);
	}
});

test('--top N comes from the shipped list, which matches nmap-services ranking', () => {
	const top = topPorts(1000, 'tcp');
	assert.equal(top.length, 1000);
	assert.ok(top.includes(22) && top.includes(80) && top.includes(443));
	assert.deepEqual(topPorts(3, 'tcp'), [23, 80, 443]);
	assert.deepEqual(topPorts(2, 'udp'), [161, 631]);
	assert.equal(topPorts(65_535, 'tcp').length, 65_535);
	assert.throws(() => topPorts(0, 'tcp'), PortSpecError);
	const header = readFileSync(
		new URL('../../../data/top-ports.txt', import.meta.url),
		'utf8',
	);
	assert.match(header, /nmap-services/);
	assert.match(header, /Nmap Public Source License/);
	// Where nmap is installed, the shipped order is its frequency order.
	let services = '';
	try {
		services = readFileSync('/usr/share/nmap/nmap-services', 'utf8');
	} catch {
		return;
	}
	const frequency = new Map<number, number>();
	for (const line of services.split('\n')) {
		const match = /^\S+\t(\d+)\/tcp\t([\d.]+)/.exec(line);
		if (match) frequency.set(Number(match[1]), Number(match[2]));
	}
	const ranked = rankedPorts('tcp');
	for (let index = 1; index < 1000; index++) {
		assert.ok(
			(frequency.get(ranked[index - 1]) ?? 0) >= (frequency.get(ranked[index]) ?? 0),
			`rank ${index}`,
		);
	}
});
