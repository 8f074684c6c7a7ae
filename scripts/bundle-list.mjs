/**
 * Bundles dist/commands/list-main.js (the cold `portui list`) and what it
 * imports into one CommonJS file, dist/commands/list.cjs; see
 * source/commands/list-main.ts for why. help.js (meow, for --help and
 * --version) stays an ES module beside it, imported only when needed.
 */
import {build} from 'esbuild';

await build({
	entryPoints: ['dist/commands/list-main.js'],
	outfile: 'dist/commands/list.cjs',
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	external: ['./help.js'],
	// import.meta.url (the addon's path, createRequire) as in the ES modules.
	define: {'import.meta.url': '__portuiModuleUrl'},
	banner: {
		js: "const __portuiModuleUrl = require('node:url').pathToFileURL(__filename).href;",
	},
	logLevel: 'warning',
});
