/**
 * runFullScreen in a real terminal: an uncaught exception, an unhandled
 * rejection or a component that throws restores the main screen first, then
 * prints one line (escapes in the message shown, not acted on), exit 1.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import {fileURLToPath} from 'node:url';
import {Terminal, hasTmux} from '../helpers/tmux.js';

const fixture = fileURLToPath(new URL('../fixtures/ui/crash.tsx', import.meta.url));
const skip = hasTmux || process.env.CI === 'true' ? false : 'tmux is not installed';

for (const how of ['exception', 'rejection', 'render']) {
	test(
		`${how === 'render' ? 'a component that throws' : `an unhandled ${how}`} restores the terminal, then prints the error`,
		{skip, timeout: 60_000},
		async () => {
			const terminal = new Terminal(80, 24);
			try {
				terminal.start();
				await terminal.waitFor((screen) => screen.includes('$'), 'a shell prompt');
				terminal.type('echo BEFORE-CRASH-MARKER');
				terminal.key('Enter');
				await terminal.waitFor(
					(screen) => /^BEFORE-CRASH-MARKER$/m.test(screen),
					'the marker',
				);
				terminal.type(`node --import tsx ${fixture} ${how}; echo "CRASH-EXIT=$?"`);
				terminal.key('Enter');
				await terminal.waitFor(
					(screen) => screen.includes('CRASH-FIXTURE-READY'),
					'the app',
				);
				assert.equal(terminal.alternateOn(), '1');
				terminal.type('x');
				const screen = await terminal.waitFor(
					(text) => /^CRASH-EXIT=\d+$/m.test(text),
					'the shell after the crash',
				);
				assert.equal(terminal.alternateOn(), '0', 'back on the main screen');
				assert.match(screen, /^BEFORE-CRASH-MARKER$/m);
				const message =
					how === 'render'
						? String.raw`portui: boom \(render\) \\x1b\]0;pwned\\x07`
						: `portui: boom \\(${how}\\)`;
				assert.match(screen, new RegExp(`^${message}$`, 'm'));
				assert.equal(
					terminal.tmux('display', '-p', '-t', 'main', '#{pane_title}').trim(),
					os.hostname(),
					'the title is unchanged',
				);
				assert.match(screen, /^CRASH-EXIT=1$/m);
				assert.doesNotMatch(screen, /CRASH-FIXTURE-READY\n/);
			} finally {
				terminal.stop();
			}
		},
	);
}
