import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	MARK_MS,
	initialListState,
	listReducer,
	nextExpiryMs,
	selectedRow,
	visibleRows,
	countLive,
	type ListAction,
	type ListState,
} from '../../source/ui/state/list-state.js';
import {NOW, holder, listener, snapshot} from '../helpers/ui-fixtures.js';

function run(state: ListState, ...actions: ListAction[]): ListState {
	return actions.reduce(listReducer, state);
}

function ports(state: ListState): number[] {
	return visibleRows(state).map((row) => row.listener.port);
}

const base = [
	listener(8080, {
		holders: [holder(300, 'node', {user: 'alice', command: 'node app.js'})],
	}),
	listener(22, {holders: [holder(100, 'sshd', {command: '/usr/sbin/sshd -D'})]}),
	listener(53, {
		protocol: 'udp',
		address: '127.0.0.53',
		holders: [holder(200, 'resolved')],
	}),
	listener(443, {
		family: 6,
		address: '::',
		holders: [holder(400, 'nginx'), holder(401, 'nginx')],
	}),
];

function loaded(listeners = base): ListState {
	return run(initialListState(), {
		type: 'snapshot',
		snapshot: snapshot(listeners),
		nowMs: NOW,
	});
}

test('the first snapshot marks nothing new, sorts by port and selects the first row', () => {
	const state = loaded();
	assert.deepEqual(ports(state), [22, 53, 443, 8080]);
	assert.ok(state.rows.every((row) => row.status === 'live'));
	assert.equal(selectedRow(state)?.listener.port, 22);
	assert.deepEqual(countLive(state.rows), {tcp: 3, udp: 1});
});

test('moving is clamped to the rows; page, top and bottom jump', () => {
	let state = loaded();
	state = run(state, {type: 'move', delta: -1});
	assert.equal(selectedRow(state)?.listener.port, 22);
	state = run(state, {type: 'move', delta: 2});
	assert.equal(selectedRow(state)?.listener.port, 443);
	state = run(state, {type: 'page', direction: 1, pageSize: 10});
	assert.equal(selectedRow(state)?.listener.port, 8080);
	state = run(state, {type: 'top'});
	assert.equal(state.selectedIndex, 0);
	state = run(state, {type: 'bottom'});
	assert.equal(selectedRow(state)?.listener.port, 8080);
	state = run(state, {type: 'page', direction: -1, pageSize: 2});
	assert.equal(selectedRow(state)?.listener.port, 53);
});

test('s cycles the sort column, S reverses it, and the selection stays on its socket', () => {
	let state = run(loaded(), {type: 'move', delta: 2});
	assert.equal(selectedRow(state)?.listener.port, 443);
	state = run(state, {type: 'reverseSort'});
	assert.deepEqual(ports(state), [8080, 443, 53, 22]);
	assert.equal(selectedRow(state)?.listener.port, 443);
	assert.equal(state.selectedIndex, 1);
	state = run(state, {type: 'cycleSort'});
	assert.equal(state.sort.column, 'protocol');
	assert.equal(state.sort.descending, false);
	// tcp4 (22, 8080), tcp6 (443), udp4 (53)
	assert.deepEqual(ports(state), [22, 8080, 443, 53]);
	assert.equal(selectedRow(state)?.listener.port, 443);
	state = run(state, {type: 'cycleSort'}, {type: 'cycleSort'}, {type: 'cycleSort'});
	assert.equal(state.sort.column, 'pid');
	assert.deepEqual(ports(state), [22, 53, 8080, 443]);
	state = run(state, {type: 'cycleSort'});
	assert.equal(state.sort.column, 'process');
	assert.deepEqual(ports(state), [443, 8080, 53, 22]);
	for (let index = 0; index < 4; index++) state = run(state, {type: 'cycleSort'});
	assert.equal(state.sort.column, 'port');
});

test('rows without a process sort last in both directions', () => {
	const hidden = listener(1, {
		holders: [],
		processesHidden: true,
		uid: 1000,
		user: 'bob',
	});
	let state = loaded([...base, hidden]);
	state = run(
		state,
		{type: 'cycleSort'},
		{type: 'cycleSort'},
		{type: 'cycleSort'},
		{type: 'cycleSort'},
	);
	assert.equal(state.sort.column, 'pid');
	assert.equal(ports(state).at(-1), 1);
	state = run(state, {type: 'reverseSort'});
	assert.equal(ports(state).at(-1), 1);
	assert.deepEqual(ports(state).slice(0, 2), [443, 8080]);
});

test('the filter matches port, address, process, user and command as it is typed', () => {
	const typed = (text: string) =>
		run(
			loaded(),
			{type: 'filterStart'},
			...Array.from(text, (char) => ({type: 'filterType', text: char}) as ListAction),
		);
	assert.deepEqual(ports(typed('808')), [8080]);
	assert.deepEqual(ports(typed('127.0.0.53')), [53]);
	assert.deepEqual(ports(typed('NGINX')), [443]);
	assert.deepEqual(ports(typed('alice')), [8080]);
	assert.deepEqual(ports(typed('sshd -d')), [22]);
	assert.deepEqual(ports(typed('nothing-matches')), []);
	const state = typed('ng');
	assert.equal(state.filter.editing, true);
	assert.equal(
		selectedRow(state)?.listener.port,
		443,
		'selection moves to the first match',
	);
});

test('Enter keeps the filter, Esc clears it, Backspace erases one character', () => {
	let state = run(loaded(), {type: 'filterStart'}, {type: 'filterType', text: '80'});
	state = run(state, {type: 'filterErase'});
	assert.equal(state.filter.text, '8');
	assert.deepEqual(ports(state), [8080]);
	state = run(state, {type: 'filterAccept'});
	assert.deepEqual(state.filter, {text: '8', editing: false});
	assert.deepEqual(ports(state), [8080]);
	state = run(state, {type: 'filterStart'}, {type: 'filterClear'});
	assert.deepEqual(state.filter, {text: '', editing: false});
	assert.deepEqual(ports(state), [22, 53, 443, 8080]);
	assert.equal(selectedRow(state)?.listener.port, 8080, 'selection kept on its socket');
});

test('t cycles TCP+UDP, TCP and UDP', () => {
	let state = run(loaded(), {type: 'cycleMode'});
	assert.equal(state.mode, 'tcp');
	assert.deepEqual(ports(state), [22, 443, 8080]);
	state = run(state, {type: 'cycleMode'});
	assert.equal(state.mode, 'udp');
	assert.deepEqual(ports(state), [53]);
	assert.equal(selectedRow(state)?.listener.port, 53);
	state = run(state, {type: 'cycleMode'});
	assert.equal(state.mode, 'all');
	assert.equal(initialListState({mode: 'udp'}).mode, 'udp');
});

test('p toggles pause', () => {
	const state = run(loaded(), {type: 'togglePause'});
	assert.equal(state.paused, true);
	assert.equal(run(state, {type: 'togglePause'}).paused, false);
});

test('new listeners are marked appeared until the mark expires', () => {
	let state = loaded();
	const fresh = listener(9000);
	state = run(state, {
		type: 'snapshot',
		snapshot: snapshot([...base, fresh]),
		nowMs: NOW + 1000,
	});
	const row = state.rows.find((candidate) => candidate.listener.port === 9000)!;
	assert.equal(row.status, 'appeared');
	assert.equal(nextExpiryMs(state), NOW + 1000 + MARK_MS);
	state = run(state, {type: 'tick', nowMs: NOW + 1000 + MARK_MS - 1});
	assert.equal(
		state.rows.find((candidate) => candidate.key === row.key)!.status,
		'appeared',
	);
	state = run(state, {type: 'tick', nowMs: NOW + 1000 + MARK_MS});
	assert.equal(state.rows.find((candidate) => candidate.key === row.key)!.status, 'live');
	assert.equal(nextExpiryMs(state), undefined);
});

test('a vanished socket stays a moment marked closed, selected, then hands the selection on', () => {
	let state = run(loaded(), {type: 'move', delta: 2});
	assert.equal(selectedRow(state)?.listener.port, 443);
	const without443 = base.filter((item) => item.port !== 443);
	state = run(state, {
		type: 'snapshot',
		snapshot: snapshot(without443),
		nowMs: NOW + 1000,
	});
	assert.equal(selectedRow(state)?.listener.port, 443);
	assert.equal(selectedRow(state)?.status, 'closed');
	assert.deepEqual(countLive(state.rows), {tcp: 2, udp: 1});
	// Still there on the next refresh within the grace period…
	state = run(state, {
		type: 'snapshot',
		snapshot: snapshot(without443),
		nowMs: NOW + 2000,
	});
	assert.equal(selectedRow(state)?.status, 'closed');
	// …and gone after it, the selection on the row that took its place.
	state = run(state, {type: 'tick', nowMs: NOW + 1000 + MARK_MS});
	assert.deepEqual(ports(state), [22, 53, 8080]);
	assert.equal(selectedRow(state)?.listener.port, 8080);
});

test('a socket that comes back before its closed mark expires is live again (as new)', () => {
	let state = loaded();
	const without22 = base.filter((item) => item.port !== 22);
	state = run(state, {
		type: 'snapshot',
		snapshot: snapshot(without22),
		nowMs: NOW + 1000,
	});
	state = run(state, {type: 'snapshot', snapshot: snapshot(base), nowMs: NOW + 2000});
	const rows = state.rows.filter((row) => row.listener.port === 22);
	assert.equal(rows.length, 1);
	assert.equal(rows[0]!.status, 'appeared');
});

test('the selection sticks to its socket when a refresh adds rows above it', () => {
	let state = run(loaded(), {type: 'bottom'});
	assert.equal(selectedRow(state)?.listener.port, 8080);
	const more = [listener(1), listener(2), listener(3), ...base];
	state = run(state, {type: 'snapshot', snapshot: snapshot(more), nowMs: NOW + 1000});
	assert.equal(selectedRow(state)?.listener.port, 8080);
	assert.equal(state.selectedIndex, 6);
});

test('a read error is kept until the next good snapshot', () => {
	let state = run(loaded(), {type: 'error', message: 'permission denied'});
	assert.equal(state.error, 'permission denied');
	state = run(state, {type: 'snapshot', snapshot: snapshot(base), nowMs: NOW + 1000});
	assert.equal(state.error, undefined);
});

test('10,000 rows: moving does not re-derive the visible rows', () => {
	const many = Array.from({length: 10_000}, (_, index) => listener(10_000 + index));
	let state = loaded(many);
	const first = visibleRows(state);
	assert.equal(first.length, 10_000);
	state = run(state, {type: 'move', delta: 5000}, {type: 'move', delta: 1});
	assert.equal(
		visibleRows(state),
		first,
		'same array: memoised on rows, sort, filter, mode',
	);
	assert.equal(selectedRow(state)?.listener.port, 15_001);
	state = run(state, {type: 'filterStart'}, {type: 'filterType', text: '1999'});
	// 11999 matches through its process name, svc11999; the others by port.
	assert.deepEqual(
		ports(state),
		[
			11_999, 19_990, 19_991, 19_992, 19_993, 19_994, 19_995, 19_996, 19_997, 19_998,
			19_999,
		],
	);
});

test('a refresh that brings back the same listener objects keeps the rows (no re-sort)', () => {
	const state = loaded();
	const again = run(state, {
		type: 'snapshot',
		snapshot: snapshot(base),
		nowMs: NOW + 1000,
	});
	assert.equal(again.rows, state.rows);
	const changed = run(state, {
		type: 'snapshot',
		snapshot: snapshot([...base.slice(1), {...base[0]!}]),
		nowMs: NOW + 1000,
	});
	assert.notEqual(changed.rows, state.rows);
	assert.ok(changed.rows.every((row) => row.status === 'live'));
});
