/**
 * Makes dist/cli.js the `portui` executable: mode 755, and a launcher in its
 * first two lines, valid both as sh and as JavaScript:
 *
 *   #!/bin/sh
 *   ":" //; exec env -u NODE_EXTRA_CA_CERTS PORTUI_NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS-}" node "$0" "$@"
 *
 * Run as a program, sh execs node without NODE_EXTRA_CA_CERTS: Node reads and
 * parses every certificate that variable names before the first line of
 * portui runs (45 ms of each start where it is set, as in this project's CI),
 * and portui opens no TLS connection. The value travels in
 * PORTUI_NODE_EXTRA_CA_CERTS and cli.tsx puts it back for the processes
 * portui starts. Run as `node dist/cli.js`, Node skips the #! line and the
 * second is a string and a comment. source/cli.tsx keeps its second line for
 * this, so the source map stays true.
 */
import {chmodSync, readFileSync, writeFileSync} from 'node:fs';

const file = 'dist/cli.js';
const LAUNCHER = [
	'#!/bin/sh',
	'":" //; exec env -u NODE_EXTRA_CA_CERTS PORTUI_NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS-}" node "$0" "$@"',
];
const PLACEHOLDER = '// The launcher line: see scripts/make-executable.mjs.';

const lines = readFileSync(file, 'utf8').split('\n');
if (lines[0] === LAUNCHER[0] && lines[1] === LAUNCHER[1]) {
	// Already done (an incremental build left the file as it was).
} else if (lines[0]?.startsWith('#!') && lines[1] === PLACEHOLDER) {
	lines.splice(0, 2, ...LAUNCHER);
	writeFileSync(file, lines.join('\n'));
} else {
	throw new Error(`${file}: expected a #! line and "${PLACEHOLDER}" after it`);
}
chmodSync(file, 0o755);
