// Runs the built binary: `portui move` rewrites a config's port digits and
// nothing else, whatever its bytes are (issue 9, finding 4).
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {runPortui} from '../helpers/run-portui.js';

const from = 47311;
const to = 47312;

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

/**
 * One config per adapter, written as Latin-1 strings (one character, one byte)
 * so `\xfc` is the lone byte 0xfc, never valid UTF-8. `{port}` stands for the port.
 * Where the syntax allows it, a non-UTF-8 byte sits on the port's own line,
 * before or after the digits.
 */
const configs: Array<{adapter: string; name: string; lines: string[]}> = [
	{
		adapter: 'nginx',
		name: 'nginx.conf',
		lines: [
			'# f\xfcr nginx',
			'events {}',
			'http {',
			'\tserver { server_name f\xfcr.example; listen 127.0.0.1:{port}; }',
			'}',
		],
	},
	{
		adapter: 'apache',
		name: 'ports.conf',
		lines: [
			'# f\xfcr Apache',
			'Listen 127.0.0.1:{port}',
			'<VirtualHost 127.0.0.1:{port}>',
			'\tServerName f\xfcr.example',
			'</VirtualHost>',
		],
	},
	{
		adapter: 'sshd',
		name: 'sshd_config',
		lines: ['# f\xfcr sshd', 'Port {port} # f\xfcr', 'Banner /etc/f\xfcr'],
	},
	{
		adapter: 'redis',
		name: 'redis.conf',
		lines: ['# f\xfcr Redis', 'port {port} # f\xfcr', 'databases 16'],
	},
	{
		adapter: 'postgresql',
		name: 'postgresql.conf',
		lines: [
			'# f\xfcr PostgreSQL',
			'port = {port}\t\t# f\xfcr',
			"cluster_name = 'f\xfcr'",
		],
	},
	{
		adapter: 'mysql',
		name: 'my.cnf',
		lines: ['[mysqld]', '# f\xfcr MariaDB', 'port = {port} # f\xfcr', 'user = mysql'],
	},
	{
		adapter: 'systemd',
		name: 'web.service',
		lines: [
			'[Unit]',
			'Description=f\xfcr',
			'[Service]',
			'Environment=PORT={port} "GREETING=f\xfcr"',
			'ExecStart=/bin/true',
		],
	},
	{
		adapter: 'compose',
		name: 'compose.yaml',
		lines: [
			'# f\xfcr compose',
			'services:',
			'  web:',
			'    image: f\xfcr',
			'    ports:',
			'      - "127.0.0.1:{port}:80" # f\xfcr',
		],
	},
	{
		adapter: 'env',
		name: '.env',
		lines: ['# f\xfcr the app', 'PORT={port} # f\xfcr', 'NAME=f\xfcr'],
	},
];

type Pattern = {
	name: string;
	/** Lines (Latin-1 strings) and the port → the file's bytes. */
	bytes: (lines: string[], port: number) => Buffer;
};

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const withPort = (lines: string[], port: number) =>
	lines.map((line) => line.replaceAll('{port}', String(port)));

const patterns: Pattern[] = [
	{
		name: 'Latin-1 bytes (not UTF-8)',
		bytes: (lines, port) => latin1(`${withPort(lines, port).join('\n')}\n`),
	},
	{
		name: 'valid UTF-8 before the digits (2- and 4-byte characters)',
		bytes: (lines, port) =>
			Buffer.from(
				`${withPort(lines, port)
					.map((line) => line.replaceAll('\xfc', 'ü😀'))
					.join('\n')}\n`,
				'utf8',
			),
	},
	{
		name: 'a UTF-8 byte order mark',
		bytes: (lines, port) =>
			Buffer.concat([
				Buffer.from([0xef, 0xbb, 0xbf]),
				latin1(`${withPort(lines, port).join('\n')}\n`),
			]),
	},
	{
		name: 'CRLF line ends',
		bytes: (lines, port) => latin1(`${withPort(lines, port).join('\r\n')}\r\n`),
	},
	{
		name: 'no final newline',
		bytes: (lines, port) => latin1(withPort(lines, port).join('\n')),
	},
	{
		name: 'NUL bytes',
		bytes: (lines, port) =>
			latin1(`${withPort([`# nul \0 byte`, ...lines, '# \0\0'], port).join('\n')}\n`),
	},
	{
		name: 'all of them at once',
		bytes: (lines, port) =>
			Buffer.concat([
				Buffer.from([0xef, 0xbb, 0xbf]),
				latin1(withPort([...lines, '# \0 \xff\xfe'], port).join('\r\n')),
			]),
	},
];

type MoveJson = {
	ok: boolean;
	diff: string;
	declarations: Array<{line: number; context: string}>;
	files: Array<{path: string; backup: string}>;
};

describe('portui move edits bytes, not text', () => {
	for (const config of configs) {
		describe(config.adapter, () => {
			for (const pattern of patterns) {
				test(`${pattern.name}: only the port's digits change`, () => {
					const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-bytes-'));
					dirs.push(dir);
					const file = path.join(dir, config.name);
					const original = pattern.bytes(config.lines, from);
					writeFileSync(file, original);
					const result = runPortui(
						[
							'move',
							String(from),
							'--to',
							String(to),
							'--config',
							file,
							'--yes',
							'--no-restart',
							'--check-cmd',
							'true',
							'--json',
						],
						{env: {XDG_STATE_HOME: path.join(dir, 'state')}},
					);
					assert.equal(result.status, 0, result.stderr);
					const output = JSON.parse(result.stdout) as MoveJson;
					assert.equal(output.ok, true);
					const written = readFileSync(file);
					const expected = pattern.bytes(config.lines, to);
					assert.equal(
						written.toString('hex'),
						expected.toString('hex'),
						`${config.name} is not the original with only ${from} → ${to}`,
					);
					assert.equal(
						readFileSync(output.files[0]!.backup).toString('hex'),
						original.toString('hex'),
					);
					// Shown, not corrupted: a byte that is not UTF-8 is written \xNN.
					assert.doesNotMatch(output.diff, /\ufffd/);
					for (const found of output.declarations)
						assert.doesNotMatch(found.context, /\ufffd/);
					if (original.includes(0xfc) && !original.includes('ü')) {
						assert.match(output.diff, /f\\xfcr/);
					}
				});
			}
		});
	}
});

// JavaScript's \s also matches U+00A0, U+2028 and the BOM, which nginx reads as
// word characters: the reader looped forever on a word starting with one.
test('nginx: a no-break space or a BOM inside a directive is part of a word, not a hang', () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-bytes-'));
	dirs.push(dir);
	const file = path.join(dir, 'nginx.conf');
	const original = Buffer.from(
		`\ufeffevents {}\nhttp {\n\tserver {\n\t\tserver_name a\u00a0b \u2028c;\n\t\tlisten ${from};\n\t}\n}\n`,
		'utf8',
	);
	writeFileSync(file, original);
	const result = runPortui(
		['move', String(from), '--to', String(to), '--config', file, '--dry-run', '--json'],
		{env: {XDG_STATE_HOME: path.join(dir, 'state')}, timeoutMs: 20_000},
	);
	assert.equal(result.status, 0, `status ${result.status}: ${result.stderr}`);
	const output = JSON.parse(result.stdout) as MoveJson;
	assert.deepEqual(
		output.declarations.map((found) => found.line),
		[5],
	);
	assert.equal(readFileSync(file).toString('hex'), original.toString('hex'));
});
