/**
 * The lint rules that keep every terminal write on the safe paths: outside
 * the writer (commands/write-out.ts), the prompt (commands/prompt.ts) and the
 * UI's terminal owner (ui/run.tsx), source code may not touch
 * process.stdout/stderr, console, fd 1 or 2, readline, or Ink's Text and the
 * third-party components that draw with it.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {ESLint} from 'eslint';

// The probes are not files of the TypeScript project: lint them without types.
const eslint = new ESLint({
	overrideConfig: {
		languageOptions: {parserOptions: {projectService: false}},
		rules: {'@typescript-eslint/no-floating-promises': 'off'},
	},
});

const probe = [
	"import process from 'node:process';",
	"import {writeSync} from 'node:fs';",
	"import {Text, Box} from 'ink';",
	"import SelectInput from 'ink-select-input';",
	"import {Table} from '@alcalzone/ink-table';",
	"import {createInterface} from 'node:readline/promises';",
	'const out = process.stdout;',
	"process.stderr.write('x');",
	"console.log('x');",
	"writeSync(1, 'x');",
	'export {out, Text, Box, SelectInput, Table, createInterface};',
].join('\n');

async function ruleHits(filePath: string): Promise<Array<[string | null, number]>> {
	const [result] = await eslint.lintText(probe, {filePath});
	return result!.messages.map((message) => [message.ruleId, message.line]);
}

test('outside the writer, the prompt and the terminal owner every way to the terminal is an error', async () => {
	for (const file of ['source/commands/who.ts', 'source/ui/screens/new-screen.tsx']) {
		assert.deepEqual(
			await ruleHits(file),
			[
				['no-restricted-imports', 3],
				['no-restricted-imports', 4],
				['no-restricted-imports', 5],
				['no-restricted-imports', 6],
				['no-restricted-properties', 7],
				['no-restricted-properties', 8],
				['no-console', 9],
				['no-restricted-syntax', 10],
			],
			file,
		);
	}
});

test('the writer and the terminal owner may use the streams; nobody may use console', async () => {
	for (const file of ['source/commands/write-out.ts', 'source/ui/run.tsx']) {
		const hits = await ruleHits(file);
		assert.ok(!hits.some(([rule]) => rule === 'no-restricted-properties'), file);
		assert.ok(
			hits.some(([rule]) => rule === 'no-console'),
			file,
		);
	}
});
