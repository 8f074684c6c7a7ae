// Runs every test file under test/ with node's test runner (Node 20's --test
// takes no globs). Pass paths or substrings to run a subset:
//   node scripts/run-tests.mjs test/core/sockets
import {spawnSync} from 'node:child_process';
import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';

function find(dir) {
	const found = [];
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (name === 'fixtures' || name === 'helpers') continue;
		if (statSync(path).isDirectory()) found.push(...find(path));
		else if (/\.test\.tsx?$/.test(name)) found.push(path);
	}
	return found;
}

const filters = process.argv.slice(2);
const files = find('test')
	.filter(
		(file) => filters.length === 0 || filters.some((filter) => file.includes(filter)),
	)
	.sort();
if (files.length === 0) {
	console.error('no test files matched');
	process.exit(1);
}
const result = spawnSync(
	process.execPath,
	['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
	{stdio: 'inherit'},
);
process.exit(result.status ?? 1);
