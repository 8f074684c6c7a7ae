import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {
	isKernelThread,
	isSameProcess,
	readIdentity,
	readProcessStat,
} from '../../../source/core/processes/identity.js';
import {parseStat, startedAtMs} from '../../../source/core/procfs.js';
import {ProcessGoneError} from '../../../source/core/errors.js';

test('parseStat counts fields from the last parenthesis, so odd names survive', () => {
	const line =
		'4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 12 3 0 0 20 0 7 0 987654 1000000 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0';
	const stat = parseStat(line);
	assert.ok(stat);
	assert.equal(stat.pid, 4242);
	assert.equal(stat.name, 'my (odd) name');
	assert.equal(stat.state, 'S');
	assert.equal(stat.ppid, 1);
	assert.equal(stat.userTicks, 12);
	assert.equal(stat.threads, 7);
	assert.equal(stat.startTicks, 987654);
	assert.equal(stat.residentPages, 250);
});

test('parseStat rejects malformed text', () => {
	assert.equal(parseStat(''), undefined);
	assert.equal(parseStat('garbage'), undefined);
	assert.equal(parseStat('12 (x) S 1 2'), undefined);
});

test('a real child: identity, start time near now, gone after exit', async () => {
	const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
	await once(child, 'spawn');
	const pid = child.pid!;
	const identity = readIdentity(pid);
	const stat = readProcessStat(pid);
	assert.equal(stat.ppid, process.pid);
	assert.ok(Math.abs(startedAtMs(identity.startTicks) - Date.now()) < 5000);
	assert.equal(isSameProcess(identity), true);
	assert.equal(isSameProcess({pid, startTicks: identity.startTicks - 1}), false);
	child.kill('SIGKILL');
	await once(child, 'exit');
	assert.equal(isSameProcess(identity), false);
	assert.throws(() => readProcessStat(pid), ProcessGoneError);
});

test('kthreadd is a kernel thread, this process is not', () => {
	assert.equal(isKernelThread(readProcessStat(process.pid)), false);
	try {
		assert.equal(isKernelThread(readProcessStat(2)), true);
	} catch (error) {
		if (!(error instanceof ProcessGoneError)) throw error;
	}
});
