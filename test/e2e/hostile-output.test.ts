/**
 * Nothing an attacker writes reaches the operator's terminal as a control.
 * A real hostile process (comm, argv, cwd, executable path, an open file, a
 * systemd-unit cgroup, a banner: test/helpers/hostile-process.ts) and a
 * config at a hostile path with hostile lines; every printing command and
 * every screen of the UI runs against them in a real terminal (tmux), and
 * the bytes that reached it are scanned: no OSC, DCS or other non-CSI escape,
 * no C1 or bidi control, no corpus string raw; the clipboard and the title
 * unchanged; and the hostile text visible on screen as escapes.
 */
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {hostileStrings} from '../fixtures/hostile/strings.js';
import {startHostileSources, type HostileSources} from '../helpers/hostile-process.js';
import {RecordedTerminal, type RecordedWindow} from '../helpers/recorded-terminal.js';
import {
	rawHostile,
	summariseFindings,
	terminalFindings,
} from '../helpers/terminal-bytes.js';
import {hasTmux} from '../helpers/tmux.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const skip =
	process.getuid?.() !== 0
		? 'needs root (a cgroup of its own)'
		: hasTmux || process.env.CI === 'true'
			? false
			: 'tmux is not installed (CI installs it)';

const byName = (name: string) =>
	hostileStrings.find((entry) => entry.name === name)!.text;

/**
 * The control sequences a printing command's terminal may see: bash's
 * bracketed-paste switch around its prompt, readline's cursor moves when it
 * draws a question, and portui's own progress-line erase. Nothing else: the
 * CLI writes no colours and never moves the cursor by itself.
 */
// eslint-disable-next-line no-control-regex
const CLI_CSI = /^\u001b\[(\?2004[hl]|\d*G|0?J|2K)$/;

let sources: HostileSources;
let terminal: RecordedTerminal;
let logDir: string;

before(async () => {
	if (skip) return;
	if (!existsSync(cli)) {
		const built = spawnSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
		assert.equal(built.status, 0, 'npm run build');
	}
	sources = await startHostileSources();
	logDir = mkdtempSync(path.join(os.tmpdir(), 'portui-hostile-log-'));
	terminal = new RecordedTerminal(logDir, {
		PORTUI: `node ${cli}`,
		PORT: String(sources.port),
		HOSTILE_CONFIG: sources.config,
		HOSTILE_MISSING: path.join(
			path.dirname(sources.config),
			`${byName('window title')}.env`,
		),
		HOSTILE_ARG: byName('window title'),
		XDG_STATE_HOME: path.join(logDir, 'state'),
	});
});

after(async () => {
	terminal?.stop();
	await sources?.stop();
	if (logDir) rmSync(logDir, {recursive: true, force: true});
});

/** The comm name as shown: its first characters survive any cell width. */
const COMM_START = String.raw`\x1b]2;T\x07`;
const COMM_SHOWN = String.raw`\x1b]2;T\x07\x1b[2J\x9b\u202e`;

/**
 * What is wrong with what a window's terminal received: controls it would act
 * on, corpus strings sent raw, a changed title, a clipboard write.
 */
function terminalProblems(
	window: RecordedWindow,
	bytes: Buffer,
	{allowedCsi, ownSequences = []}: {allowedCsi?: RegExp; ownSequences?: string[]} = {},
): string[] {
	const problems = summariseFindings(terminalFindings(bytes, {allowedCsi})).map(
		(finding) => `${window.name}: ${finding}`,
	);
	for (const name of rawHostile(bytes, ownSequences))
		problems.push(`${window.name}: sent raw: ${name}`);
	const title = window.title();
	if (title !== os.hostname())
		problems.push(`${window.name}: title changed to ${JSON.stringify(title)}`);
	const buffers = terminal.buffers();
	if (buffers !== '') {
		const count = buffers.trimEnd().split('\n').length;
		problems.push(`${window.name}: clipboard written ${count} times`);
		// The next window starts with an empty clipboard.
		for (let index = 0; index < count; index++) terminal.tmux('delete-buffer');
	}
	return problems;
}

type CommandCase = {
	name: string;
	/** Shell text; $PORTUI, $PORT, $HOSTILE_CONFIG, $HOSTILE_MISSING, $HOSTILE_ARG are set. */
	command: string;
	/** Typed at its question (which ends in `[y/N] `). */
	answer?: string;
	/** Visible escapes that must be on screen (hostile text shown, not acted on). */
	shows: string[];
};

const commandCases: CommandCase[] = [
	{
		name: 'list',
		command: '$PORTUI list --port $PORT',
		shows: [COMM_SHOWN, String.raw`harmless\rStop it?`],
	},
	{
		name: 'list-json',
		command: '$PORTUI list --json --port $PORT',
		shows: [String.raw`\u001b]2;T\u0007\u001b[2J\u009b\u202e`, String.raw`\u009b2J`],
	},
	{
		name: 'who',
		command: '$PORTUI who $PORT',
		shows: [
			`${COMM_SHOWN} (pid PID)`,
			String.raw`bin-\x1b]0;pwned-title\x07/`,
			String.raw`systemd unit \x1b]0;unit-title\x07\x9d0;c1\x9c\u202ex.service`,
			String.raw`x\nportui:`,
		],
	},
	{
		name: 'who-json',
		command: '$PORTUI who $PORT --json',
		shows: [
			String.raw`"unit": "\u001b]0;unit-title\u0007\u009d0;c1\u009c\u202ex.service"`,
		],
	},
	{
		name: 'scan-banner',
		command: '$PORTUI scan 127.0.0.1 -p $PORT --banner',
		shows: [String.raw`SSH-2.0-\x1b]52;p;cHduZWQ=\x1b\\x1b]0;pwned-title\x07`],
	},
	{
		name: 'scan-banner-json',
		command: '$PORTUI scan 127.0.0.1 -p $PORT --banner --json',
		shows: [String.raw`SSH-2.0-\u001b]52;p;cHduZWQ=\u001b\\\u001b]0;pwned-title\u0007`],
	},
	{
		name: 'kill-prompt',
		command: '$PORTUI kill $PORT',
		answer: 'n',
		// The description already folds whitespace: the escapes are what is left to show.
		shows: [
			String.raw`harmless Stop it? [y/N] \x1b]52;c;cHduZWQ=\x07`,
			'nothing was done',
		],
	},
	{
		name: 'move-dry-run',
		command: '$PORTUI move $PORT --to auto --config "$HOSTILE_CONFIG" --dry-run',
		shows: [
			String.raw`--- ROOT/app-\x1b[2J\x1b[Hcod\u202eexe.sh\u202c/\x9d0;c1-title\x9c.env`,
			String.raw` # \x1b]52;c;cHduZWQ=\x07`,
			String.raw` NAME=\x1b]0;pwned-title\x07`,
			String.raw` # harmless\rStop it? [y/N] `,
			String.raw` NOTE=\x9b2Jcod\u202eexe.sh\u202c`,
		],
	},
	{
		name: 'move-prompt',
		command: '$PORTUI move $PORT --to auto --config "$HOSTILE_CONFIG"',
		answer: 'n',
		shows: [String.raw` NAME=\x1b]0;pwned-title\x07`, 'nothing changed'],
	},
	{
		name: 'move-missing-config',
		command: '$PORTUI move $PORT --to auto --config "$HOSTILE_MISSING" --yes',
		shows: [String.raw`\x1b]0;pwned-title\x07.env`],
	},
	{name: 'free', command: '$PORTUI free', shows: []},
	{name: 'free-json', command: '$PORTUI free --json', shows: ['"range":"8000-8999"']},
	{
		name: 'free-bad-range',
		command: '$PORTUI free "$HOSTILE_ARG"',
		shows: [String.raw`portui: `, String.raw`\x1b]0;pwned-title\x07`],
	},
];

test(
	'every printing command, fed hostile names, paths, lines and banners, sends no control of theirs to a real terminal',
	{skip, timeout: 300_000},
	async () => {
		const problems: string[] = [];
		for (const [index, run] of commandCases.entries()) {
			const window = await terminal.open(run.name);
			// The end marker as printf prints it, unlike the typed line the shell echoes.
			const end = `@@end-${index}`;
			window.type(`${run.command}; printf '%s-%s\\n' @@end ${index}`);
			window.key('Enter');
			if (run.answer !== undefined) {
				await window.waitForBytes('[y/N] ');
				window.type(run.answer);
				window.key('Enter');
			}
			const bytes = await window.waitForBytes(`${end}\r\n`);
			problems.push(...terminalProblems(window, bytes, {allowedCsi: CLI_CSI}));
			const screen = window.screen();
			for (const shown of run.shows) {
				const expected = shown
					.replace('PID', String(sources.pid))
					.replace('ROOT', sources.root);
				if (!screen.includes(expected))
					problems.push(`${run.name}: does not show ${expected}:\n${screen.trimEnd()}`);
			}
		}
		assert.equal(
			problems.length,
			0,
			`${problems.length} problems:\n${problems.join('\n')}`,
		);
	},
);

test(
	'every screen of the UI, on a hostile process, sends no control of its to a real terminal',
	{skip, timeout: 300_000},
	async () => {
		const problems: string[] = [];
		const window = await terminal.open('tui');
		const expectShown = (screen: string, shown: string, where: string) => {
			if (!screen.includes(shown))
				problems.push(`${where} does not show ${shown}:\n${screen.trimEnd()}`);
		};
		try {
			window.type('$PORTUI');
			window.key('Enter');
			await window.waitForScreen((screen) => /PROTO +ADDRESS/.test(screen), 'the list');
			window.type('/');
			window.type(String(sources.port));
			const row = new RegExp(`127\\.0\\.0\\.1 +${sources.port} `);
			let screen = await window.waitForScreen(
				(text) => row.test(text),
				'the hostile row',
			);
			expectShown(screen, COMM_START, 'the list screen');
			window.key('Enter');
			await sleepAWhile();
			window.type('?');
			await window.waitForScreen(
				(text) => text.includes('While typing a filter'),
				'help',
			);
			window.key('Escape');
			await window.waitForScreen((text) => row.test(text), 'the list again');

			window.key('Enter');
			screen = await window.waitForScreen(
				(text) => /Sockets 1 listening/.test(text),
				'the process screen',
			);
			for (const shown of [
				COMM_START,
				String.raw`harmless\rStop it? [y/N] \x1b]52;c;cHduZWQ=\x07`,
				String.raw`bin-\x1b]0;pwned-title\x07`,
				String.raw`cwd/\x1b]52;c;cHduZWQ=\x07/\x1b]52;p;cHduZWQ=\x1b\/`,
				String.raw`\x1b[1A\x1b[2K`,
				String.raw`systemd unit \x1b]0;unit-title\x07\x9d0;c1\x9c\u202ex.service`,
			])
				expectShown(screen, shown, 'the process screen');
			window.type('o');
			screen = await window.waitForScreen(
				(text) => text.includes('Open files'),
				'open files',
			);
			expectShown(
				screen,
				String.raw`open-\x1b]52;c;cHduZWQ=\x07\u2066evil\u2069`,
				'the open files',
			);

			window.type('x');
			screen = await window.waitForScreen(
				// The party line (`holds` padded), not the loading line that also says it.
				(text) =>
					text.includes(`Resolve tcp/${sources.port}`) && /^holds {2,}/m.test(text),
				'the resolve screen',
			);
			expectShown(screen, COMM_START, 'the resolve screen');
			await sleepAWhile();
			window.key('Enter');
			await window.waitForScreen((text) => text.includes('Who keeps'), 'prioritise');
			await sleepAWhile();
			window.key('Down');
			await window.waitForScreen((text) => /❯ +nobody/.test(text), 'nobody highlighted');
			await sleepAWhile();
			window.key('Enter');
			screen = await window.waitForScreen(
				(text) => text.includes('Nobody keeps'),
				'the action step',
			);
			expectShown(screen, `Terminate ${COMM_START}`, 'the action list');
			await sleepAWhile();
			window.key('Enter');
			screen = await window.waitForScreen(
				(text) => text.includes('This will, in order'),
				'the preview',
			);
			expectShown(screen, COMM_START, 'the preview');
			for (let step = 0; step < 4; step++) {
				await sleepAWhile();
				window.key('Escape');
			}
			await window.waitForScreen(
				(text) => /Sockets 1 listening/.test(text),
				'process again',
			);
			window.key('Escape');
			await window.waitForScreen((text) => row.test(text), 'the list after resolve');

			window.type('n');
			await window.waitForScreen((text) => text.includes('Targets'), 'the scan form');
			// Keys one at a time: a chunk of text and a Tab is read as text.
			await sleepAWhile();
			window.type('127.0.0.1');
			await sleepAWhile();
			window.key('Tab');
			await sleepAWhile();
			window.type(String(sources.port));
			await sleepAWhile();
			window.key('Enter');
			await window.waitForScreen((text) => /Done in/.test(text), 'the scan results');
			window.key('Enter');
			await window.waitForScreen(
				(text) => /Sockets 1 listening/.test(text),
				'the process screen from the scan',
			);
			window.key('Escape');
			await sleepAWhile();
			window.key('Escape');
			await window.waitForScreen((text) => row.test(text), 'the list after the scan');
			window.type('q');
			await window.waitForBytes('\u001b[?1049l');
		} catch (error) {
			problems.push(`the walk through the screens stopped: ${(error as Error).message}`);
		}
		// Ink erases its previous frame line by line with exactly that corpus entry's
		// sequence (cursor up, erase line): in the UI it is portui's own, and the
		// process screen shows the hostile one as escapes (checked above).
		problems.push(
			...terminalProblems(window, window.bytes(), {
				ownSequences: ['cursor up and erase line'],
			}),
		);
		assert.equal(
			problems.length,
			0,
			`${problems.length} problems:\n${problems.join('\n')}`,
		);
	},
);

/** A pause for a list that re-subscribes its keys after each frame. */
async function sleepAWhile(): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, 200));
}
