import assert from 'node:assert/strict';
import {test} from 'node:test';
import {
	coreScanIn,
	createLink,
	createNamespace,
	deleteLink,
	deleteNamespace,
	dropPorts,
	namespaceSkipReason,
	runIn,
	startListeners,
} from './helpers/netns.js';

const skip = namespaceSkipReason();
const allPorts = '1-65535';
const host = (address: string, family: 4 | 6) => ({target: address, address, family});

function openPorts(states: Record<string, string> | undefined): number[] {
	return Object.entries(states ?? {})
		.filter(([, state]) => state === 'open')
		.map(([port]) => Number(port))
		.sort((a, b) => a - b);
}

test(
	'a full 1-65535 scan of 127.0.0.1 and ::1 finds exactly the listeners, every time',
	{skip, timeout: 240_000},
	async () => {
		const namespace = createNamespace();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			// Ports in the ephemeral range too, where the self-connect trap lives.
			const wanted = [22, 80, 443, 8080, 33_000, 40_000, 45_678, 50_000, 60_000, 65_535];
			listeners = await startListeners(namespace, {
				tcp: [
					...wanted.map((port) => ({address: '127.0.0.1', port})),
					...[80, 47_000, 61_000].map((port) => ({address: '::1', port})),
				],
			});
			for (let round = 0; round < 3; round++) {
				const result = await coreScanIn(namespace, {
					targets: [host('127.0.0.1', 4), host('::1', 6)],
					ports: allPorts,
					technique: 'connect',
				});
				assert.deepEqual(openPorts(result.states['0']), wanted, `round ${round}: IPv4`);
				assert.deepEqual(
					openPorts(result.states['1']),
					[80, 47_000, 61_000],
					`round ${round}: IPv6`,
				);
				assert.equal(result.counts[0].open + result.counts[0].closed, 65_535);
				assert.equal(result.counts[0].filtered, 0);
				assert.ok(result.progressEvents > 0, 'progress events were emitted');
			}
		} finally {
			await listeners?.stop();
			deleteNamespace(namespace);
		}
	},
);

test(
	'the net.Socket fallback finds the same ports as the bare-handle backend',
	{skip, timeout: 120_000},
	async () => {
		const namespace = createNamespace();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			listeners = await startListeners(namespace, {
				tcp: [1, 5000, 33_333, 40_001].map((port) => ({address: '127.0.0.1', port})),
			});
			const ports = '1,5000,25000-45000';
			for (const backend of ['bare', 'socket']) {
				const result = await coreScanIn(namespace, {
					targets: [host('127.0.0.1', 4)],
					ports,
					technique: 'connect',
					backend,
				});
				assert.deepEqual(
					openPorts(result.states['0']),
					[1, 5000, 33_333, 40_001],
					backend,
				);
			}
		} finally {
			await listeners?.stop();
			deleteNamespace(namespace);
		}
	},
);

test(
	'under ulimit -n 256 with 200 open ports, nothing is missed (no EMFILE losses)',
	{skip, timeout: 120_000},
	async () => {
		const namespace = createNamespace();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			const wanted = Array.from({length: 200}, (_, index) => 20_000 + index * 7);
			listeners = await startListeners(namespace, {
				tcp: wanted.map((port) => ({address: '127.0.0.1', port})),
			});
			const result = await runIn(namespace, [
				'prlimit',
				'--nofile=256:256',
				process.execPath,
				'--import',
				'tsx',
				'test/fixtures/scan/scan-json.ts',
				JSON.stringify({
					targets: [host('127.0.0.1', 4)],
					ports: '1-30000',
					technique: 'connect',
					concurrency: 4000,
				}),
			]);
			assert.equal(result.code, 0, result.stderr);
			const parsed = JSON.parse(result.stdout) as {
				states: Record<string, Record<string, string>>;
			};
			assert.deepEqual(openPorts(parsed.states['0']), wanted);
		} finally {
			await listeners?.stop();
			deleteNamespace(namespace);
		}
	},
);

test(
	'open, closed and filtered are told apart across a veth link with an nftables drop rule',
	{skip, timeout: 120_000},
	async () => {
		const link = createLink();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			const open = [22, 80, 1022];
			const dropped = [23, 81, 443, 1000];
			listeners = await startListeners(link.target, {
				tcp: open.map((port) => ({address: link.targetAddress, port})),
			});
			dropPorts(link.target, 'tcp', dropped);
			const result = await coreScanIn(link.scanner, {
				targets: [host(link.targetAddress, 4)],
				ports: '1-1024',
				technique: 'connect',
			});
			const states = result.states['0'];
			assert.deepEqual(openPorts(states), open);
			const filtered = Object.entries(states)
				.filter(([, state]) => state === 'filtered')
				.map(([port]) => Number(port));
			assert.deepEqual(filtered, dropped);
			assert.deepEqual(result.counts[0], {
				open: 3,
				closed: 1024 - 3 - 4,
				filtered: 4,
				'open|filtered': 0,
			});
		} finally {
			await listeners?.stop();
			deleteLink(link);
		}
	},
);

test(
	'cancelling a scan closes every socket and worker, keeping the results so far',
	{skip, timeout: 60_000},
	async () => {
		const link = createLink();
		try {
			// Everything dropped: probes stay in flight until cancelled.
			dropPorts(link.target, 'tcp', ['1-65535' as unknown as number]);
			const runs = [
				{backend: 'bare', inProcess: false},
				{backend: 'socket', inProcess: false},
				// As the CLI runs it: one share on the calling thread.
				{backend: 'bare', inProcess: true},
			];
			for (const {backend, inProcess} of runs) {
				const result = await coreScanIn(link.scanner, {
					targets: [host(link.targetAddress, 4)],
					ports: allPorts,
					technique: 'connect',
					timeoutMs: 5000,
					backend,
					inProcess,
					cancelAfterMs: 700,
				});
				assert.equal(result.cancelled, true, backend);
				const leaked = (result.resources ?? []).filter((name) =>
					/TCP|UDP|Connect|Worker|Message|Timeout|Immediate/i.test(name),
				);
				assert.deepEqual(
					leaked,
					[],
					`${backend}: active after cancel: ${(result.resources ?? []).join(', ')}`,
				);
			}
		} finally {
			deleteLink(link);
		}
	},
);
