/**
 * Real hostile sources for the output tests, built from the corpus in
 * test/fixtures/hostile/strings.ts:
 *
 * - a process whose comm name and executable path carry escapes (node hard
 *   linked, or copied, to a file whose name holds them), whose argv[0] and
 *   arguments carry the whole corpus, whose working directory is a chain of
 *   hostile directory names and which keeps a hostile-named file open;
 * - it listens on a loopback port of its own and greets every connection
 *   with a hostile banner (`scan --banner`);
 * - it runs in a cgroup named like a systemd unit with escapes in its name
 *   (cgroup v1's name=systemd hierarchy, or cgroup2), as a hostile unit;
 * - a `.env` config at a hostile path whose lines around `PORT=` are hostile
 *   (the `move` diff).
 *
 * Needs root (the cgroup). stop() kills the process, removes the cgroup and
 * the files.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {
	closeSync,
	copyFileSync,
	existsSync,
	linkSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readFileSync,
	realpathSync,
	rmdirSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {hostileStrings} from '../fixtures/hostile/strings.js';

const texts = hostileStrings.map((entry) => entry.text);
const byName = (name: string) =>
	hostileStrings.find((entry) => entry.name === name)!.text;

/**
 * The executable's file name. The kernel keeps its first 15 bytes as the
 * process's comm: a window title change, an erase of the screen, a C1 CSI
 * and a right-to-left override.
 */
export const HOSTILE_EXE_NAME = `\u001b]2;T\u0007\u001b[2J\u009b\u202e-srv\u009b2Jgpj.exe\u202c`;
/** What the kernel keeps of it as the comm name. */
export const HOSTILE_COMM = Buffer.from(HOSTILE_EXE_NAME).subarray(0, 15).toString();
/** argv[0]: the carriage return that rewrites a prompt, and a clipboard write. */
export const HOSTILE_ARGV0 = `${byName('carriage return over a prompt')}${byName('OSC 52 clipboard write (BEL)')}`;
/** The unit name (a cgroup directory: no slash, no newline). */
export const HOSTILE_UNIT = `\u001b]0;unit-title\u0007\u009d0;c1\u009c\u202ex.service`;
/** The banner: SSH-style greeting, one line. */
export const HOSTILE_BANNER = `SSH-2.0-${byName('OSC 52 clipboard write (ST)')}${byName('window title')}${byName('C1 CSI erase screen (UTF-8)')}${byName('bidi override')}`;
/** The name of the file the process keeps open (the process screen's open files). */
export const HOSTILE_OPEN_FILE = `open-${byName('OSC 52 clipboard write (BEL)')}${byName('bidi isolates')}.log`;

const SCRIPT = `
const net = require('node:net');
const fs = require('node:fs');
const server = net.createServer((socket) => {
	socket.on('error', () => {});
	socket.end(process.env.HOSTILE_BANNER + '\\r\\n');
});
server.listen(0, '127.0.0.1', () => {
	process.stdout.write(JSON.stringify({port: server.address().port}) + '\\n');
});
setInterval(() => {}, 1 << 30);
`;

export type HostileSources = {
	pid: number;
	port: number;
	/** The executable the process runs (its /proc/PID/exe). */
	exe: string;
	cwd: string;
	/** The `.env` config declaring the process's port, at a hostile path. */
	config: string;
	/** The cgroup the process was moved into, or undefined where none could be made. */
	unitCgroup: string | undefined;
	/** Temp directory holding everything. */
	root: string;
	stop(): Promise<void>;
};

/** The systemd v1 hierarchy when mounted (hybrid hosts), else cgroup2 at /sys/fs/cgroup. */
function unitHierarchy(): string | undefined {
	for (const candidate of [
		'/sys/fs/cgroup/systemd',
		'/sys/fs/cgroup/unified',
		'/sys/fs/cgroup',
	]) {
		if (existsSync(path.join(candidate, 'cgroup.procs'))) return candidate;
	}
	return undefined;
}

function moveToCgroup(pid: number, cgroup: string): void {
	writeFileSync(path.join(cgroup, 'cgroup.procs'), `${pid}\n`);
}

export async function startHostileSources(): Promise<HostileSources> {
	const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'portui-hostile-')));
	const binDir = path.join(root, `bin-${byName('window title')}`);
	mkdirSync(binDir);
	const exe = path.join(binDir, HOSTILE_EXE_NAME);
	try {
		// A hard link names the same binary under a new path: /proc/PID/exe shows that path.
		linkSync(process.execPath, exe);
	} catch {
		copyFileSync(process.execPath, exe);
	}
	// Every corpus entry is one more directory level (the hyperlink's slashes add levels).
	const cwd = [path.join(root, 'cwd'), ...texts].join('/');
	mkdirSync(cwd, {recursive: true});
	const realCwd = realpathSync(cwd);
	const configDir = path.join(
		root,
		`app-${byName('erase screen and home')}${byName('bidi override')}`,
	);
	mkdirSync(configDir);
	const config = path.join(configDir, `${byName('C1 OSC title (UTF-8)')}.env`);

	let child: ChildProcess | undefined;
	let unitCgroup: string | undefined;
	// Passed as the child's fd 3, so the process screen lists it among the first open files.
	let openFile: number | undefined = openSync(path.join(root, HOSTILE_OPEN_FILE), 'w');
	const stop = async () => {
		if (openFile !== undefined) closeSync(openFile);
		openFile = undefined;
		if (child && child.exitCode === null && child.signalCode === null) {
			const exited = once(child, 'exit');
			child.kill('SIGKILL');
			await exited;
		}
		if (unitCgroup) {
			try {
				rmdirSync(unitCgroup);
			} catch {
				// Still busy a moment after the kill: the kernel frees it when the last task is reaped.
				await new Promise((resolve) => setTimeout(resolve, 100));
				rmdirSync(unitCgroup);
			}
		}
		rmSync(root, {recursive: true, force: true});
	};
	try {
		child = spawn(exe, ['-e', SCRIPT, ...texts], {
			argv0: HOSTILE_ARGV0,
			cwd: realCwd,
			env: {...process.env, HOSTILE_BANNER},
			stdio: ['ignore', 'pipe', 'inherit', openFile],
		});
		closeSync(openFile);
		openFile = undefined;
		const port = await new Promise<number>((resolve, reject) => {
			let text = '';
			child!.stdout!.on('data', (chunk: Buffer) => {
				text += chunk.toString();
				if (text.includes('\n'))
					resolve((JSON.parse(text.split('\n')[0]!) as {port: number}).port);
			});
			child!.once('exit', (code) =>
				reject(new Error(`hostile process exited (${code})`)),
			);
		});
		const pid = child.pid!;
		const hierarchy = unitHierarchy();
		if (hierarchy) {
			unitCgroup = path.join(hierarchy, HOSTILE_UNIT);
			mkdirSync(unitCgroup);
			moveToCgroup(pid, unitCgroup);
		}
		// The adjacent lines are the diff's context: every one of them hostile.
		writeFileSync(
			config,
			[
				`# ${byName('OSC 52 clipboard write (BEL)')}`,
				`NAME=${byName('window title')}`,
				`PORT=${port}`,
				`# ${byName('carriage return over a prompt')}`,
				`NOTE=${byName('C1 CSI erase screen (UTF-8)')}${byName('bidi override')}`,
				'',
			].join('\n'),
		);
		const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
		if (comm !== HOSTILE_COMM) throw new Error(`comm is ${JSON.stringify(comm)}`);
		return {pid, port, exe, cwd: realCwd, config, unitCgroup, root, stop};
	} catch (error) {
		await stop();
		throw error;
	}
}
