import assert from 'node:assert/strict';
import {test} from 'node:test';
import {emptyCounts} from '../../../source/core/scan/model.js';
import {
	initialScanState,
	resultRows,
	scanReducer,
	type ScanAction,
	type ScanViewState,
} from '../../../source/ui/state/scan-state.js';

const apply = (state: ScanViewState, ...actions: ScanAction[]): ScanViewState =>
	actions.reduce(scanReducer, state);
const type = (text: string): ScanAction[] =>
	[...text].map((character) => ({type: 'text', text: character}));

test('the form validates as you type and only starts when valid', () => {
	let state = initialScanState();
	assert.match(state.invalid ?? '', /enter a target/);
	state = apply(state, ...type('10.0.0.300'));
	assert.equal(state.invalid, 'bad target "10.0.0.300": octet out of range');
	assert.equal(apply(state, {type: 'submit'}).phase, 'form');
	state = apply(
		state,
		{type: 'backspace'},
		{type: 'backspace'},
		{type: 'backspace'},
		...type('1'),
	);
	assert.equal(state.targets, '10.0.0.1');
	assert.equal(state.invalid, undefined);
	state = apply(state, {type: 'next-field'}, ...type('10-5'));
	assert.match(state.invalid ?? '', /bad port range "10-5"/);
	state = apply(
		state,
		{type: 'backspace'},
		{type: 'backspace'},
		{type: 'backspace'},
		{type: 'backspace'},
		...type('22'),
	);
	assert.equal(state.invalid, undefined);
	state = apply(state, {type: 'next-field'}, {type: 'technique', step: 1});
	assert.equal(state.technique, 'udp');
	state = apply(state, {type: 'submit'});
	assert.equal(state.phase, 'running');
	assert.equal(state.run, 1);
});

test('SYN is refused with the reason when unavailable', () => {
	const state = apply(initialScanState('SYN scans need root'), ...type('127.0.0.1'), {
		type: 'technique',
		step: -1,
	});
	assert.equal(state.technique, 'syn');
	assert.equal(state.invalid, 'SYN scans need root');
});

test('events fold into the report; done (even cancelled) keeps the results browsable', () => {
	let state = apply(initialScanState(), ...type('127.0.0.1'), {type: 'submit'});
	const target = {target: '127.0.0.1', address: '127.0.0.1', family: 4 as const};
	state = apply(
		state,
		{
			type: 'event',
			event: {
				type: 'start',
				targets: [target],
				ports: 3,
				technique: 'connect',
				startedAt: '2026-01-01T00:00:00.000Z',
			},
		},
		{
			type: 'event',
			event: {
				type: 'result',
				result: {host: 0, port: 80, protocol: 'tcp', state: 'open'},
			},
		},
		{
			type: 'event',
			event: {
				type: 'result',
				result: {host: 0, port: 22, protocol: 'tcp', state: 'open'},
			},
		},
		{
			type: 'event',
			event: {
				type: 'result',
				result: {host: 0, port: 23, protocol: 'tcp', state: 'closed'},
			},
		},
	);
	assert.deepEqual(
		resultRows(state.report).map((row) => row.port),
		[22, 80],
	);
	state = apply(state, {type: 'move', delta: 5});
	assert.equal(state.selected, 1);
	state = apply(state, {
		type: 'event',
		event: {
			type: 'done',
			counts: [{...emptyCounts(), open: 2, closed: 1}],
			durationMs: 12,
			cancelled: true,
		},
	});
	assert.equal(state.phase, 'done');
	assert.equal(state.report.cancelled, true);
	assert.equal(resultRows(state.report).length, 2);
	assert.equal(apply(state, {type: 'edit'}).phase, 'form');
});

test('addresses outside private ranges wait for a yes', () => {
	let state = apply(initialScanState(), ...type('8.8.8.8'), {type: 'submit'});
	state = apply(state, {type: 'confirm-needed', addresses: ['8.8.8.8']});
	assert.equal(state.phase, 'confirm');
	assert.equal(apply(state, {type: 'confirm', yes: false}).phase, 'form');
	const yes = apply(state, {type: 'confirm', yes: true});
	assert.equal(yes.phase, 'running');
	assert.equal(yes.approved, true);
	assert.equal(yes.run, state.run + 1);
});
