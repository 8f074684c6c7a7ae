import assert from 'node:assert/strict';
import {test} from 'node:test';
import {
	findExecutable,
	parseHostBlock,
	portRanges,
} from '../../../source/core/scan/nmap.js';
import {
	coreScanIn,
	createNamespace,
	deleteNamespace,
	namespaceSkipReason,
	startListeners,
} from './helpers/netns.js';

const skip =
	namespaceSkipReason() ??
	(findExecutable('nmap') ? undefined : 'needs nmap (CI installs it)');
const host = (address: string) => ({target: address, address, family: 4 as const});

test('nmap XML host blocks and port ranges', () => {
	assert.equal(portRanges([5, 1, 2, 3, 9, 10]), '1-3,5,9-10');
	const block = `<host starttime="1" endtime="2"><status state="up" reason="user-set" reason_ttl="0"/>
<address addr="127.0.0.1" addrtype="ipv4"/>
<ports><extraports state="closed" count="3">
<extrareasons reason="reset" count="2" proto="tcp" ports="1-2"/>
</extraports>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" method="table" conf="3"/></port>
<port protocol="tcp" portid="25"><state state="filtered" reason="no-response" reason_ttl="0"/></port>
</ports></host>`;
	assert.deepEqual(parseHostBlock(block), {
		address: '127.0.0.1',
		up: true,
		ports: [
			{port: 22, state: 'open', reason: 'syn-ack'},
			{port: 25, state: 'filtered', reason: 'no-response'},
		],
		extra: [{state: 'closed', ports: [1, 2]}],
	});
});

test(
	'SYN scan through real nmap finds the same open set as the connect scan',
	{skip, timeout: 120_000},
	async () => {
		const namespace = createNamespace();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			const wanted = [21, 22, 80, 3306, 8080, 40_000];
			listeners = await startListeners(namespace, {
				tcp: wanted.map((port) => ({address: '127.0.0.1', port})),
			});
			const options = {targets: [host('127.0.0.1')], ports: '1-10000,40000'};
			const syn = await coreScanIn(namespace, {...options, technique: 'syn'});
			const connect = await coreScanIn(namespace, {...options, technique: 'connect'});
			const open = (states: Record<string, string> | undefined) =>
				Object.entries(states ?? {})
					.filter(([, state]) => state === 'open')
					.map(([port]) => Number(port))
					.sort((a, b) => a - b);
			assert.deepEqual(open(syn.states['0']), wanted);
			assert.deepEqual(open(connect.states['0']), wanted);
			assert.equal(syn.counts[0].closed, 10_001 - wanted.length);
		} finally {
			await listeners?.stop();
			deleteNamespace(namespace);
		}
	},
);
