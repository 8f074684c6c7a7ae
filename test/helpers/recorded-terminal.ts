/**
 * A private tmux server whose windows each run a shell in a real terminal,
 * with every byte written to a window's terminal recorded (`pipe-pane -o`),
 * clipboard writes enabled (`set-clipboard on`: an OSC 52 makes a paste
 * buffer) and the pane title readable: what an escape injection would change.
 * stop() kills the server and everything running in it.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import path from 'node:path';

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type RecordedWindow = {
	name: string;
	/** The bytes written to this window's terminal so far. */
	bytes(): Buffer;
	/** The pane's title (a program changes it with OSC 0 or 2). */
	title(): string;
	/** What the window shows, scrollback included, wrapped lines joined. */
	screen(): string;
	type(text: string): void;
	key(name: string): void;
	/** Waits until the recorded bytes contain `text`. */
	waitForBytes(text: string, timeoutMs?: number): Promise<Buffer>;
	waitForScreen(
		check: (screen: string) => boolean,
		what: string,
		timeoutMs?: number,
	): Promise<string>;
};

export class RecordedTerminal {
	readonly socket = `portui-rec-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
	private started = false;
	private count = 0;

	constructor(
		readonly logDir: string,
		readonly env: Record<string, string>,
		readonly columns = 120,
		readonly rows = 40,
	) {}

	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	/** A new window running bash, recorded from before its first byte. */
	async open(name: string): Promise<RecordedWindow> {
		const log = path.join(this.logDir, `${this.count++}-${name}.log`);
		// The shell waits for the recording to be on before it prints anything.
		const gate = `${log}.go`;
		const shell = [
			'env',
			'PS1=$ ',
			'CI=false',
			'TERM=xterm-256color',
			...Object.entries(this.env).map(([key, value]) => `${key}=${value}`),
			'sh',
			'-c',
			`while [ ! -e '${gate}' ]; do sleep 0.02; done; exec bash --noprofile --norc`,
		];
		if (!this.started) {
			this.tmux(
				'-f',
				'/dev/null',
				'new-session',
				'-d',
				'-s',
				'main',
				'-n',
				name,
				'-x',
				String(this.columns),
				'-y',
				String(this.rows),
				...shell,
			);
			this.started = true;
			this.tmux('set', '-s', 'set-clipboard', 'on');
			this.tmux('set', '-g', 'history-limit', '50000');
			this.tmux('set', '-g', 'automatic-rename', 'off');
		} else {
			this.tmux('new-window', '-d', '-t', 'main', '-n', name, ...shell);
		}
		const target = `main:${name}`;
		this.tmux('pipe-pane', '-o', '-t', target, `cat >> '${log}'`);
		execFileSync('touch', [gate]);
		const window: RecordedWindow = {
			name,
			bytes: () => (existsSync(log) ? readFileSync(log) : Buffer.alloc(0)),
			title: () => this.tmux('display', '-p', '-t', target, '#{pane_title}').trim(),
			screen: () => this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', target),
			type: (text) => {
				this.tmux('send-keys', '-t', target, '-l', text);
			},
			key: (key) => {
				this.tmux('send-keys', '-t', target, key);
			},
			waitForBytes: async (text, timeoutMs = 30_000) => {
				const end = Date.now() + timeoutMs;
				for (;;) {
					const bytes = window.bytes();
					if (bytes.includes(text)) return bytes;
					if (Date.now() > end)
						throw new Error(
							`${name}: never wrote ${JSON.stringify(text)}; wrote ${JSON.stringify(bytes.toString().slice(-2000))}`,
						);
					await sleep(50);
				}
			},
			waitForScreen: async (check, what, timeoutMs = 30_000) => {
				const end = Date.now() + timeoutMs;
				for (;;) {
					const screen = window.screen();
					if (check(screen)) return screen;
					if (Date.now() > end)
						throw new Error(`${name}: never showed ${what}; it shows:\n${screen}`);
					await sleep(100);
				}
			},
		};
		await window.waitForBytes('$ ');
		return window;
	}

	/** The paste buffers: an OSC 52 clipboard write the terminal accepted makes one. */
	buffers(): string {
		return this.tmux('list-buffers');
	}

	stop(): void {
		spawnSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'});
		// tmux leaves the socket file behind.
		const uid = process.getuid?.() ?? 0;
		rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`, this.socket), {
			force: true,
		});
	}
}
