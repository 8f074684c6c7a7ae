/**
 * The process screen end to end: the built binary in a real terminal (tmux),
 * Enter on our listener's row opens its process, Esc returns to the list with
 * the same row selected, and a process killed while its screen is open is
 * reported as exited.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {startHolder, startTarget} from '../helpers/holder.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skipTmux =
	hasTmux || process.env.CI === 'true' ? false : 'tmux is not installed (CI installs it)';

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ensureBuilt(): void {
	if (existsSync(cli)) return;
	const result = spawnSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
	assert.equal(result.status, 0, 'npm run build');
}

/** A private tmux server running portui in a 110x40 terminal. */
class Terminal {
	readonly socket = `portui-process-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	start(command: string[]): void {
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
			'40',
			'env',
			'CI=false',
			'TERM=xterm-256color',
			...command,
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

	/** The screen as text, or with colours and attributes (`-e`). */
	screen(escapes = false): string {
		return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'main');
	}

	async waitFor(
		check: (screen: string) => boolean,
		what: string,
		{escapes = false, timeoutMs = 30_000} = {},
	): Promise<string> {
		const end = Date.now() + timeoutMs;
		for (;;) {
			const screen = this.screen(escapes);
			if (check(screen)) return screen;
			if (Date.now() > end)
				throw new Error(`terminal never showed ${what}; it shows:\n${screen}`);
			await sleep(100);
		}
	}

	stop(): void {
		spawnSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'});
	}
}

/** Lines of the list table (protocol column first). */
function tableRows(screen: string): string[] {
	return screen.split('\n').filter((line) => /^(tcp|udp)[46] /.test(line));
}

test(
	'Enter opens the process of the selected row, Esc returns to the same row, an exit is reported',
	{skip: skipTmux, timeout: 120_000},
	async (t) => {
		ensureBuilt();
		const target = await startTarget();
		t.after(() => target.close());
		// Two holders whose command lines carry one marker: the filter shows exactly them.
		const tag = `portui-e2e-${process.pid}-${Date.now()}`;
		const first = await startHolder({
			targetPort: target.port,
			connections: 1,
			args: [tag],
		});
		t.after(() => first.stop());
		const second = await startHolder({
			targetPort: target.port,
			connections: 2,
			args: [tag],
		});
		t.after(() => second.stop());
		// Rows are sorted by port: the second row is the holder on the higher port.
		const [, higher] = [first, second].sort((a, b) => a.port - b.port);
		const picked = higher!;
		const terminal = new Terminal();
		t.after(() => terminal.stop());
		terminal.start(['node', cli]);
		const list0 = await terminal.waitFor((screen) => /PORT/.test(screen), 'the list');
		assert.match(list0, /⏎ details/, 'the list offers Enter for the process screen');
		terminal.type('/');
		terminal.type(tag);
		await terminal.waitFor(
			(screen) => tableRows(screen).length === 2,
			'our two listeners',
		);
		terminal.key('Enter');
		await sleep(300);
		terminal.key('Down');
		const list = await terminal.waitFor(
			(screen) => /\b2\/2 of \d+/.test(screen),
			'the second row selected',
		);
		assert.match(tableRows(list)[1]!, new RegExp(`127\\.0\\.0\\.1 +${picked.port} `));
		terminal.key('Enter');
		const opened = await terminal.waitFor(
			(screen) => /Sockets \d+ listening/.test(screen),
			'the process screen',
		);
		assert.match(
			opened,
			new RegExp(`Process ${picked.pid} node holding tcp 127\\.0\\.0\\.1:${picked.port}`),
		);
		const established = picked === first ? 1 : 2;
		assert.match(opened, new RegExp(`Sockets 1 listening, ${established} established`));
		assert.match(opened, new RegExp(`command\\s+\\S*node \\S+holder\\.mjs ${tag}`));
		assert.match(opened, new RegExp(`parent \\S+ \\(${process.pid}\\)`));
		assert.match(opened, new RegExp(`127\\.0\\.0\\.1:${target.port}\\s+ESTAB`));

		terminal.key('Escape');
		const back = await terminal.waitFor(
			(screen) => tableRows(screen).length === 2 && !/Sockets \d+ listening/.test(screen),
			'the list again',
		);
		assert.match(back, /\b2\/2 of \d+/, 'the same row is still selected');

		terminal.key('Enter');
		await terminal.waitFor(
			(screen) => new RegExp(`Process ${picked.pid} `).test(screen),
			'the process screen again',
		);
		await picked.stop();
		const ended = await terminal.waitFor(
			(screen) => screen.includes(`process ${picked.pid} has exited`),
			'the exit notice',
		);
		assert.doesNotMatch(ended, /Sockets \d+ listening/, 'no stale data');
		terminal.key('Escape');
		await terminal.waitFor((screen) => /PORT/.test(screen), 'the list after the exit');
		terminal.type('q');
	},
);
