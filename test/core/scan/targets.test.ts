import assert from 'node:assert/strict';
import {test} from 'node:test';
import {TargetSpecError} from '../../../source/core/errors.js';
import {
	canonicalAddress,
	needsConfirmation,
	resolveTargets,
	validateTargets,
	type Resolver,
} from '../../../source/core/scan/targets.js';

const fakeResolver: Resolver = async (name) => {
	if (name === 'web.test') return {address: '10.1.2.3', family: 4};
	if (name === 'six.test') return {address: 'fd00::1', family: 6};
	throw new Error('ENOTFOUND');
};

test('addresses, CIDR blocks, octet ranges, lists and names expand to hosts', async () => {
	const addresses = async (specs: string[], exclude: string[] = []) =>
		(await resolveTargets(specs, exclude, fakeResolver)).map((target) => target.address);
	assert.deepEqual(await addresses(['127.0.0.1']), ['127.0.0.1']);
	assert.deepEqual(await addresses(['10.0.0.0/30']), [
		'10.0.0.0',
		'10.0.0.1',
		'10.0.0.2',
		'10.0.0.3',
	]);
	assert.deepEqual(await addresses(['10.0.0.5/30']), [
		'10.0.0.4',
		'10.0.0.5',
		'10.0.0.6',
		'10.0.0.7',
	]);
	assert.deepEqual(await addresses(['192.168.1.1-3']), [
		'192.168.1.1',
		'192.168.1.2',
		'192.168.1.3',
	]);
	assert.deepEqual(await addresses(['10.0-1.0.1']), ['10.0.0.1', '10.1.0.1']);
	assert.deepEqual(await addresses(['127.0.0.1,127.0.0.2', '::1']), [
		'127.0.0.1',
		'127.0.0.2',
		'::1',
	]);
	assert.deepEqual(await addresses(['fd00::/126']), [
		'fd00::',
		'fd00::1',
		'fd00::2',
		'fd00::3',
	]);
	assert.deepEqual(await addresses(['10.0.0.0/30'], ['10.0.0.1,10.0.0.2']), [
		'10.0.0.0',
		'10.0.0.3',
	]);
	assert.deepEqual(await addresses(['127.0.0.1', '127.0.0.1']), ['127.0.0.1']);
	const named = await resolveTargets(['web.test', 'six.test'], [], fakeResolver);
	assert.deepEqual(named, [
		{target: 'web.test', address: '10.1.2.3', family: 4},
		{target: 'six.test', address: 'fd00::1', family: 6},
	]);
	assert.deepEqual(await addresses(['web.test', '10.1.2.4'], ['web.test']), ['10.1.2.4']);
});

test('localhost resolves through the system resolver to a loopback address', async () => {
	const [target] = await resolveTargets(['localhost']);
	assert.equal(target.target, 'localhost');
	assert.ok(target.address === '127.0.0.1' || target.address === '::1', target.address);
});

test('a name that does not resolve is a per-host error, not a syntax error', async () => {
	const targets = await resolveTargets(['nosuch.test', '127.0.0.1'], [], fakeResolver);
	assert.deepEqual(targets[0], {
		target: 'nosuch.test',
		address: '',
		family: 4,
		error: 'cannot resolve host name',
	});
	assert.equal(targets[1].address, '127.0.0.1');
});

test('bad targets name the bad part', () => {
	const cases: Array<[string, RegExp]> = [
		['10.0.0.300', /^bad target "10\.0\.0\.300": octet out of range$/],
		['10.0.0', /bad target "10\.0\.0": an IPv4 address has 4 octets/],
		['10.0.0.1/33', /prefix length \/33 is above 32/],
		['10.0.0.0/8', /\/8 holds 16777216 addresses/],
		['fd00::/64', /\/64 holds 2\^64 addresses \(at most \/112/],
		['fd00::/129', /above 128/],
		['10.0.0.1/x', /prefix length "x" is not a number/],
		['192.168.1.20-3', /starts above its end/],
		['1.2.3.4-300', /octet out of range/],
		['fd00::g', /not a valid IPv6 address/],
		['bad_name!', /not an address or host name/],
		['12345', /not an address or host name/],
		['a,,b', /empty entry/],
		['web.test/24', /a prefix needs a numeric IPv4 or IPv6 address/],
	];
	for (const [spec, message] of cases) {
		assert.throws(
			() => validateTargets([spec]),
			(error: unknown) =>
				error instanceof TargetSpecError &&
				message.test(error.message) &&
				error.exitCode === 2,
			spec,
		);
	}
	assert.throws(() => validateTargets([]), /no target given/);
});

test('only loopback and private ranges go without confirmation', () => {
	for (const address of [
		'127.0.0.1',
		'10.1.2.3',
		'172.16.0.1',
		'192.168.0.1',
		'169.254.1.1',
		'::1',
		'fd00::1',
		'fe80::1',
	]) {
		assert.equal(needsConfirmation(address), false, address);
	}
	for (const address of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '1.1.1.1']) {
		assert.equal(needsConfirmation(address), true, address);
	}
	assert.equal(canonicalAddress('0:0:0:0:0:0:0:1'), '::1');
	assert.equal(canonicalAddress('fd00:0:0:0:0:0:0:10'), 'fd00::10');
});
