import {test} from 'node:test';
import assert from 'node:assert/strict';
import {listenerJsonText, listenerToJson} from '../../../source/core/sockets/json.js';
import type {Holder, Listener} from '../../../source/core/sockets/listener.js';

const holder = (pid: number, command: string): Holder => ({
	pid,
	name: 'we"ird\\name',
	command,
	uid: 1000,
	user: 'alice',
	startTicks: 5,
	startedAtMs: 0,
});

const listeners: Listener[] = [
	{
		protocol: 'tcp',
		family: 4,
		address: '127.0.0.1',
		port: 8080,
		state: 'LISTEN',
		inode: 123,
		uid: 1000,
		user: 'alice',
		processes: [holder(4242, 'node server.js'), holder(4243, 'node "quoted"\ttab\u0001')],
		processesHidden: false,
	},
	{
		protocol: 'udp',
		family: 6,
		address: 'fe80::1%eth0',
		port: 53,
		state: 'UNCONN',
		inode: 7,
		uid: 0,
		user: 'root',
		processes: [],
		processesHidden: true,
	},
];

test('listenerToJson: the documented keys, in order, first holder flattened', () => {
	const json = listenerToJson(listeners[0]!);
	assert.deepEqual(Object.keys(json), [
		'protocol',
		'family',
		'address',
		'port',
		'state',
		'inode',
		'uid',
		'user',
		'pid',
		'process',
		'command',
		'processes',
	]);
	assert.equal(json.pid, 4242);
	assert.equal(json.command, 'node server.js');
	assert.deepEqual(json.processes[1], {
		pid: 4243,
		name: 'we"ird\\name',
		command: 'node "quoted"\ttab\u0001',
		user: 'alice',
	});
	const none = listenerToJson(listeners[1]!);
	assert.equal(none.pid, null);
	assert.equal(none.process, null);
	assert.equal(none.command, null);
	assert.deepEqual(none.processes, []);
});

test('listenerJsonText is exactly JSON.stringify(listenerToJson(...))', () => {
	for (const listener of listeners) {
		assert.equal(listenerJsonText(listener), JSON.stringify(listenerToJson(listener)));
		// Twice: the second answer comes from the holder cache.
		assert.equal(listenerJsonText(listener), JSON.stringify(listenerToJson(listener)));
	}
});
