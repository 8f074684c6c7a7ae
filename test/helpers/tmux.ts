/**
 * A private tmux server (its own -L socket) running one interactive shell in
 * a real terminal, for end-to-end tests of full-screen programs. Call stop()
 * in a finally: it kills the server and everything running in it.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {readFileSync, readdirSync} from 'node:fs';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A private tmux server running one interactive shell in a 100x30 terminal. */
export class Terminal {
	readonly socket = `portui-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	constructor(
		readonly columns = 100,
		readonly rows = 30,
	) {}

	/** Starts the shell; `env` is added to its environment. */
	start(env: Record<string, string> = {}): void {
		this.tmux(
			'-f',
			'/dev/null',
			'new-session',
			'-d',
			'-s',
			'main',
			'-x',
			String(this.columns),
			'-y',
			String(this.rows),
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
export function childrenOf(ppid: number): number[] {
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
