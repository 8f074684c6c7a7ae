import {test} from 'node:test';
import assert from 'node:assert/strict';
import {encodeListenersJson, listenerToJson} from '../../../source/core/sockets/json.js';
import type {Holder, Listener} from '../../../source/core/sockets/listener.js';
import {stringifySafe} from '../../../source/format/safe-text.js';
import {forbiddenInOutput, hostileStrings} from '../../fixtures/hostile/strings.js';

/** The whole array as one string, from every chunk encodeListenersJson hands over. */
function encodedText(many: readonly Listener[]): string {
	const chunks: Buffer[] = [];
	encodeListenersJson(many, (chunk) => chunks.push(Buffer.from(chunk)));
	return Buffer.concat(chunks).toString('utf8');
}

/** What the encoder must print: the array of stringifySafe(listenerToJson(…)) lines. */
const expectedText = (many: readonly Listener[]): string =>
	many.length === 0
		? '[]\n'
		: `[\n${many.map((listener) => stringifySafe(listenerToJson(listener))).join(',\n')}\n]\n`;

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

test('each encoded line is exactly stringifySafe(listenerToJson(...))', () => {
	for (const listener of listeners) {
		assert.equal(
			encodedText([listener]),
			`[\n${stringifySafe(listenerToJson(listener))}\n]\n`,
		);
		// Twice: the second answer comes from the fragment and holder caches.
		assert.equal(
			encodedText([listener]),
			`[\n${stringifySafe(listenerToJson(listener))}\n]\n`,
		);
	}
});

test('hostile names, command lines, users and addresses: exact when parsed, safe to cat', () => {
	const many: Listener[] = hostileStrings.map((entry, index) => ({
		...listeners[0]!,
		port: index + 1,
		address: `fe80::1%${entry.text}`,
		user: entry.text,
		processes: [{...holder(100 + index, entry.text), name: entry.text, user: entry.text}],
	}));
	const text = encodedText(many);
	assert.doesNotMatch(text, forbiddenInOutput);
	assert.deepEqual(JSON.parse(text), many.map(listenerToJson));
	assert.equal(text, expectedText(many));
});

test('the encoded array is the JSON array of the same lines, in UTF-8', () => {
	assert.equal(encodedText([]), '[]\n');
	// Past the first buffer's guess (long non-ASCII commands and user names) to cover its growth.
	const long = holder(77, `ünïcödé ${'é'.repeat(400)} ${'x'.repeat(2000)}`);
	const many: Listener[] = [];
	for (let index = 0; index < 300; index++) {
		const base = listeners[index % 2]!;
		many.push({
			...base,
			port: index + 1,
			user: index % 3 === 0 ? 'jürgen' : base.user,
			processes: index % 5 === 0 ? [long] : base.processes,
		});
	}
	const text = encodedText(many);
	assert.equal(text, expectedText(many));
	assert.deepEqual(JSON.parse(text), many.map(listenerToJson));
});

test('encodeListenersJson hands over full chunks, one reused buffer, and a command longer than a chunk whole', () => {
	const huge = holder(88, `java -cp ${'lib/x.jar:'.repeat(20_000)} Main`);
	const many: Listener[] = [];
	for (let index = 0; index < 3000; index++) {
		const base = listeners[index % 2]!;
		many.push({
			...base,
			port: [1, 9, 10, 65535][index % 4]! + (index % 4 === 3 ? 0 : index),
			inode: [0, 7, 4_294_967_295, 1_000_000][index % 4]!,
			uid: index % 7 === 0 ? 0 : 65_534,
			processes: index === 1500 ? [huge] : base.processes,
		});
	}
	const chunks: Buffer[] = [];
	const seen = new Set<ArrayBufferLike>();
	encodeListenersJson(many, (chunk) => {
		seen.add(chunk.buffer);
		chunks.push(Buffer.from(chunk));
	});
	assert.ok(chunks.length > 3, 'several chunks');
	// The reused buffer, and the huge holder's own bytes: no buffer per chunk.
	assert.ok(seen.size <= 3, `${seen.size} distinct buffers`);
	const text = Buffer.concat(chunks).toString('utf8');
	assert.equal(text, expectedText(many));
	assert.equal((JSON.parse(text) as unknown[]).length, 3000);
});
