import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
	{ignores: ['dist/**', 'build/**', 'node_modules/**', 'test/fixtures/**']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.{ts,tsx}'],
		languageOptions: {
			globals: {...globals.node},
			parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname},
		},
		plugins: {'react-hooks': reactHooks},
		rules: {
			...reactHooks.configs.recommended.rules,
			// Long work is async everywhere in portui: a dropped promise is a lost error.
			'@typescript-eslint/no-floating-promises': [
				'error',
				{
					// node:test registers tests synchronously; awaiting `test()` would serialise nothing.
					allowForKnownSafeCalls: [
						{
							from: 'package',
							package: 'node:test',
							name: ['test', 'describe', 'it', 'suite'],
						},
					],
				},
			],
			'@typescript-eslint/no-unused-vars': [
				'error',
				{argsIgnorePattern: '^_', varsIgnorePattern: '^_'},
			],
		},
	},
	{
		// Everything portui shows goes through one writer (commands/write-out.ts), one
		// prompt (commands/prompt.ts) or, in the UI, portui's own Text: each makes
		// untrusted text safe for a terminal. Nothing else may write to one.
		files: ['source/**/*.{ts,tsx}'],
		rules: {
			'no-console': 'error',
			'no-restricted-properties': [
				'error',
				...['stdout', 'stderr'].map((property) => ({
					object: 'process',
					property,
					message: `Write through commands/write-out.ts (stdout, stderr, writeJson, errorLine): it makes untrusted text safe for a terminal.`,
				})),
			],
			'no-restricted-imports': [
				'error',
				{
					paths: [
						{
							name: 'ink',
							importNames: ['Text', 'Transform'],
							message:
								'Use Text from ui/components/text.tsx: it makes every string it renders safe.',
						},
						{
							name: 'ink-select-input',
							message:
								"Use SelectList from ui/components/select-list.tsx (its items go through portui's Text).",
						},
						{
							name: '@alcalzone/ink-table',
							message:
								"Use StaticTable from ui/components/static-table.tsx (its cells go through portui's Text).",
						},
						...[
							'readline',
							'node:readline',
							'readline/promises',
							'node:readline/promises',
						].map((name) => ({
							name,
							message: 'Ask through commands/prompt.ts: it makes the question safe.',
						})),
					],
				},
			],
			'no-restricted-syntax': [
				'error',
				{
					selector:
						'CallExpression[callee.name=/^write(All)?Sync$/]:matches([arguments.0.value=1], [arguments.0.value=2])',
					message:
						'Write to a terminal through commands/write-out.ts; only the cold list writes fd 1 itself.',
				},
			],
		},
	},
	{
		// The writer and the prompt themselves, and the UI's owner of the terminal (the
		// alternate screen, Ink's streams).
		files: [
			'source/commands/write-out.ts',
			'source/commands/prompt.ts',
			'source/ui/run.tsx',
		],
		rules: {'no-restricted-properties': 'off', 'no-restricted-syntax': 'off'},
	},
	{
		files: ['**/*.{js,mjs,cjs}'],
		languageOptions: {globals: {...globals.node}},
	},
);
