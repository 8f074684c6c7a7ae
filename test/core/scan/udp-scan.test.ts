import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {
	coreScanIn,
	createLink,
	createNamespace,
	deleteLink,
	deleteNamespace,
	dropPorts,
	namespaceSkipReason,
	startListeners,
} from './helpers/netns.js';

const skip = namespaceSkipReason();
const host = (address: string, family: 4 | 6) => ({target: address, address, family});

function byState(states: Record<string, string> | undefined, state: string): number[] {
	return Object.entries(states ?? {})
		.filter(([, value]) => value === state)
		.map(([port]) => Number(port))
		.sort((a, b) => a - b);
}

test(
	'UDP on loopback: a responder is open, unbound ports are closed',
	{skip, timeout: 60_000},
	async () => {
		const namespace = createNamespace();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			listeners = await startListeners(namespace, {
				udp: [
					{address: '127.0.0.1', port: 53},
					{address: '127.0.0.1', port: 5000},
					{address: '::1', port: 6000},
				],
			});
			const result = await coreScanIn(namespace, {
				targets: [host('127.0.0.1', 4), host('::1', 6)],
				ports: '1-1000,5000,6000',
				technique: 'udp',
				reportClosed: true,
			});
			assert.deepEqual(byState(result.states['0'], 'open'), [53, 5000]);
			assert.equal(byState(result.states['0'], 'closed').length, 1000);
			assert.deepEqual(byState(result.states['1'], 'open'), [6000]);
			assert.equal(byState(result.states['1'], 'closed').length, 1001);
			assert.equal(result.counts[0]['open|filtered'], 0);
		} finally {
			await listeners?.stop();
			deleteNamespace(namespace);
		}
	},
);

test(
	'UDP across a veth link: closed ports stay closed under the kernel ICMP rate limit',
	{skip, timeout: 120_000},
	async () => {
		const link = createLink();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			// The target namespace keeps the kernel's default limit (one ICMP error a second after a burst of 6).
			const limit = readFileSync(`/proc/sys/net/ipv4/icmp_ratelimit`, 'utf8').trim();
			assert.ok(Number(limit) >= 0);
			listeners = await startListeners(link.target, {
				udp: [{address: link.targetAddress, port: 7007}],
			});
			dropPorts(link.target, 'udp', [7010, 7011]);
			const result = await coreScanIn(link.scanner, {
				targets: [host(link.targetAddress, 4)],
				ports: '7000-7015',
				technique: 'udp',
				reportClosed: true,
			});
			const states = result.states['0'];
			assert.deepEqual(byState(states, 'open'), [7007]);
			assert.deepEqual(byState(states, 'open|filtered'), [7010, 7011]);
			assert.deepEqual(
				byState(states, 'closed'),
				[7000, 7001, 7002, 7003, 7004, 7005, 7006, 7008, 7009, 7012, 7013, 7014, 7015],
			);
		} finally {
			await listeners?.stop();
			deleteLink(link);
		}
	},
);

test('cancelling a UDP scan leaves no sockets', {skip, timeout: 60_000}, async () => {
	const link = createLink();
	try {
		dropPorts(link.target, 'udp', ['1-65535' as unknown as number]);
		const result = await coreScanIn(link.scanner, {
			targets: [host(link.targetAddress, 4)],
			ports: '1-5000',
			technique: 'udp',
			timeoutMs: 5000,
			cancelAfterMs: 700,
		});
		assert.equal(result.cancelled, true);
		const leaked = (result.resources ?? []).filter((name) =>
			/UDP|Worker|Message|Timeout|Immediate/i.test(name),
		);
		assert.deepEqual(leaked, [], (result.resources ?? []).join(', '));
	} finally {
		deleteLink(link);
	}
});
