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
		files: ['**/*.{js,mjs,cjs}'],
		languageOptions: {globals: {...globals.node}},
	},
);
