/**
 * End to end with a real nginx: started by the test on a loopback port with
 * everything (pid, logs, temp paths) inside a temp dir, a second process
 * waiting to bind that port, then `portui move PORT --to auto` from the built
 * CLI. nginx must serve on the new port, the other process must get the old
 * one, and the backup must hold the original config.
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {freeBlock} from '../helpers/port-block.js';
import {runPortui} from '../helpers/run-portui.js';

const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => existsSync(file));

function get(port: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const request = http.get(
			{host: '127.0.0.1', port, path: '/', timeout: 2000},
			(response) => {
				let body = '';
				response.setEncoding('utf8');
				response.on('data', (chunk: string) => (body += chunk));
				response.on('end', () => resolve(body));
			},
		);
		request.on('timeout', () => request.destroy(new Error('timeout')));
		request.on('error', reject);
	});
}

/** Polls until `probe` resolves truthy, up to a bounded number of tries (no timing assertion). */
async function until<T>(
	probe: () => Promise<T | undefined>,
	tries = 100,
): Promise<T | undefined> {
	for (let attempt = 0; attempt < tries; attempt++) {
		const value = await probe().catch(() => undefined);
		if (value) return value;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return undefined;
}

function stop(child: ChildProcess | undefined): Promise<void> {
	if (!child || child.exitCode !== null || child.signalCode !== null)
		return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
		child.once('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		child.kill('SIGTERM');
	});
}

test('portui move moves a running nginx to the next free port and frees the old one', async (t) => {
	if (!nginx) {
		t.skip('nginx is not installed (.ci/run installs it)');
		return;
	}
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-nginx-e2e-'));
	const prefix = `${dir}/`;
	const config = path.join(dir, 'nginx.conf');
	const state = path.join(dir, 'state');
	let server: ChildProcess | undefined;
	let contender: ChildProcess | undefined;
	try {
		const port = await freeBlock(2);
		mkdirSync(path.join(dir, 'tmp'));
		const text = [
			'worker_processes 1;',
			'daemon off;',
			`pid ${dir}/nginx.pid;`,
			'error_log stderr;',
			'events { worker_connections 64; }',
			'http {',
			'\taccess_log off;',
			...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
				(kind) => `\t${kind}_temp_path ${dir}/tmp/${kind};`,
			),
			'\tserver {',
			`\t\tlisten 127.0.0.1:${port};`,
			'\t\tlocation / { return 200 "served by nginx\\n"; }',
			'\t}',
			'}',
			'',
		].join('\n');
		writeFileSync(config, text);
		server = spawn(nginx, ['-e', 'stderr', '-c', config, '-p', prefix], {
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		let nginxLog = '';
		server.stderr!.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()));
		assert.equal(
			await until(() => get(port)),
			'served by nginx\n',
			`nginx did not start: ${nginxLog}`,
		);

		// The other party: wants the same port and retries until it gets it.
		contender = spawn(
			process.execPath,
			[
				'-e',
				`const net = require('node:net');
				const serve = () => net.createServer((s) => s.end('HTTP/1.0 200 OK\\r\\n\\r\\ncontender\\n'))
					.once('error', () => setTimeout(serve, 100))
					.listen(${port}, '127.0.0.1', () => console.log('BOUND'));
				serve();`,
			],
			{stdio: ['ignore', 'pipe', 'inherit']},
		);
		let contenderOut = '';
		contender.stdout!.on('data', (chunk: Buffer) => (contenderOut += chunk.toString()));

		const reload = `${nginx} -s reload -e stderr -c ${config} -p ${prefix}`;
		const result = runPortui(
			[
				'move',
				String(port),
				'--to',
				'auto',
				'--config',
				config,
				'--yes',
				'--restart-cmd',
				reload,
				'--json',
			],
			{env: {XDG_STATE_HOME: state}},
		);
		assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}\n${nginxLog}`);
		const output = JSON.parse(result.stdout) as {
			to: number;
			ok: boolean;
			check: {command: string[]; ok: boolean};
			files: Array<{path: string; backup: string}>;
			restart: {how: string; ok: boolean};
			verify: {newPortListening: boolean; oldPortReleased: boolean};
		};
		assert.equal(output.ok, true);
		assert.ok(output.to > port, `moved up from ${port}: ${output.to}`);
		assert.deepEqual(output.check.command.slice(0, 2), ['nginx', '-t']);
		assert.equal(output.check.ok, true);
		assert.equal(output.restart.how, 'command');
		assert.deepEqual(output.verify, {
			...output.verify,
			newPortListening: true,
			oldPortReleased: true,
		});

		// nginx serves on the new port…
		assert.equal(await get(output.to), 'served by nginx\n');
		// …and the old port went to the other party.
		assert.equal(
			await until(async () => (contenderOut.includes('BOUND') ? true : undefined)),
			true,
		);
		assert.equal(await get(port), 'contender\n');

		// The config says so, and the backup beside it is the original.
		assert.match(
			readFileSync(config, 'utf8'),
			new RegExp(`listen 127\\.0\\.0\\.1:${output.to};`),
		);
		assert.equal(output.files[0]!.path, config);
		assert.equal(path.dirname(output.files[0]!.backup), dir);
		assert.equal(readFileSync(output.files[0]!.backup, 'utf8'), text);
		const log = readFileSync(path.join(state, 'portui/actions.log'), 'utf8')
			.trim()
			.split('\n');
		const entries = log.map((line) => JSON.parse(line) as {phase: string; ok?: boolean});
		assert.deepEqual(
			entries.map((entry) => entry.phase),
			['begun', 'finished'],
		);
		assert.equal(entries[1]!.ok, true);
	} finally {
		await stop(contender);
		await stop(server);
		// daemon off keeps the master our child; a stray master (if any) is named by its pid file.
		killStrayMaster(dir, config);
		rmSync(dir, {recursive: true, force: true});
	}
});

/** Kills the master named by the pid file only if that pid still runs this test's config. */
function killStrayMaster(dir: string, config: string): void {
	const pidFile = path.join(dir, 'nginx.pid');
	if (!existsSync(pidFile)) return;
	const pid = Number(readFileSync(pidFile, 'utf8').trim());
	let command = '';
	try {
		command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
	} catch {
		return;
	}
	if (pid > 1 && command.includes(config)) spawnSync('kill', ['-KILL', String(pid)]);
}

test('nginx -t failing: portui move exits 1, says so, and leaves the config untouched', (t) => {
	if (!nginx) {
		t.skip('nginx is not installed (.ci/run installs it)');
		return;
	}
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-nginx-check-'));
	try {
		const config = path.join(dir, 'nginx.conf');
		// A config nginx -t rejects (an include of a file that does not exist), as left by a typo.
		const text = [
			`pid ${dir}/nginx.pid;`,
			'error_log stderr;',
			'events {}',
			'http {',
			`	client_body_temp_path ${dir}/body;`,
			`	include ${dir}/missing.conf;`,
			'	server { listen 127.0.0.1:18080; }',
			'}',
			'',
		].join('\n');
		writeFileSync(config, text);
		const result = runPortui(
			['move', '18080', '--to', '18081', '--config', config, '--yes', '--no-restart'],
			{env: {XDG_STATE_HOME: path.join(dir, 'state')}},
		);
		assert.equal(result.status, 1, result.stdout);
		assert.match(
			result.stderr,
			/portui: config check failed \(nginx -t -q -e stderr -c .*nginx\.conf -p .*: .*missing\.conf.*\); .*nginx\.conf restored, unchanged\n$/,
		);
		assert.equal(readFileSync(config, 'utf8'), text);
		assert.deepEqual(
			readdirSync(dir).filter((name) => name.includes('.portui-')),
			[],
		);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
