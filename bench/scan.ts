/**
 * Scan scenarios, portui against nmap in the same run (wall time of the whole
 * command, medians), each checked for the same answer:
 *   1. TCP 1-65535 on 127.0.0.1 of a private namespace with 10 and with 1,000
 *      open ports: `portui scan -p -` vs `nmap -sT -p- -T4` (same open set).
 *      Goal: ratio <= 1.0.
 *   2. TCP 1-1024 across a veth link, ~10% of ports dropped by nftables:
 *      `portui scan` vs `nmap -n -sT -T4` (same open/closed/filtered).
 *      Goal: ratio <= 0.5.
 *   3. UDP 1-1000 on loopback and across the link vs `nmap -sU` (same
 *      classification). Across the link the target's kernel answers one ICMP
 *      error a second, so this takes ~17 minutes per tool; set
 *      BENCH_UDP_LINK_PORTS (e.g. 1-100) for a shorter run.
 * Everything runs in namespaces the bench creates and deletes. BENCH_VERBOSE=1
 * prints every run.
 */
import {spawn} from 'node:child_process';
import {performance} from 'node:perf_hooks';
import process from 'node:process';
import {parseHostBlock} from '../source/core/scan/nmap.js';
import {parsePorts} from '../source/core/scan/ports.js';
import {
	createLink,
	createNamespace,
	deleteLink,
	deleteNamespace,
	dropPorts,
	namespaceSkipReason,
	repoRoot,
	startListeners,
	type Namespace,
} from '../test/core/scan/helpers/netns.js';

const RUNS = Number(process.env.BENCH_SCAN_RUNS ?? 3);
const cli = `${repoRoot}dist/cli.js`;

type Classification = Map<number, string>;

async function timed(
	namespace: Namespace,
	command: string[],
): Promise<{ms: number; stdout: string}> {
	const started = performance.now();
	const child = spawn('ip', ['netns', 'exec', namespace.name, ...command], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const code = await new Promise<number | null>((resolve) =>
		child.once('close', resolve),
	);
	const ms = performance.now() - started;
	if (code !== 0)
		throw new Error(`${command.join(' ')} exited ${code}: ${stderr.trim()}`);
	return {ms, stdout};
}

function portuiStates(stdout: string, ports: number[]): Classification {
	const json = JSON.parse(stdout) as {
		targets: Array<{ports: Array<{port: number; state: string}>}>;
	};
	const states: Classification = new Map(ports.map((port) => [port, 'closed']));
	for (const entry of json.targets[0].ports) states.set(entry.port, entry.state);
	return states;
}

function nmapStates(stdout: string, ports: number[]): Classification {
	const block = /<host[\s>][\s\S]*?<\/host>/.exec(stdout)?.[0] ?? '';
	const host = parseHostBlock(block);
	const general = host.extra.find((entry) => !entry.ports)?.state ?? 'closed';
	const states: Classification = new Map(ports.map((port) => [port, general]));
	for (const entry of host.extra)
		for (const port of entry.ports ?? []) states.set(port, entry.state);
	for (const entry of host.ports) states.set(entry.port, entry.state);
	return states;
}

function differences(a: Classification, b: Classification): string[] {
	const out: string[] = [];
	for (const [port, state] of a)
		if (b.get(port) !== state) out.push(`${port}: portui ${state}, nmap ${b.get(port)}`);
	return out;
}

function onlyOpen(states: Classification): Classification {
	return new Map([...states].filter(([, state]) => state === 'open'));
}

const median = (values: number[]): number =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function compare(
	label: string,
	namespace: Namespace,
	portui: string[],
	nmap: string[],
	ports: number[],
	{runs = RUNS, openOnly = false}: {runs?: number; openOnly?: boolean} = {},
): Promise<void> {
	const ours: number[] = [];
	const theirs: number[] = [];
	let mismatch: string[] = [];
	for (let run = 0; run < runs; run++) {
		// Alternate who goes first so neither always gets the warmer cache.
		const order = run % 2 === 0 ? ['portui', 'nmap'] : ['nmap', 'portui'];
		const results: Record<string, Classification> = {};
		for (const tool of order) {
			if (tool === 'portui') {
				// The binary as users run it (dist/cli.js through its launcher line).
				const result = await timed(namespace, [cli, 'scan', ...portui, '--json']);
				ours.push(result.ms);
				results.portui = portuiStates(result.stdout, ports);
			} else {
				const result = await timed(namespace, ['nmap', ...nmap, '-oX', '-']);
				theirs.push(result.ms);
				results.nmap = nmapStates(result.stdout, ports);
			}
		}
		const a = openOnly ? onlyOpen(results.portui) : results.portui;
		const b = openOnly ? onlyOpen(results.nmap) : results.nmap;
		mismatch = [
			...mismatch,
			...differences(a, b),
			...differences(b, a).map((line) => `(nmap side) ${line}`),
		];
	}
	const ratio = median(ours) / median(theirs);
	if (process.env.BENCH_VERBOSE)
		process.stdout.write(
			`  runs: portui ${ours.map(Math.round).join(' ')}; nmap ${theirs.map(Math.round).join(' ')}\n`,
		);
	const verdict =
		mismatch.length === 0
			? 'same results'
			: `DIFFERENT: ${mismatch.slice(0, 5).join('; ')}`;
	process.stdout.write(
		`${label}: portui ${Math.round(median(ours))} ms, nmap ${Math.round(median(theirs))} ms, ratio ${ratio.toFixed(2)} (${runs} runs; ${verdict})\n`,
	);
}

async function tcpLoopback(open: number): Promise<void> {
	const namespace = createNamespace();
	let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
	try {
		const step = Math.floor(60_000 / open);
		const wanted = Array.from({length: open}, (_, index) => 1000 + index * step);
		listeners = await startListeners(namespace, {
			tcp: wanted.map((port) => ({address: '127.0.0.1', port})),
		});
		await compare(
			`1. TCP 1-65535, 127.0.0.1, ${open} open`,
			namespace,
			['127.0.0.1', '-p', '-'],
			['-sT', '-p-', '-T4', '-n', '-Pn', '127.0.0.1'],
			parsePorts('-'),
			{openOnly: true},
		);
	} finally {
		await listeners?.stop();
		deleteNamespace(namespace);
	}
}

async function tcpFiltered(): Promise<void> {
	const link = createLink();
	let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
	try {
		const ports = parsePorts('1-1024');
		const dropped = ports.filter((port) => port % 10 === 3);
		const open = [22, 80, 443, 631, 1000];
		listeners = await startListeners(link.target, {
			tcp: open.map((port) => ({address: link.targetAddress, port})),
		});
		dropPorts(link.target, 'tcp', dropped);
		await compare(
			`2. TCP 1-1024 over veth, ${dropped.length} dropped`,
			link.scanner,
			[link.targetAddress, '-p', '1-1024', '--all'],
			['-n', '-sT', '-T4', '-Pn', '-p1-1024', link.targetAddress],
			ports,
		);
	} finally {
		await listeners?.stop();
		deleteLink(link);
	}
}

async function udp(): Promise<void> {
	const ports = parsePorts('1-1000');
	const namespace = createNamespace();
	let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
	try {
		listeners = await startListeners(namespace, {
			udp: [53, 123, 500, 999].map((port) => ({address: '127.0.0.1', port})),
		});
		await compare(
			'3a. UDP 1-1000, loopback',
			namespace,
			['127.0.0.1', '--udp', '-p', '1-1000', '--all'],
			['-sU', '-n', '-Pn', '-p1-1000', '127.0.0.1'],
			ports,
		);
	} finally {
		await listeners?.stop();
		deleteNamespace(namespace);
	}
	const linkPorts = process.env.BENCH_UDP_LINK_PORTS ?? '1-1000';
	const link = createLink();
	try {
		const spec = parsePorts(linkPorts, 'udp');
		const first = spec[0];
		listeners = await startListeners(link.target, {
			udp: [{address: link.targetAddress, port: first + 1}],
		});
		dropPorts(link.target, 'udp', [first + 3]);
		await compare(
			`3b. UDP ${linkPorts}, over veth (kernel ICMP rate limit)`,
			link.scanner,
			[link.targetAddress, '--udp', '-p', linkPorts, '--all'],
			['-sU', '-n', '-Pn', `-p${linkPorts}`, link.targetAddress],
			spec,
			{runs: 1},
		);
	} finally {
		await listeners?.stop();
		deleteLink(link);
	}
}

export async function bench(): Promise<void> {
	const skip = namespaceSkipReason();
	if (skip) {
		process.stdout.write(`scan scenarios skipped: ${skip}\n`);
		return;
	}
	const only = process.env.BENCH_SCAN_ONLY;
	if (!only || only.includes('1')) {
		if (!process.env.BENCH_SCAN_1000_ONLY) await tcpLoopback(10);
		await tcpLoopback(1000);
	}
	if (!only || only.includes('2')) await tcpFiltered();
	if (!only || only.includes('3')) await udp();
}
