/**
 * The built binary in a real terminal (tmux): the full-screen list starts,
 * shows a listener this test opened, filters to it, quits, and leaves the
 * terminal on the main screen with the shell's text back; SIGTERM restores it
 * too. Also: `portui | cat` prints the table, and a bad --interval is a usage error.
 */
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {fileURLToPath} from 'node:url';
import {once} from 'node:events';
import {Terminal, childrenOf, hasTmux} from '../helpers/tmux.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const skipTmux =
	hasTmux || process.env.CI === 'true' ? false : 'tmux is not installed (CI installs it)';

const servers: Server[] = [];
after(async () => {
	await Promise.all(
		servers.map(async (server) => new Promise((resolve) => server.close(resolve))),
	);
});

function ensureBuilt(): void {
	if (existsSync(cli)) return;
	const result = spawnSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
	assert.equal(result.status, 0, 'npm run build');
}

async function openListener(): Promise<number> {
	const server = createServer();
	servers.push(server);
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const address = server.address();
	assert.ok(address && typeof address === 'object');
	return address.port;
}

/** Lines of the list table (protocol column first). */
function tableRows(screen: string): string[] {
	return screen.split('\n').filter((line) => /^(tcp|udp)[46] /.test(line));
}

async function launch(terminal: Terminal): Promise<void> {
	terminal.start();
	await terminal.waitFor((screen) => screen.includes('$'), 'a shell prompt');
	terminal.type('echo BEFORE-PORTUI-MARKER');
	terminal.key('Enter');
	await terminal.waitFor(
		(screen) => screen.split('\n').some((line) => line === 'BEFORE-PORTUI-MARKER'),
		'the marker',
	);
	terminal.type(`node ${cli}; echo "PORTUI-EXIT=$?"`);
	terminal.key('Enter');
	// The machine may hold thousands of listeners: wait for the table, not for our row.
	await terminal.waitFor(
		(screen) => /PORT/.test(screen) && /^\d+\/\d+ │ TCP\+UDP/m.test(screen),
		'the list of listeners',
	);
	assert.equal(terminal.alternateOn(), '1', 'portui runs on the alternate screen');
}

function assertRestored(terminal: Terminal, screen: string): void {
	assert.equal(terminal.alternateOn(), '0', 'back on the main screen');
	assert.ok(
		screen.includes('BEFORE-PORTUI-MARKER'),
		'the shell text from before is visible',
	);
	assert.ok(!screen.includes('PROTO'), 'no table left on the main screen');
}

test(
	'the list starts, shows our listener, filters to it with /, and q restores the terminal',
	{skip: skipTmux, timeout: 90_000},
	async () => {
		ensureBuilt();
		const port = await openListener();
		const terminal = new Terminal();
		try {
			await launch(terminal);
			terminal.type('/');
			terminal.type(String(port));
			const filtered = await terminal.waitFor(
				(screen) => screen.includes(`/${port}`) && tableRows(screen).length === 1,
				'only our listener after filtering',
			);
			const [row] = tableRows(filtered);
			assert.match(row!, new RegExp(`^tcp4 +127\\.0\\.0\\.1 +${port} `));
			assert.match(row!, new RegExp(`\\b${process.pid}\\b`), 'held by this test process');
			terminal.key('Enter');
			terminal.type('q');
			const screen = await terminal.waitFor(
				(text) => /^PORTUI-EXIT=\d+$/m.test(text),
				'the shell after quitting',
			);
			assert.match(screen, /PORTUI-EXIT=0/);
			assertRestored(terminal, screen);
		} finally {
			terminal.stop();
		}
	},
);

test(
	'SIGTERM to portui restores the terminal',
	{skip: skipTmux, timeout: 90_000},
	async () => {
		ensureBuilt();
		const terminal = new Terminal();
		try {
			await launch(terminal);
			const [pid] = childrenOf(terminal.panePid());
			assert.ok(pid, 'portui runs under the shell');
			process.kill(pid, 'SIGTERM');
			const screen = await terminal.waitFor(
				(text) => /^PORTUI-EXIT=\d+$/m.test(text),
				'the shell after SIGTERM',
			);
			assert.match(screen, /PORTUI-EXIT=143/);
			assertRestored(terminal, screen);
		} finally {
			terminal.stop();
		}
	},
);

test('with stdout not a terminal, portui prints the list table (portui | cat)', async () => {
	ensureBuilt();
	const port = await openListener();
	const result = spawnSync(process.execPath, [cli], {
		encoding: 'utf8',
		// A machine with 10,000 listeners prints more than spawnSync's 1 MB default.
		maxBuffer: 256 * 1024 * 1024,
		env: {...process.env, CI: 'false'},
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	assert.equal(result.status, 0, result.stderr);
	assert.ok(!result.stdout.includes('\u001B[?1049h'), 'no alternate screen');
	assert.match(result.stdout, /^PROTO +ADDRESS +PORT/);
	assert.match(result.stdout, new RegExp(`tcp +127\\.0\\.0\\.1 +${port} `));
	const udpOnly = spawnSync(process.execPath, [cli, '--udp'], {
		encoding: 'utf8',
		maxBuffer: 256 * 1024 * 1024,
	});
	assert.equal(udpOnly.status, 0, udpOnly.stderr);
	assert.ok(!udpOnly.stdout.includes(` ${port} `), '--udp leaves our TCP listener out');
});

test('a bad --interval or an unknown flag is a one-line usage error (exit 2)', () => {
	ensureBuilt();
	for (const args of [
		['--interval', 'abc'],
		['--interval', '0'],
		['--interval', '-1'],
		['--bogus'],
	]) {
		const result = spawnSync(process.execPath, [cli, ...args], {encoding: 'utf8'});
		assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
		assert.match(result.stderr, /^portui: .+\n$/);
	}
	const help = spawnSync(process.execPath, [cli, '--help'], {encoding: 'utf8'});
	assert.equal(help.status, 0);
	assert.match(help.stdout, /--interval SECONDS/);
});
