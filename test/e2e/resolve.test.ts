/**
 * `portui resolve PORT` as built, in a real terminal (tmux): the flow opens
 * straight on a port a real listener holds, is walked with keys (identify →
 * prioritise "nobody" → terminate → preview → confirm), frees the port, and
 * closing the summary gives the shell back. Also the refusals without a
 * terminal and for a bad port.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, realpathSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {portIsFree, startOrphanListener} from '../helpers/listener-child.js';
import {runPortui} from '../helpers/run-portui.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skipTmux =
	hasTmux || process.env.CI === 'true' ? false : 'tmux is not installed (CI installs it)';

function ensureBuilt(): void {
	if (existsSync(cli)) return;
	const result = spawnSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
	assert.equal(result.status, 0, 'npm run build');
}

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A private tmux server with one shell in a 110x36 terminal. */
class Terminal {
	readonly socket = `portui-resolve-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	start(env: Record<string, string>): void {
		this.tmux(
			'-f',
			'/dev/null',
			'new-session',
			'-d',
			'-s',
			'main',
			'-x',
			'110',
			'-y',
			'36',
			'env',
			'PS1=$ ',
			'CI=false',
			'TERM=xterm-256color',
			...Object.entries(env).map(([name, value]) => `${name}=${value}`),
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

	async waitFor(check: (screen: string) => boolean, what: string, timeoutMs = 20_000) {
		const end = Date.now() + timeoutMs;
		for (;;) {
			const screen = this.screen();
			if (check(screen)) return screen;
			if (Date.now() > end)
				throw new Error(`terminal never showed ${what}; it shows:\n${screen}`);
			await sleep(50);
		}
	}

	/** A key once the screen has settled (a list re-subscribes its input after each frame). */
	async press(name: string): Promise<void> {
		await sleep(150);
		this.key(name);
	}

	stop(): void {
		spawnSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'});
	}
}

test(
	'portui resolve PORT in a real terminal: walk the steps with keys until the port is free',
	{skip: skipTmux},
	async (t) => {
		ensureBuilt();
		const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'portui-resolve-e2e-')));
		const listener = await startOrphanListener({cwd: dir});
		const terminal = new Terminal();
		t.after(() => {
			terminal.stop();
			listener.stop();
			rmSync(dir, {recursive: true, force: true});
		});
		terminal.start({XDG_STATE_HOME: path.join(dir, 'state')});
		await terminal.waitFor((screen) => screen.includes('$'), 'the shell prompt');
		terminal.type(`node ${cli} resolve ${listener.port} --timeout 2`);
		terminal.key('Enter');

		let screen = await terminal.waitFor(
			(text) => text.includes(`node (pid ${listener.pid})`),
			'the identify step',
		);
		assert.match(screen, new RegExp(`Resolve tcp/${listener.port}`));
		assert.match(screen, /systemd is not running here|wants/);
		await terminal.press('Enter');
		screen = await terminal.waitFor(
			(text) => text.includes('Who keeps'),
			'the prioritise step',
		);
		assert.match(screen, /nobody: just free the port/);
		await terminal.press('Down');
		await terminal.waitFor((text) => /❯ +nobody/.test(text), 'nobody highlighted');
		await terminal.press('Enter');
		screen = await terminal.waitFor(
			(text) => text.includes('Nobody keeps'),
			'the action step',
		);
		assert.match(screen, new RegExp(`❯ Terminate node \\(pid ${listener.pid}\\)`));
		await terminal.press('Enter');
		screen = await terminal.waitFor(
			(text) => text.includes('This will, in order'),
			'the preview',
		);
		assert.match(screen, new RegExp(`SIGTERM pid ${listener.pid}`));
		assert.ok(listener.alive(), 'a preview signals nothing');
		await terminal.press('Enter');
		await terminal.waitFor((text) => text.includes('now?'), 'the confirmation');
		await terminal.press('y');
		screen = await terminal.waitFor(
			(text) => text.includes('What changed'),
			'the summary',
		);
		assert.match(screen, new RegExp(`✔ ${listener.port} is free`));
		assert.match(screen, new RegExp(`SIGTERM node \\(pid ${listener.pid}\\)`));
		assert.equal(listener.alive(), false);
		assert.ok(await portIsFree(listener.port));
		screen = await terminal.waitFor(
			(text) => text.includes('Logged in'),
			'the audit log line',
		);
		const log = readFileSync(path.join(dir, 'state', 'portui', 'actions.log'), 'utf8');
		assert.match(log, /"action":"resolve"/);

		await terminal.press('Enter');
		screen = await terminal.waitFor(
			(text) =>
				text.includes(`resolve ${listener.port} --timeout 2`) &&
				!text.includes('What changed'),
			'the shell back after closing',
		);
		assert.equal(
			terminal.tmux('display', '-p', '-t', 'main', '#{alternate_on}').trim(),
			'0',
		);
	},
);

test('portui resolve without a terminal or with a bad port says so in one line (exit 2)', () => {
	ensureBuilt();
	const noTty = runPortui(['resolve', '8080']);
	assert.equal(noTty.status, 2);
	assert.equal(
		noTty.stderr,
		'portui: resolve needs a terminal; to script it use portui kill 8080 --yes or portui move 8080 --to auto --yes\n',
	);
	const bad = runPortui(['resolve', '0']);
	assert.equal(bad.status, 2);
	assert.equal(bad.stderr.split('\n').length, 2);
	assert.match(bad.stderr, /^portui: bad port "0"/);
	const none = runPortui(['resolve']);
	assert.equal(none.status, 2);
	assert.match(none.stderr, /^portui: resolve needs a PORT/);
});
