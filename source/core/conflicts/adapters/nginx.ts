/**
 * nginx: `listen` directives in the loaded config and every file its
 * `include` globs pull in. Relative include paths resolve against the
 * directory of the main config file (nginx's conf prefix when started with -c).
 */
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {
	configWalker,
	declaration,
	expandGlob,
	isFile,
	realFile,
	entryFile,
	rootOf,
	splitHostPort,
	underRoot,
	nonEmpty,
	linesOf,
} from './common.js';
import type {
	AdapterOptions,
	ConfigAdapter,
	PortDeclaration,
	ScanResult,
} from './types.js';

type Token = {text: string; line: number; column: number; quoted: boolean};

/** Splits nginx config text into words, `;`, `{` and `}` with their positions (1-based). */
export function tokenizeNginx(text: string): Token[] {
	const tokens: Token[] = [];
	let line = 1;
	let lineStart = 0;
	let index = 0;
	while (index < text.length) {
		const char = text[index]!;
		if (char === '\n') {
			line++;
			index++;
			lineStart = index;
		} else if (char === ' ' || char === '\t' || char === '\r') index++;
		else if (char === '#') {
			while (index < text.length && text[index] !== '\n') index++;
		} else if (char === ';' || char === '{' || char === '}') {
			tokens.push({text: char, line, column: index - lineStart + 1, quoted: false});
			index++;
		} else if (char === '"' || char === "'") {
			const startColumn = index - lineStart + 2;
			const startLine = line;
			let value = '';
			index++;
			while (index < text.length && text[index] !== char) {
				if (text[index] === '\\' && index + 1 < text.length) {
					value += text[index + 1];
					index += 2;
					continue;
				}
				if (text[index] === '\n') {
					line++;
					lineStart = index + 1;
				}
				value += text[index];
				index++;
			}
			index++;
			tokens.push({text: value, line: startLine, column: startColumn, quoted: true});
		} else {
			const start = index;
			// nginx separates words by ASCII blanks only (JavaScript's \s also takes
			// U+00A0, U+2028, the BOM…, which would end a word before it began).
			while (index < text.length && !/[ \t\r\n;{}]/.test(text[index]!)) index++;
			tokens.push({
				text: text.slice(start, index),
				line,
				column: start - lineStart + 1,
				quoted: false,
			});
		}
	}
	return tokens;
}

type ServerBlock = {names: string[]; declarations: PortDeclaration[]};

function scanNginx(entry: string, root: string): ScanResult {
	const result: ScanResult = {declarations: [], files: [], entry, includeGlobs: []};
	const confPrefix = path.dirname(entry);
	const stack: Array<ServerBlock | undefined> = [];

	const visit = configWalker(result.files, 16, (real, text, follow) => {
		const lines = linesOf(text);
		const tokens = tokenizeNginx(text);
		let words: Token[] = [];
		for (const token of tokens) {
			if (!token.quoted && token.text === '{') {
				stack.push(
					words[0]?.text === 'server' ? {names: [], declarations: []} : undefined,
				);
				words = [];
			} else if (!token.quoted && token.text === '}') {
				const block = stack.pop();
				if (block) {
					for (const found of block.declarations) {
						if (block.names.length > 0) found.scope = block.names.join(' ');
					}
				}
				words = [];
			} else if (!token.quoted && token.text === ';') {
				const [name, ...args] = words;
				words = [];
				if (!name) continue;
				const server = [...stack].reverse().find((block) => block !== undefined);
				if (name.text === 'include' && args[0]) {
					const glob = underRoot(root, args[0].text, underRoot(root, confPrefix));
					result.includeGlobs.push(glob);
					for (const included of expandGlob(glob)) {
						if (isFile(included)) follow(included);
					}
				} else if (name.text === 'server_name' && server) {
					server.names.push(...args.map((arg) => arg.text));
				} else if (name.text === 'listen' && args[0]) {
					const found = listenDeclaration(real, lines, args);
					if (found) {
						result.declarations.push(found);
						server?.declarations.push(found);
					}
				}
			} else words.push(token);
		}
	});
	visit(entry);
	return result;
}

function listenDeclaration(
	file: string,
	lines: string[],
	args: Token[],
): PortDeclaration | undefined {
	const [address, ...flags] = args;
	if (!address || address.text.startsWith('unix:')) return undefined;
	const split = splitHostPort(address.text);
	// `listen localhost;` means port 80 with nothing to rewrite in place: not reported.
	if (!split) return undefined;
	const lineText = lines[address.line - 1] ?? '';
	const protocol = flags.some((flag) => flag.text === 'udp' || flag.text === 'quic')
		? 'udp'
		: 'tcp';
	return declaration(
		'nginx',
		file,
		address.line,
		lineText,
		address.column - 1 + split.portOffset,
		split.portText,
		{protocol, ...(split.address === undefined ? {} : {address: split.address})},
	);
}

/** The nginx master's `-p PREFIX` for a config, read from the running process when there is one. */
export function runningNginxPrefix(
	configFile: string,
	procRoot = '/proc',
): string | undefined {
	let pids: string[];
	try {
		pids = readdirSync(procRoot).filter((name) => /^\d+$/.test(name));
	} catch {
		return undefined;
	}
	for (const pid of pids) {
		let argv: string[];
		try {
			argv = readFileSync(path.join(procRoot, pid, 'cmdline'), 'utf8').split('\0');
		} catch {
			continue;
		}
		// nginx rewrites its title ("nginx: master process nginx -c …"): one string, spaces inside.
		if (argv.filter(Boolean).length === 1) argv = argv[0]!.split(/\s+/);
		if (!argv.some((word) => word.includes('nginx'))) continue;
		const config = argv[argv.indexOf('-c') + 1];
		const prefixIndex = argv.indexOf('-p');
		if (
			argv.indexOf('-c') !== -1 &&
			config &&
			realFile(config) === realFile(configFile)
		) {
			if (prefixIndex !== -1 && argv[prefixIndex + 1]) return argv[prefixIndex + 1];
		}
	}
	return undefined;
}

function prefixFor(entry: string, options?: AdapterOptions): string {
	return options?.prefix ?? runningNginxPrefix(entry) ?? `${path.dirname(entry)}/`;
}

export const nginxAdapter: ConfigAdapter & {
	prefix(entry: string, options?: AdapterOptions): string;
} = {
	name: 'nginx',
	title: 'nginx',
	processNames: ['nginx'],
	scan(options?: AdapterOptions): ScanResult[] {
		const root = rootOf(options);
		return nonEmpty(scanNginx(entryFile(options, root, '/etc/nginx/nginx.conf'), root));
	},
	claims(file, text) {
		if (/nginx/.test(path.basename(file))) return true;
		return (
			/^\s*(http|server|events)\s*\{/m.test(text) || /^\s*listen\s+\S+.*;/m.test(text)
		);
	},
	checkCommand(scan, options) {
		if (!scan.entry) return undefined;
		// -e stderr (nginx ≥ 1.19.5): errors come back to portui instead of going to a log file.
		return [
			'nginx',
			'-t',
			'-q',
			'-e',
			'stderr',
			'-c',
			scan.entry,
			'-p',
			prefixFor(scan.entry, options),
		];
	},
	unit(scan) {
		// A config elsewhere is some other nginx instance: only its cgroup can name its unit.
		return scan.entry === '/etc/nginx/nginx.conf' ? 'nginx.service' : undefined;
	},
	restartHint(scan) {
		if (!scan.entry) return undefined;
		return `nginx -s reload -c ${scan.entry} -p ${prefixFor(scan.entry)}`;
	},
	prefix: prefixFor,
};
