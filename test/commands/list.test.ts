import {test, after} from 'node:test';
import {nobodyCliPath} from '../helpers/nobody-cli.js';
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {once} from 'node:events';
import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {
	filterListeners,
	formatListTable,
	hiddenHint,
	pidCell,
	sortListeners,
} from '../../source/commands/list.js';
import {encodeListenersJson, listenerToJson} from '../../source/core/sockets/json.js';
import type {Holder, Listener} from '../../source/core/sockets/listener.js';
import {
	bindUdp,
	listenTcp,
	runCleanup,
	type Cleanup,
} from '../helpers/socket-children.js';

const cleanup: Cleanup = [];
after(() => runCleanup(cleanup));

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

function runCli(args: string[], prefix: string[] = [], cliPath = cli) {
	assert.ok(existsSync(cli), 'dist/cli.js is built by npm test (npm run build)');
	const argv = [...prefix, process.execPath, cliPath, ...args];
	const result = spawnSync(argv[0]!, argv.slice(1), {
		encoding: 'utf8',
		env: {...process.env, CI: 'true'},
		// The machine may have thousands of listeners: the JSON can be megabytes.
		maxBuffer: 1 << 28,
	});
	return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

const holder = (pid: number, name = 'nginx'): Holder => ({
	pid,
	name,
	command: `${name}: worker process`,
	uid: 33,
	user: 'www-data',
	startTicks: 1,
	startedAtMs: 1_000_000,
});

const listener = (overrides: Partial<Listener>): Listener => ({
	protocol: 'tcp',
	family: 4,
	address: '0.0.0.0',
	port: 80,
	state: 'LISTEN',
	inode: 1,
	uid: 0,
	user: 'root',
	processes: [],
	processesHidden: false,
	...overrides,
});

test('table: columns, service names, several holders as pid,+N, hidden owners as ?', () => {
	const rows = [
		listener({processes: [holder(100), holder(101), holder(102)]}),
		listener({
			protocol: 'udp',
			port: 53,
			state: 'UNCONN',
			family: 6,
			address: '::1',
			processesHidden: true,
			uid: 101,
			user: 'systemd-resolve',
		}),
	];
	const text = formatListTable(rows, 1_000_000 + 3_600_000);
	const lines = text.trimEnd().split('\n');
	assert.match(
		lines[0]!,
		/^PROTO\s+ADDRESS\s+PORT\s+SERVICE\s+PID\s+PROCESS\s+USER\s+AGE\s+COMMAND$/,
	);
	assert.match(
		lines[1]!,
		/^tcp\s+0\.0\.0\.0\s+80\s+http\s+100,\+2\s+nginx\s+www-data\s+1h\s+nginx: worker process$/,
	);
	assert.match(lines[2]!, /^udp\s+::1\s+53\s+domain\s+\?\s+systemd-resolve$/);
	assert.equal(pidCell(listener({})), '-');
});

test('filters and order', () => {
	const all = [
		listener({port: 443, inode: 1}),
		listener({protocol: 'udp', port: 53, inode: 2, state: 'UNCONN'}),
		listener({port: 80, family: 6, address: '::', inode: 3}),
		listener({port: 80, inode: 4}),
	];
	assert.deepEqual(
		sortListeners(all).map((l) => l.inode),
		[4, 3, 1, 2],
	);
	assert.deepEqual(
		filterListeners(all, {protocols: ['udp']}).map((l) => l.inode),
		[2],
	);
	assert.deepEqual(
		filterListeners(all, {port: 80}).map((l) => l.inode),
		[3, 4],
	);
	assert.deepEqual(
		filterListeners(all, {family: 6}).map((l) => l.inode),
		[3],
	);
	assert.deepEqual(filterListeners(all, {}).length, 4);
});

test('JSON written in chunks joins into one valid array', () => {
	const json = (listeners: Listener[]): string => {
		let text = '';
		encodeListenersJson(
			listeners,
			(chunk) => (text += Buffer.from(chunk).toString('utf8')),
		);
		return text;
	};
	const many = Array.from({length: 2345}, (_, index) => listener({inode: index + 1}));
	const parsed = JSON.parse(json(many)) as Array<{inode: number}>;
	assert.equal(parsed.length, 2345);
	assert.equal(parsed[2344]!.inode, 2345);
	assert.equal(json([]), '[]\n');
	assert.deepEqual(JSON.parse(json(many.slice(0, 1))), [
		JSON.parse(JSON.stringify(listenerToJson(many[0]!))),
	]);
});

test('the hint names the hidden count only when not root', () => {
	const base = {listeners: [], takenAtMs: 0, isRoot: false, hiddenCount: 3};
	assert.equal(
		hiddenHint(base),
		'portui: 3 sockets belong to other users; run with sudo to see their processes',
	);
	assert.equal(
		hiddenHint({...base, hiddenCount: 1}),
		'portui: 1 socket belongs to other users; run with sudo to see their processes',
	);
	assert.equal(hiddenHint({...base, isRoot: true}), undefined);
	assert.equal(hiddenHint({...base, hiddenCount: 0}), undefined);
});

test('portui list --json: the documented shape and key order, filters applied', async () => {
	const tcp = await listenTcp(cleanup, '127.0.0.1');
	const udp = await bindUdp(cleanup, 'udp6', '::1');
	const result = runCli(['list', '--json', '--port', String(tcp.port)]);
	assert.equal(result.code, 0, result.stderr);
	const parsed = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
	assert.equal(parsed.length, 1);
	const [entry] = parsed;
	assert.deepEqual(Object.keys(entry!), [
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
	assert.equal(entry!.protocol, 'tcp');
	assert.equal(entry!.family, 4);
	assert.equal(entry!.address, '127.0.0.1');
	assert.equal(entry!.port, tcp.port);
	assert.equal(entry!.state, 'LISTEN');
	assert.equal(entry!.pid, process.pid);
	assert.equal(entry!.user, 'root');
	assert.deepEqual(Object.keys((entry!.processes as object[])[0]!), [
		'pid',
		'name',
		'command',
		'user',
	]);

	const udpOnly = JSON.parse(runCli(['list', '--json', '--udp', '--6']).stdout) as Array<{
		port: number;
		protocol: string;
		family: number;
	}>;
	assert.ok(udpOnly.some((l) => l.port === udp.port));
	assert.ok(udpOnly.every((l) => l.protocol === 'udp' && l.family === 6));
	const tcp4Only = JSON.parse(
		runCli(['list', '--json', '--tcp', '--4']).stdout,
	) as Array<{port: number; protocol: string; family: number}>;
	assert.ok(tcp4Only.some((l) => l.port === tcp.port));
	assert.ok(tcp4Only.every((l) => l.protocol === 'tcp' && l.family === 4));
});

test('portui list prints the table with our listener', async () => {
	const tcp = await listenTcp(cleanup, '127.0.0.1');
	const result = runCli(['list', '--port', String(tcp.port)]);
	assert.equal(result.code, 0, result.stderr);
	const lines = result.stdout.trimEnd().split('\n');
	assert.equal(lines.length, 2);
	assert.match(
		lines[1]!,
		new RegExp(
			`^tcp\\s+127\\.0\\.0\\.1\\s+${tcp.port}\\s+.*${process.pid}\\s+\\S+\\s+root\\s+\\d+[smhd]\\s+`,
		),
	);
});

test('bad flags and values: one line on stderr, exit 2, no stack', () => {
	for (const args of [
		['list', '--bogus'],
		['list', '--port', 'abc'],
		['list', '--port', '70000'],
		['list', '--port', '0'],
		['list', '--port'],
	]) {
		const result = runCli(args);
		assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
		assert.equal(result.stdout, '');
		assert.match(result.stderr, /^portui: .+\n$/, args.join(' '));
		assert.doesNotMatch(result.stderr, /\n\s+at /);
	}
});

test('--help and --version', () => {
	const help = runCli(['list', '--help']);
	assert.equal(help.code, 0);
	assert.match(help.stdout, /--port N/);
	const version = runCli(['list', '--version']);
	assert.equal(version.code, 0);
	assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});

test('as nobody: root-owned listeners are listed without processes, with one hint line', async (t) => {
	if (!existsSync('/usr/bin/setpriv') && !existsSync('/bin/setpriv')) {
		t.skip('setpriv is not installed');
		return;
	}
	if (process.getuid?.() !== 0) {
		t.skip('needs root to switch to nobody');
		return;
	}
	const tcp = await listenTcp(cleanup, '127.0.0.1');
	const result = runCli(
		['list', '--json'],
		['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'],
		nobodyCliPath(),
	);
	assert.equal(result.code, 0, result.stderr);
	const entries = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
	const mine = entries.filter(
		(entry) => entry.port === tcp.port && entry.protocol === 'tcp',
	);
	assert.equal(mine.length, 1);
	assert.equal(mine[0]!.user, 'root');
	assert.equal(mine[0]!.uid, 0);
	assert.equal(mine[0]!.pid, null);
	assert.equal(mine[0]!.process, null);
	assert.equal(mine[0]!.command, null);
	assert.deepEqual(mine[0]!.processes, []);
	const lines = result.stderr.split('\n').filter((line) => line !== '');
	assert.equal(lines.length, 1, result.stderr);
	assert.match(
		lines[0]!,
		/^portui: \d+ sockets? belongs? to other users; run with sudo to see their processes$/,
	);
});

test('a reader that stops early (portui list | head) ends it quietly', async () => {
	// Enough output to overflow a pipe buffer: 600 listeners of ours.
	for (let index = 0; index < 600; index++) await listenTcp(cleanup, '127.0.0.1');
	const child = spawn(process.execPath, [cli, 'list', '--json'], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	await once(child.stdout, 'data');
	child.stdout.destroy();
	const [code] = (await once(child, 'exit')) as [number | null];
	assert.equal(code, 0, stderr);
	assert.doesNotMatch(stderr, /EPIPE|\n\s+at /);
});

test('the build bundles the cold list into one CommonJS file, and it finds the addon and meow', () => {
	const bundle = fileURLToPath(new URL('../../dist/commands/list.cjs', import.meta.url));
	assert.ok(existsSync(bundle), 'npm run build makes dist/commands/list.cjs');
	const list = createRequire(import.meta.url)(bundle) as Record<string, unknown>;
	for (const name of ['run', 'startListenerRead', 'exitNow', 'loadAddon'])
		assert.equal(typeof list[name], 'function', name);
	// The bundle's own copy of the addon loader finds build/Release from dist/commands.
	assert.ok((list.loadAddon as () => unknown)(), 'the bundled list loads the addon');
	// --help goes through meow, an ES module the bundle imports on demand.
	const help = spawnSync(process.execPath, [cli, 'list', '--help'], {encoding: 'utf8'});
	assert.equal(help.status, 0, help.stderr);
	assert.match(help.stdout, /\$ portui list \[options\]/);
	const wrong = spawnSync(process.execPath, [cli, 'list', '--bogus'], {encoding: 'utf8'});
	assert.equal(wrong.status, 2);
	assert.equal(wrong.stderr, 'portui: unknown flag --bogus (see portui list --help)\n');
});
