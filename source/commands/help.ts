/**
 * --help and --version, printed by meow (the project's design names it for
 * these). Kept apart from flags.ts so that only these two pay for importing
 * meow, and the cold `portui list` bundle leaves it out (scripts/bundle-list.mjs).
 */
import meow from 'meow';

function cli(help: string) {
	return meow(help, {
		importMeta: import.meta,
		argv: [],
		autoHelp: false,
		autoVersion: false,
	});
}

/** Prints the command's help, below the package's description, and exits 0. */
export function showHelp(help: string): never {
	return cli(help).showHelp(0);
}

/** Prints the package's version and exits 0. */
export function showVersion(): never {
	cli('').showVersion();
	// meow exits after printing; its types do not say so.
	throw new Error('meow did not exit after showing the version');
}
