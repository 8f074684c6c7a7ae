import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	initialProcessState,
	processReducer,
	socketRows,
} from '../../../source/ui/state/process-state.js';
import type {
	ProcessReport,
	ProcessSocket,
} from '../../../source/core/processes/inspect.js';

function socket(localPort: number, state = 'ESTAB'): ProcessSocket {
	return {
		protocol: 'tcp',
		family: 4,
		state,
		localAddress: '127.0.0.1',
		localPort,
		remoteAddress: state === 'LISTEN' ? '0.0.0.0' : '127.0.0.1',
		remotePort: state === 'LISTEN' ? 0 : 40000 + localPort,
		inode: localPort,
		uid: 0,
		sharedWith: [],
	};
}

function report(connections: number): ProcessReport {
	return {
		listeners: [socket(80, 'LISTEN')],
		connections: Array.from({length: connections}, (_, index) => socket(1000 + index)),
		established: connections,
	} as unknown as ProcessReport;
}

test('loading, then loaded; CPU% kept until a new sample', () => {
	let state = initialProcessState(42);
	assert.equal(state.status, 'loading');
	state = processReducer(state, {type: 'loaded', report: report(2), nowMs: 1});
	assert.equal(state.status, 'ready');
	assert.equal(state.cpuPercent, null);
	state = processReducer(state, {
		type: 'loaded',
		report: report(2),
		cpuPercent: 12.5,
		nowMs: 2,
	});
	assert.equal(state.cpuPercent, 12.5);
	state = processReducer(state, {type: 'loaded', report: report(2), nowMs: 3});
	assert.equal(state.cpuPercent, 12.5);
	assert.equal(socketRows(state.report).length, 3);
	assert.equal(socketRows(state.report)[0]!.state, 'LISTEN');
});

test('no visible holder is an error from the start', () => {
	const state = initialProcessState(null);
	assert.equal(state.status, 'error');
	assert.match(state.message!, /sudo/);
	// Not hidden from this user (root, or the user's own socket): sudo is no advice.
	const outside = initialProcessState(null, false);
	assert.equal(outside.status, 'error');
	assert.doesNotMatch(outside.message!, /sudo/);
	assert.match(outside.message!, /outside this PID namespace/);
});

test('once gone, later reports and failures are ignored', () => {
	let state = processReducer(initialProcessState(42), {
		type: 'loaded',
		report: report(1),
		nowMs: 1,
	});
	state = processReducer(state, {type: 'gone', message: 'process 42 has exited'});
	assert.equal(state.status, 'gone');
	assert.equal(
		processReducer(state, {type: 'loaded', report: report(1), nowMs: 2}).status,
		'gone',
	);
	assert.equal(
		processReducer(state, {type: 'failed', message: 'x'}).message,
		'process 42 has exited',
	);
});

test('a failed refresh keeps good data and says why; with none it is an error', () => {
	const failedFirst = processReducer(initialProcessState(42), {
		type: 'failed',
		message: 'boom',
	});
	assert.equal(failedFirst.status, 'error');
	const loaded = processReducer(initialProcessState(42), {
		type: 'loaded',
		report: report(1),
		nowMs: 1,
	});
	const failedLater = processReducer(loaded, {type: 'failed', message: 'boom'});
	assert.equal(failedLater.status, 'ready');
	assert.equal(failedLater.message, 'boom');
	assert.ok(failedLater.report);
});

test('scrolling is clamped to the rows and the window', () => {
	let state = processReducer(initialProcessState(1), {
		type: 'loaded',
		report: report(9),
		nowMs: 1,
	});
	state = processReducer(state, {type: 'scroll', delta: -1, visibleRows: 4});
	assert.equal(state.scroll, 0);
	state = processReducer(state, {type: 'scroll', delta: 3, visibleRows: 4});
	assert.equal(state.scroll, 3);
	state = processReducer(state, {type: 'scroll', delta: 100, visibleRows: 4});
	assert.equal(state.scroll, 6, '10 rows, 4 visible: the last window starts at 6');
	state = processReducer(state, {type: 'scroll', delta: 1, visibleRows: 20});
	assert.equal(state.scroll, 0, 'everything fits: no scrolling');
	assert.equal(processReducer(state, {type: 'toggleFiles'}).showFiles, true);
});
