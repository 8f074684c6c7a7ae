import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {readAncestry, readChildren} from '../../../source/core/processes/ancestry.js';
import {
	isShellName,
	sessionAncestors,
	shellOrigin,
} from '../../../source/core/processes/session.js';
import {ProcessGoneError} from '../../../source/core/errors.js';

/** A /proc with only stat files (no task/children files, as kernels without CONFIG_PROC_CHILDREN). */
function fakeProc(processes: Array<[pid: number, name: string, ppid: number]>): string {
	const root = mkdtempSync(join(tmpdir(), 'portui-proc-'));
	for (const [pid, name, ppid] of processes) {
		mkdirSync(join(root, String(pid)));
		writeFileSync(
			join(root, String(pid), 'stat'),
			`${pid} (${name}) S ${ppid} ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${pid * 10} 1000 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n`,
		);
	}
	return root;
}

test('ancestry from PID 1 down, and children by scanning when the kernel has no children files', (t) => {
	const root = fakeProc([
		[1, 'systemd', 0],
		[500, 'sshd', 1],
		[600, 'sshd', 500],
		[601, 'bash', 600],
		[700, 'nginx', 1],
		[701, 'nginx', 700],
		[702, 'nginx', 700],
	]);
	t.after(() => rmSync(root, {recursive: true, force: true}));
	assert.deepEqual(readAncestry(701, root), [
		{pid: 1, name: 'systemd'},
		{pid: 700, name: 'nginx'},
	]);
	assert.deepEqual(readAncestry(1, root), []);
	assert.deepEqual(readChildren(700, root), [
		{pid: 701, name: 'nginx'},
		{pid: 702, name: 'nginx'},
	]);
	assert.deepEqual(readChildren(701, root), []);
	assert.throws(() => readAncestry(999, root), ProcessGoneError);
	assert.deepEqual([...sessionAncestors(601, root)].sort(), [500, 600]);
});

test('an ancestor that vanished ends the chain instead of failing', (t) => {
	const root = fakeProc([[20, 'orphan-ish', 10]]);
	t.after(() => rmSync(root, {recursive: true, force: true}));
	assert.deepEqual(readAncestry(20, root), []);
});

test('started from a shell: nearest shell, tty, sshd and multiplexer above it', () => {
	const chain = [
		{pid: 1, name: 'systemd'},
		{pid: 500, name: 'sshd'},
		{pid: 600, name: 'sshd'},
		{pid: 601, name: '-bash'},
		{pid: 700, name: 'tmux: server'},
		{pid: 701, name: 'zsh'},
		{pid: 800, name: 'make'},
	];
	assert.deepEqual(shellOrigin(chain, {tty: 'pts/3', session: 701}), {
		shell: {pid: 701, name: 'zsh'},
		tty: 'pts/3',
		session: 701,
		sshd: {pid: 600, name: 'sshd'},
		multiplexer: {pid: 700, name: 'tmux: server'},
	});
	assert.equal(
		shellOrigin(
			[
				{pid: 1, name: 'systemd'},
				{pid: 700, name: 'nginx'},
			],
			{tty: null, session: 700},
		),
		undefined,
	);
	assert.equal(isShellName('-bash'), true);
	assert.equal(isShellName('node'), false);
});

test('this test runs under its own session ancestors', () => {
	const ancestors = sessionAncestors();
	assert.ok(ancestors.has(process.ppid));
	assert.equal(ancestors.has(process.pid), false);
	assert.equal(ancestors.has(1), false);
});
