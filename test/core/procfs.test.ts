import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {readFileSync} from 'node:fs';
import {hasSignal, parseStatus, readProcFile} from '../../source/core/procfs.js';
import {ProcessGoneError} from '../../source/core/errors.js';

const TERM = 15;
const INT = 2;

test('parseStatus reads uid, RSS, NSpid and the signal masks', () => {
	const status = parseStatus(
		[
			'Name:\tperl',
			'Uid:\t1000\t33\t33\t33',
			'NSpid:\t31826\t1',
			'VmRSS:\t    8192 kB',
			'SigIgn:\t0000000000000006',
			'SigCgt:\t0000000180004a07',
			'',
		].join('\n'),
	);
	assert.equal(status.uid, 33, 'the effective uid');
	assert.equal(status.rssBytes, 8192 * 1024);
	assert.deepEqual(status.nsPids, [31826, 1]);
	assert.equal(hasSignal(status.caughtSignals, TERM), true);
	assert.equal(hasSignal(status.caughtSignals, 33), true, 'a real-time signal, bit 32');
	assert.equal(hasSignal(status.ignoredSignals, INT), true);
	assert.equal(hasSignal(status.ignoredSignals, TERM), false);
});

test('parseStatus: a kernel thread or a zombie lacks fields; junk is not a value', () => {
	const status = parseStatus('Name:\tkthreadd\nUid:\t0\t0\t0\t0\nSigCgt:\tzz\n');
	assert.equal(status.uid, 0);
	assert.equal(status.rssBytes, undefined);
	assert.deepEqual(status.nsPids, []);
	assert.equal(status.caughtSignals, 0n);
	assert.deepEqual(parseStatus(''), {
		uid: undefined,
		rssBytes: undefined,
		nsPids: [],
		caughtSignals: 0n,
		ignoredSignals: 0n,
	});
});

test('a real process: its own status, and a handler it installs shows in SigCgt', async () => {
	const own = parseStatus(readFileSync('/proc/self/status', 'utf8'));
	assert.equal(own.uid, process.geteuid?.());
	assert.equal(own.nsPids.at(-1), process.pid);
	const child = spawn(
		'perl',
		['-e', '$SIG{USR1} = sub {}; $| = 1; print "ready\\n"; sleep 30'],
		{stdio: ['ignore', 'pipe', 'ignore']},
	);
	await once(child.stdout!, 'data');
	const status = parseStatus(readProcFile(child.pid!, 'status'));
	assert.equal(hasSignal(status.caughtSignals, 10), true, 'SIGUSR1 is caught');
	assert.equal(hasSignal(status.caughtSignals, TERM), false, 'perl leaves SIGTERM alone');
	child.kill('SIGKILL');
	await once(child, 'exit');
	assert.throws(() => readProcFile(child.pid!, 'status'), ProcessGoneError);
});
