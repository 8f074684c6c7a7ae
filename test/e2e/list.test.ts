/**
 * The built binary in a real terminal (tmux): the full-screen list starts,
 * shows a listener this test opened, filters to it, quits, and leaves the
 * terminal on the main screen with the shell's text back; SIGTERM restores it
 * too. Also: `portui | cat` prints the table, and a bad --interval is a usage error.
 */
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync, execFileSync} from 'node:child_process';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {fileURLToPath} from 'node:url';
import {once} from 'node:events';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
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

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A private tmux server running one interactive shell in a 100x30 terminal. */
class Terminal {
	readonly socket = `portui-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	start(): void {
		this.tmux(
			'-f',
			'/dev/null',
			'new-session',
			'-d',
			'-s',
			'main',
			'-x',
			'100',
			'-y',
			'30',
			'env',
			'PS1=$ ',
			'CI=false',
			'TERM=xterm-256color',
			'bash',
			'--noprofile',
			'--norc',
		);
	}

	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	type(text: string): void {
		this.tmux('send-keys', '-t', 'main', '-l', text);
	}

	key(name: string): void {
		this.tmux('send-keys', '-t', 'main', name);
	}

	screen(): string {
		return this.tmux('capture-pane', '-p', '-t', 'main');
	}

	alternateOn(): string {
		return this.tmux('display', '-p', '-t', 'main', '#{alternate_on}').trim();
	}

	panePid(): number {
		return Number(this.tmux('display', '-p', '-t', 'main', '#{pane_pid}').trim());
	}

	async waitFor(check: (screen: string) => boolean, what: string, timeoutMs = 20_000) {
		const end = Date.now() + timeoutMs;
		for (;;) {
			const screen = this.screen();
			if (check(screen)) return screen;
			if (Date.now() > end) {
				throw new Error(`terminal never showed ${what}; it shows:\n${screen}`);
			}
			await sleep(50);
		}
	}

	stop(): void {
		spawnSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'});
	}
}

/** Pids whose parent is `ppid` (from /proc). */
function childrenOf(ppid: number): number[] {
	const pids: number[] = [];
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[1]) === ppid) pids.push(Number(name));
		} catch {
			// Gone while we looked.
		}
	}
	return pids;
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
		env: {...process.env, CI: 'false'},
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	assert.equal(result.status, 0, result.stderr);
	assert.ok(!result.stdout.includes('\u001B[?1049h'), 'no alternate screen');
	assert.match(result.stdout, /^PROTO +ADDRESS +PORT/);
	assert.match(result.stdout, new RegExp(`tcp +127\\.0\\.0\\.1 +${port} `));
	const udpOnly = spawnSync(process.execPath, [cli, '--udp'], {encoding: 'utf8'});
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
