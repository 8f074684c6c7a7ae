/**
 * A fake /proc for tests of the fd walk: pid dirs with a stat line, a
 * cmdline, a status and fd links whose targets are the texts the kernel uses
 * (`socket:[N]`, `pipe:[N]`, paths).
 */
import {
	mkdirSync,
	mkdtempSync,
	renameSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Cleanup} from './socket-children.js';

export type FakeProc = {
	root: string;
	addProcess: (pid: number, startTicks: number, links: string[], name?: string) => void;
	/** Processes caught as they exit: pids 300, 400 and 500 (see the function). */
	addDyingProcesses: () => void;
};

export function fakeProc(cleanup: Cleanup): FakeProc {
	const root = mkdtempSync(join(tmpdir(), 'portui-fakeproc-'));
	cleanup.push(() => rmSync(root, {recursive: true, force: true}));
	writeFileSync(join(root, 'stat'), 'cpu  1 2 3\nbtime 1700000000\n');
	const addProcess = (
		pid: number,
		startTicks: number,
		links: string[],
		name = `proc${pid}`,
	) => {
		// Built aside and renamed in, so a background walk sees a process whole or
		// not at all, as with a real /proc (never a pid whose fds are still appearing).
		const stage = mkdtempSync(join(root, '.stage-'));
		mkdirSync(join(stage, 'fd'));
		const fields = ['S', '1', String(pid), String(pid), '0', '-1', '4194560'];
		while (fields.length < 19) fields.push('0');
		fields.push(String(startTicks), '1000', '10');
		writeFileSync(join(stage, 'stat'), `${pid} (${name}) ${fields.join(' ')} 0 0 0\n`);
		writeFileSync(join(stage, 'cmdline'), `${name}\0--flag\0`);
		writeFileSync(join(stage, 'status'), `Name:\t${name}\nUid:\t0\t0\t0\t0\n`);
		links.forEach((link, fd) => symlinkSync(link, join(stage, 'fd', String(fd))));
		const dir = join(root, String(pid));
		rmSync(dir, {recursive: true, force: true});
		renameSync(stage, dir);
	};
	const addDyingProcesses = () => {
		// 300: listed in /proc but exited before its stat could be read.
		mkdirSync(join(root, '300'));
		// 400: stat readable, fd dir already gone (exited mid-walk).
		addProcess(400, 7000, []);
		rmSync(join(root, '400', 'fd'), {recursive: true});
		// 500: fd is not a directory at all.
		addProcess(500, 8000, []);
		rmSync(join(root, '500', 'fd'), {recursive: true});
		writeFileSync(join(root, '500', 'fd'), 'odd');
	};
	return {root, addProcess, addDyingProcesses};
}
