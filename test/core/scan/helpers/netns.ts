/**
 * Network namespaces for scan tests and the bench: their loopback holds only
 * what the test starts there, and a veth pair between two of them carries
 * test-only addresses that exist nowhere else. Everything is deleted by
 * `dispose()`, which callers run in `finally`.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import process from 'node:process';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Why namespace tests cannot run here, or undefined when they can. */
export function namespaceSkipReason(): string | undefined {
	if (process.geteuid?.() !== 0)
		return 'needs root to create network namespaces (CI runs as root)';
	try {
		execFileSync('ip', ['-V'], {stdio: 'ignore'});
	} catch {
		return 'needs iproute2 (ip)';
	}
	return undefined;
}

function ip(...args: string[]): void {
	execFileSync('ip', args, {stdio: ['ignore', 'ignore', 'pipe']});
}

export type Namespace = {name: string};

export function createNamespace(): Namespace {
	const name = `portui-test-${randomBytes(4).toString('hex')}`;
	ip('netns', 'add', name);
	ip('-n', name, 'link', 'set', 'lo', 'up');
	return {name};
}

export function deleteNamespace(namespace: Namespace): void {
	try {
		ip('netns', 'del', namespace.name);
	} catch {
		// Already gone.
	}
}

/** Two namespaces joined by a veth pair: scanner 10.254.N.1, target 10.254.N.2 (/30). */
export type Link = {
	scanner: Namespace;
	target: Namespace;
	scannerAddress: string;
	targetAddress: string;
};

export function createLink(): Link {
	const scanner = createNamespace();
	const target = createNamespace();
	const tag = randomBytes(3).toString('hex');
	const subnet = Math.floor(Math.random() * 250) + 1;
	const scannerAddress = `10.254.${subnet}.1`;
	const targetAddress = `10.254.${subnet}.2`;
	try {
		ip(
			'link',
			'add',
			`pa${tag}`,
			'netns',
			scanner.name,
			'type',
			'veth',
			'peer',
			'name',
			`pb${tag}`,
			'netns',
			target.name,
		);
		ip('-n', scanner.name, 'addr', 'add', `${scannerAddress}/30`, 'dev', `pa${tag}`);
		ip('-n', target.name, 'addr', 'add', `${targetAddress}/30`, 'dev', `pb${tag}`);
		ip('-n', scanner.name, 'link', 'set', `pa${tag}`, 'up');
		ip('-n', target.name, 'link', 'set', `pb${tag}`, 'up');
	} catch (error) {
		deleteLink({scanner, target, scannerAddress, targetAddress});
		throw error;
	}
	return {scanner, target, scannerAddress, targetAddress};
}

export function deleteLink(link: Link): void {
	deleteNamespace(link.scanner);
	deleteNamespace(link.target);
}

/** Drops incoming packets to these ports in a namespace (nftables), so they look filtered. */
export function dropPorts(
	namespace: Namespace,
	protocol: 'tcp' | 'udp',
	ports: number[],
): void {
	const rules = `table inet portuitest {
	chain input {
		type filter hook input priority 0; policy accept;
		${protocol} dport { ${ports.join(', ')} } drop
	}
}
`;
	execFileSync('ip', ['netns', 'exec', namespace.name, 'nft', '-f', '-'], {
		input: rules,
		stdio: ['pipe', 'ignore', 'pipe'],
	});
}

/** Starts the listener fixture in a namespace; resolves with the ports it bound once ready. */
export async function startListeners(
	namespace: Namespace,
	spec: {
		tcp?: Array<{address: string; port: number}>;
		udp?: Array<{address: string; port: number}>;
	},
): Promise<{
	child: ChildProcess;
	tcp: number[];
	udp: number[];
	stop: () => Promise<void>;
}> {
	const child = spawn(
		'ip',
		[
			'netns',
			'exec',
			namespace.name,
			process.execPath,
			`${repoRoot}test/fixtures/scan/listen.mjs`,
			JSON.stringify(spec),
		],
		{stdio: ['pipe', 'pipe', 'inherit']},
	);
	const ready = await new Promise<{tcp: number[]; udp: number[]}>((resolve, reject) => {
		let text = '';
		child.stdout?.setEncoding('utf8');
		child.stdout?.on('data', (chunk: string) => {
			text += chunk;
			const line = text.split('\n').find((candidate) => candidate.startsWith('READY '));
			if (line) resolve(JSON.parse(line.slice(6)) as {tcp: number[]; udp: number[]});
		});
		child.once('exit', (code) =>
			reject(new Error(`listener fixture exited with ${code}`)),
		);
		child.once('error', reject);
	});
	const stop = async (): Promise<void> => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		await exited;
	};
	return {child, ...ready, stop};
}

/** Runs a command inside a namespace and returns its exit code and output (bounded in time). */
export async function runIn(
	namespace: Namespace,
	command: string[],
	options: {
		timeoutMs?: number;
		onSpawn?: (child: ChildProcess) => void;
		env?: NodeJS.ProcessEnv;
	} = {},
): Promise<{
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}> {
	const child = spawn('ip', ['netns', 'exec', namespace.name, ...command], {
		stdio: ['ignore', 'pipe', 'pipe'],
		cwd: repoRoot,
		env: options.env ?? process.env,
	});
	options.onSpawn?.(child);
	let stdout = '';
	let stderr = '';
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
	return new Promise((resolve, reject) => {
		child.once('error', reject);
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, signal, stdout, stderr});
		});
	});
}

/** `node --import tsx test/fixtures/scan/scan-json.ts OPTIONS` inside a namespace: the core scan's results as JSON. */
export async function coreScanIn(
	namespace: Namespace,
	options: Record<string, unknown>,
	timeoutMs = 120_000,
): Promise<CoreScanOutput> {
	const result = await runIn(
		namespace,
		[
			process.execPath,
			'--import',
			'tsx',
			`${repoRoot}test/fixtures/scan/scan-json.ts`,
			JSON.stringify(options),
		],
		{timeoutMs},
	);
	if (result.code !== 0)
		throw new Error(
			`scan fixture failed (${result.code ?? result.signal}): ${result.stderr}`,
		);
	return JSON.parse(result.stdout) as CoreScanOutput;
}

export type CoreScanOutput = {
	states: Record<string, Record<string, string>>;
	counts: Array<Record<string, number>>;
	backend?: string;
	cancelled: boolean;
	resources?: string[];
	durationMs: number;
	progressEvents: number;
};
