// Builds the native addons. A failed build is not fatal: listing falls back to
// `ss` and then to /proc/net (source/core/sockets/kernel.ts), and config writes
// to Node's fs (source/core/files/calls.ts), so say so and go on.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const args = ['rebuild'];
// Debian's nodejs ships its headers under /usr/include/node; point node-gyp there
// so the build never tries to download headers (there is no internet here).
if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const result = spawnSync(process.execPath, [nodeGyp, ...args], {
	stdio: ['ignore', 'ignore', 'pipe'],
});
if (result.status !== 0) {
	process.stderr.write(result.stderr);
	process.stderr.write(
		'portui: the native addons did not build; listing will use `ss` instead, and config\n' +
			'writes Node alone (extended attributes and ACLs are then not copied)\n',
	);
	if (process.env.PORTUI_REQUIRE_NATIVE === '1') process.exit(1);
}
