/**
 * `portui who` through the built binary (run `npm run build` first; `npm
 * test` does): exit codes, the text and the JSON shape, against real
 * listeners this test starts.
 */
import {nobodyCliPath} from '../helpers/nobody-cli.js';
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {readListeners} from '../../source/core/sockets/reader.js';
import {freeLoopbackPort, startHolder, startTarget} from '../helpers/holder.js';
import {namespacesUnavailable, startPidNamespace} from '../helpers/pid-namespace.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A port no socket on any address uses (free on loopback, and absent from the listener table). */
async function unusedPort(): Promise<number> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const port = await freeLoopbackPort();
		if (!readListeners().listeners.some((listener) => listener.port === port))
			return port;
	}
	throw new Error('no unused port found');
}

const who = async (...args: string[]) =>
	execa(process.execPath, [CLI, 'who', ...args], {
		reject: false,
		stdin: 'ignore',
		env: {CI: 'true', COLUMNS: '120'},
	});

test('dist/cli.js is built', () => {
	assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
});

test('who PORT --json: the listener, its holder and sharer, with the documented shape', async (t) => {
	const target = await startTarget();
	t.after(() => target.close());
	const holder = await startHolder({
		targetPort: target.port,
		connections: 2,
		share: true,
	});
	t.after(() => holder.stop());
	const result = await who(String(holder.port), '--json');
	assert.equal(result.exitCode, 0, result.stderr);
	const json = JSON.parse(result.stdout) as {
		port: number;
		listeners: Array<Record<string, unknown>>;
		processes: Array<Record<string, unknown>>;
	};
	assert.deepEqual(Object.keys(json), ['port', 'listeners', 'processes']);
	assert.equal(json.port, holder.port);
	// Only our listener counts: other programs may hold the same port number on other addresses.
	json.listeners = json.listeners.filter((listener) => listener.address === '127.0.0.1');
	assert.equal(json.listeners.length, 1);
	assert.deepEqual(Object.keys(json.listeners[0]!), [
		'protocol',
		'family',
		'address',
		'port',
		'state',
		'inode',
		'uid',
		'user',
		'pid',
		'process',
		'command',
		'processes',
	]);
	assert.equal(json.listeners[0]!.address, '127.0.0.1');
	assert.equal(json.listeners[0]!.pid, Math.min(holder.pid, holder.sharer!));
	const main = json.processes.find((entry) => entry.pid === holder.pid);
	const sharer = json.processes.find((entry) => entry.pid === holder.sharer);
	assert.ok(main && sharer, result.stdout);
	assert.deepEqual(Object.keys(main), [
		'pid',
		'ppid',
		'user',
		'name',
		'command',
		'exe',
		'cwd',
		'startedAt',
		'uptimeSeconds',
		'rssBytes',
		'unit',
		'container',
		'ancestry',
		'connections',
		'warnings',
	]);
	assert.equal(main.ppid, process.pid);
	assert.equal(main.connections, 2);
	assert.equal(sharer.connections, 0);
	assert.equal(sharer.ppid, holder.pid);
	assert.equal(main.name, 'node');
	assert.match(main.command as string, /holder\.mjs$/);
	assert.ok(Math.abs(Date.parse(main.startedAt as string) - holder.spawnedAtMs) < 5000);
	assert.equal(typeof main.uptimeSeconds, 'number');
	assert.ok((main.rssBytes as number) > 0);
	assert.equal(main.container, null);
	const ancestry = main.ancestry as Array<{pid: number; name: string}>;
	assert.equal(ancestry.at(-1)?.pid, process.pid);
	assert.ok(!(main.warnings as string[]).includes('bound-all-interfaces'));
});

test('who PORT: readable text; all interfaces are warned about', async (t) => {
	const holder = await startHolder({host: '0.0.0.0'});
	t.after(() => holder.stop());
	const result = await who(String(holder.port));
	assert.equal(result.exitCode, 0, result.stderr);
	assert.match(result.stdout, /^PROTO\s+ADDRESS\s+PORT\s+STATE/m);
	assert.match(
		result.stdout,
		new RegExp(`^tcp\\s+0\\.0\\.0\\.0\\s+${holder.port}\\s+LISTEN`, 'm'),
	);
	assert.match(result.stdout, new RegExp(`^node \\(pid ${holder.pid}\\)$`, 'm'));
	assert.match(result.stdout, /^ {2}! bound to all interfaces/m);
	assert.match(result.stdout, /^ {2}command\s+\S+ \S+holder\.mjs$/m);
	assert.match(
		result.stdout,
		new RegExp(`^ {2}parent\\s+\\S+ \\(pid ${process.pid}\\)$`, 'm'),
	);
	assert.match(result.stdout, /^ {2}sockets\s+1 listening, 0 established$/m);
	// Long values wrap under their label.
	const unwrapped = result.stdout.replace(/\n {13}/g, ' ');
	assert.match(
		unwrapped,
		new RegExp(`^ {2}ancestry\\s+.*\\(${process.pid}\\) → node\\(${holder.pid}\\)`, 'm'),
	);
	const json = JSON.parse((await who(String(holder.port), '--json')).stdout) as {
		processes: Array<{warnings: string[]}>;
	};
	assert.ok(json.processes[0]!.warnings.includes('bound-all-interfaces'));
});

test('a port nobody holds: a message and exit 1 (JSON: empty lists)', async () => {
	const port = await unusedPort();
	const text = await who(String(port));
	assert.equal(text.exitCode, 1);
	assert.equal(text.stdout, '');
	assert.equal(text.stderr.trim(), `portui: nothing is listening on port ${port}`);
	const json = await who(String(port), '--json');
	assert.equal(json.exitCode, 1);
	assert.deepEqual(JSON.parse(json.stdout), {port, listeners: [], processes: []});
});

test('bad ports and usage: one line on stderr, exit 2', async () => {
	for (const args of [
		['0'],
		['70000'],
		['abc'],
		[''],
		[],
		['80', '81'],
		['80', '--nope'],
	]) {
		const result = await who(...args);
		assert.equal(result.exitCode, 2, `who ${args.join(' ')}: ${result.stderr}`);
		assert.equal(result.stdout, '');
		const lines = result.stderr.trim().split('\n');
		assert.equal(lines.length, 1, result.stderr);
		assert.match(lines[0]!, /^portui: /);
	}
});

test('without root: holders of root sockets are hidden, not a crash', async (t) => {
	const nobody = await execa('id', ['-u', 'nobody'], {reject: false});
	if (process.geteuid?.() !== 0 || nobody.exitCode !== 0) {
		t.skip('needs root and a nobody user to drop privileges');
		return;
	}
	const holder = await startHolder({});
	t.after(() => holder.stop());
	const cli = nobodyCliPath();
	const run = async (...args: string[]) =>
		execa('runuser', ['-u', 'nobody', '--', process.execPath, cli, 'who', ...args], {
			reject: false,
			stdin: 'ignore',
			env: {CI: 'true', COLUMNS: '120'},
		});
	const json = await run(String(holder.port), '--json');
	assert.equal(json.exitCode, 0, json.stderr);
	const parsed = JSON.parse(json.stdout) as {
		listeners: Array<{address: string; pid: number | null; processes: unknown[]}>;
		processes: unknown[];
	};
	const ours = parsed.listeners.filter((listener) => listener.address === '127.0.0.1');
	assert.equal(ours.length, 1);
	assert.equal(ours[0]!.pid, null);
	assert.deepEqual(parsed.processes, []);
	const text = await run(String(holder.port));
	assert.equal(text.exitCode, 0, text.stderr);
	assert.match(text.stdout, /\(hidden: run with sudo\)/);
});

test(
	'who PORT names a PID namespace init: what stops with it, in the text and the JSON',
	{skip: namespacesUnavailable},
	async (t) => {
		const ns = await startPidNamespace('init-catches-term');
		t.after(() => ns.stop());
		const text = await who(String(ns.ports.init));
		assert.equal(text.exitCode, 0, text.stderr);
		assert.match(
			text.stdout,
			/^ {2}! init of a PID namespace: 3 processes stop with it$/m,
		);
		const json = await who(String(ns.ports.init), '--json');
		const report = JSON.parse(json.stdout) as {
			processes: Array<{pid: number; warnings: string[]}>;
		};
		assert.equal(report.processes[0]!.pid, ns.init);
		assert.ok(report.processes[0]!.warnings.includes('namespace-init'));
	},
);
