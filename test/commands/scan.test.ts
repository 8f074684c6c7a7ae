import assert from 'node:assert/strict';
import {nobodyCliPath} from '../helpers/nobody-cli.js';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import process from 'node:process';
import {test} from 'node:test';
import {
	createLink,
	createNamespace,
	deleteLink,
	deleteNamespace,
	dropPorts,
	namespaceSkipReason,
	repoRoot,
	runIn,
	startListeners,
} from '../core/scan/helpers/netns.js';

// The built CLI, as users run it (npm test builds first).
const cli = `${repoRoot}dist/cli.js`;
const built = existsSync(cli) ? undefined : 'needs the build (npm run build)';
const skip = built ?? namespaceSkipReason();

function portui(args: string[]): {status: number | null; stdout: string; stderr: string} {
	const result = spawnSync(process.execPath, [cli, 'scan', ...args], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		timeout: 30_000,
	});
	return {status: result.status, stdout: result.stdout, stderr: result.stderr};
}

test('bad input exits 2 with one line naming the bad part', {skip: built}, () => {
	const cases: Array<[string[], RegExp]> = [
		[['10.0.0.300'], /^portui: bad target "10\.0\.0\.300": octet out of range\n$/],
		[
			['127.0.0.1', '-p', '70000'],
			/^portui: bad port "70000": 70000 is out of range 1-65535\n$/,
		],
		[['127.0.0.1', '-p', '10-5'], /^portui: bad port range "10-5"/],
		[['127.0.0.1', '-p', 'abc'], /^portui: bad port "abc"/],
		[['127.0.0.1', '--udp', '--syn'], /^portui: --udp and --syn are different scans/],
		[['127.0.0.1', '-p', '22', '--top', '10'], /^portui: -p and --top both choose ports/],
		[['127.0.0.1', '--top', '0'], /^portui: --top: 0 is out of range/],
		[['127.0.0.1', '--bogus'], /^portui: unknown flag --bogus/],
		[[], /^portui: scan needs a target/],
		[['127.0.0.1', '--exclude', '1.2.3.999'], /^portui: bad target "1\.2\.3\.999"/],
		[['fd00::/64'], /holds 2\^64 addresses/],
	];
	for (const [args, message] of cases) {
		const result = portui(args);
		assert.equal(result.status, 2, args.join(' '));
		assert.match(result.stderr, message, args.join(' '));
		assert.equal(result.stderr.split('\n').length, 2, 'one line');
		assert.equal(result.stdout, '');
	}
});

test(
	'an address outside private ranges is refused without --yes when there is no terminal',
	{skip: built},
	() => {
		const result = portui(['8.8.8.8', '-p', '53']);
		assert.equal(result.status, 2);
		assert.match(
			result.stderr,
			/^portui: refusing to scan 8\.8\.8\.8 \(outside loopback and private ranges\) without --yes/,
		);
	},
);

test('--syn says what is missing when not root', {skip: built}, () => {
	const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
	if (process.geteuid?.() !== 0 || !setpriv) return;
	const result = spawnSync(
		setpriv,
		[
			'--reuid=65534',
			'--regid=65534',
			'--clear-groups',
			process.execPath,
			nobodyCliPath(),
			'scan',
			'127.0.0.1',
			'--syn',
			'-p',
			'22',
		],
		{encoding: 'utf8', timeout: 30_000},
	);
	assert.equal(result.status, 1, result.stderr);
	assert.match(
		result.stderr,
		/SYN scans need root .*; or run a connect scan \(without --syn\)/,
	);
});

test(
	'--json lists non-closed ports with services, counts and scan facts; exit 0',
	{skip, timeout: 60_000},
	async () => {
		const namespace = createNamespace();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			listeners = await startListeners(namespace, {
				tcp: [22, 80, 1500].map((port) => ({address: '127.0.0.1', port})),
			});
			const result = await runIn(namespace, [
				process.execPath,
				cli,
				'scan',
				'localhost',
				'-p',
				'1-2000',
				'--json',
				'--banner',
			]);
			assert.equal(result.code, 0, result.stderr);
			assert.equal(result.stderr, '', 'no progress bar when stderr is not a terminal');
			const json = JSON.parse(result.stdout) as {
				targets: Array<{
					target: string;
					address: string;
					ports: Array<Record<string, unknown>>;
					counts: Record<string, number>;
				}>;
				scan: Record<string, unknown>;
			};
			assert.equal(json.targets.length, 1);
			const [target] = json.targets;
			assert.equal(target.target, 'localhost');
			assert.equal(target.address, '127.0.0.1');
			assert.deepEqual(
				target.ports.map((port) => [port.port, port.protocol, port.state]),
				[
					[22, 'tcp', 'open'],
					[80, 'tcp', 'open'],
					[1500, 'tcp', 'open'],
				],
			);
			assert.equal(target.ports[0].service, 'ssh');
			assert.equal(target.ports[1].service, 'http');
			assert.equal(target.ports[0].banner, 'HELLO portui-test 22');
			assert.deepEqual(target.counts, {open: 3, closed: 1997, filtered: 0});
			assert.equal(json.scan.technique, 'connect');
			assert.equal(json.scan.ports, 2000);
			assert.equal(typeof json.scan.durationMs, 'number');
			assert.ok(!Number.isNaN(Date.parse(json.scan.startedAt as string)));

			const all = await runIn(namespace, [
				process.execPath,
				cli,
				'scan',
				'127.0.0.1',
				'-p',
				'20-23',
				'--json',
				'--all',
			]);
			const listed = (JSON.parse(all.stdout) as typeof json).targets[0].ports.map(
				(port) => `${port.port}:${port.state}`,
			);
			assert.deepEqual(listed, ['20:closed', '21:closed', '22:open', '23:closed']);

			const text = await runIn(namespace, [
				process.execPath,
				cli,
				'scan',
				'127.0.0.1',
				'-p',
				'ssh,http,1500,2000',
			]);
			assert.equal(text.code, 0);
			assert.match(
				text.stdout,
				/^127\.0\.0\.1\n {2}PORT +STATE +SERVICE\n {2}22\/tcp +open +ssh\n {2}80\/tcp +open +http\n {2}1500\/tcp +open/,
			);
			assert.match(text.stdout, /\(1 closed not shown\)/);
			assert.match(
				text.stdout,
				/Scanned 1 host, 4 TCP ports each, in [\d.]+ s: 3 open, 1 closed, 0 filtered\n$/,
			);
		} finally {
			await listeners?.stop();
			deleteNamespace(namespace);
		}
	},
);

test(
	'a host that does not resolve makes the exit code 1, others are still scanned',
	{skip, timeout: 60_000},
	async () => {
		const namespace = createNamespace();
		try {
			const result = await runIn(namespace, [
				process.execPath,
				cli,
				'scan',
				'nosuch.invalid',
				'127.0.0.1',
				'-p',
				'1-100',
				'--json',
			]);
			assert.equal(result.code, 1, result.stderr);
			const json = JSON.parse(result.stdout) as {
				targets: Array<{target: string; error?: string; counts: {closed: number}}>;
			};
			assert.equal(json.targets[0].target, 'nosuch.invalid');
			assert.equal(json.targets[0].error, 'cannot resolve host name');
			assert.equal(json.targets[1].counts.closed, 100);
		} finally {
			deleteNamespace(namespace);
		}
	},
);

test(
	'Ctrl-C exits 130 after printing what was found so far',
	{skip, timeout: 60_000},
	async () => {
		const link = createLink();
		let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
		try {
			listeners = await startListeners(link.target, {
				tcp: [{address: link.targetAddress, port: 22}],
			});
			dropPorts(link.target, 'tcp', [23, 24, 25]);
			let sent = false;
			const result = await runIn(
				link.scanner,
				[
					process.execPath,
					cli,
					'scan',
					link.targetAddress,
					'-p',
					'22-100',
					'--rate',
					'2',
					'--json',
				],
				{
					onSpawn: (child) => {
						// Port 22 is probed first; at 2 probes a second the rest takes 40 s.
						setTimeout(() => {
							sent = child.kill('SIGINT');
						}, 4000);
					},
				},
			);
			assert.ok(
				sent,
				`exited before Ctrl-C: ${result.code} ${result.stderr} ${result.stdout.slice(0, 300)}`,
			);
			assert.equal(result.code, 130, result.stderr);
			const json = JSON.parse(result.stdout) as {
				targets: Array<{
					ports: Array<{port: number; state: string}>;
					counts: Record<string, number>;
				}>;
				scan: {cancelled?: boolean};
			};
			assert.deepEqual(json.targets[0].ports[0], {
				port: 22,
				protocol: 'tcp',
				state: 'open',
				service: 'ssh',
			});
			const counted = Object.values(json.targets[0].counts).reduce(
				(sum, count) => sum + count,
				0,
			);
			assert.ok(counted < 79, `only part of the ports were scanned (${counted})`);
			assert.equal(json.scan.cancelled, true);
		} finally {
			await listeners?.stop();
			deleteLink(link);
		}
	},
);

test('the progress line shows bar, percentage, counts, rate, ETA and elapsed within the width', async () => {
	const {progressLine} = await import('../../source/commands/scan.js');
	const line = progressLine(
		{
			hosts: [],
			done: 32_768,
			total: 65_536,
			open: 3,
			rate: 10_000,
			elapsedMs: 3277,
			etaMs: 3277,
		},
		100,
	);
	assert.match(
		line,
		/^\[#+-+\] +50% 32768\/65536 · 3 open · 10000\/s · ETA 3\.28 s · 3\.28 s$/,
	);
	assert.ok(
		progressLine({hosts: [], done: 0, total: 10, open: 0, rate: 0, elapsedMs: 0}, 40)
			.length < 40,
	);
});
