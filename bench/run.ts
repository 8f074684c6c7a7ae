/**
 * `npm run bench`: runs every scenario module in bench/ (each file exporting
 * `async function bench(): Promise<void>`, which prints its own figures).
 * Pass substrings to run some: `node --import tsx bench/run.ts listeners`.
 */
import {readdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

type Scenario = {bench?: () => Promise<void>; default?: () => Promise<void>};

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
	.filter((name) => name.endsWith('.ts') && name !== 'run.ts')
	.filter(
		(name) => filters.length === 0 || filters.some((filter) => name.includes(filter)),
	)
	.sort();

let failed = false;
for (const file of files) {
	const module = (await import(pathToFileURL(join(here, file)).href)) as Scenario;
	const bench = module.bench ?? module.default;
	if (typeof bench !== 'function') continue;
	process.stdout.write(`\n## ${file}\n`);
	try {
		await bench();
	} catch (error: unknown) {
		failed = true;
		process.stderr.write(`bench ${file} failed: ${String(error)}\n`);
	}
}
process.exitCode = failed ? 1 : 0;
