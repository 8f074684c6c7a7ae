/**
 * The list screen's state as a pure reducer. Time is passed in the actions
 * (`nowMs`), never read, so that highlighting and the "closed" grace period
 * are testable without clocks. The selection is a listener key, not a row
 * number: it stays on the same socket across refreshes, re-sorts and filters.
 */
import {
	listenerKey,
	type Listener,
	type ListenerSnapshot,
	type Protocol,
} from '../../core/sockets/listener.js';
import type {ListColumn} from '../layout/columns.js';

/** How long a new listener stays highlighted and a vanished one stays on screen. */
export const MARK_MS = 3000;

export type ProtocolMode = 'all' | 'tcp' | 'udp';
export const protocolModes: ProtocolMode[] = ['all', 'tcp', 'udp'];

export type SortColumn = ListColumn;
/** The order `s` steps through. */
export const sortColumns: SortColumn[] = [
	'port',
	'protocol',
	'address',
	'service',
	'pid',
	'process',
	'user',
	'age',
	'command',
];

export type RowStatus = 'live' | 'appeared' | 'closed';

export type ListRow = {
	key: string;
	listener: Listener;
	/** Service name for the port (from /etc/services), looked up once per row. */
	service: string | undefined;
	status: RowStatus;
	/** When the row became `appeared` or `closed` (ms since the epoch). */
	markedAtMs: number;
};

export type ServiceLookup = (port: number, protocol: Protocol) => string | undefined;

export type ListState = {
	/** Every row: live ones and recently closed ones. Replaced (never mutated) on change. */
	rows: ListRow[];
	loaded: boolean;
	isRoot: boolean;
	hiddenCount: number;
	takenAtMs: number | undefined;
	error: string | undefined;
	selectedKey: string | undefined;
	/** Where the selection was in the visible rows, for when its row goes away. */
	selectedIndex: number;
	sort: {column: SortColumn; descending: boolean};
	filter: {text: string; editing: boolean};
	mode: ProtocolMode;
	paused: boolean;
	serviceName: ServiceLookup;
};

export type ListAction =
	| {type: 'snapshot'; snapshot: ListenerSnapshot; nowMs: number}
	| {type: 'error'; message: string}
	| {type: 'tick'; nowMs: number}
	| {type: 'move'; delta: number}
	| {type: 'page'; direction: 1 | -1; pageSize: number}
	| {type: 'top'}
	| {type: 'bottom'}
	| {type: 'select'; key: string}
	| {type: 'cycleSort'}
	| {type: 'reverseSort'}
	| {type: 'filterStart'}
	| {type: 'filterType'; text: string}
	| {type: 'filterErase'}
	| {type: 'filterAccept'}
	| {type: 'filterClear'}
	| {type: 'cycleMode'}
	| {type: 'togglePause'};

export function initialListState(
	options: {mode?: ProtocolMode; serviceName?: ServiceLookup} = {},
): ListState {
	return {
		rows: [],
		loaded: false,
		isRoot: false,
		hiddenCount: 0,
		takenAtMs: undefined,
		error: undefined,
		selectedKey: undefined,
		selectedIndex: 0,
		sort: {column: 'port', descending: false},
		filter: {text: '', editing: false},
		mode: options.mode ?? 'all',
		paused: false,
		serviceName: options.serviceName ?? (() => undefined),
	};
}

export function listReducer(state: ListState, action: ListAction): ListState {
	switch (action.type) {
		case 'snapshot':
			return settle(mergeSnapshot(state, action.snapshot, action.nowMs), 'keep');
		case 'error':
			return {...state, error: action.message};
		case 'tick': {
			const rows = expireMarks(state.rows, action.nowMs);
			return rows === state.rows ? state : settle({...state, rows}, 'keep');
		}
		case 'move':
			return selectIndex(state, state.selectedIndex + action.delta);
		case 'page':
			return selectIndex(
				state,
				state.selectedIndex + action.direction * Math.max(1, action.pageSize),
			);
		case 'top':
			return selectIndex(state, 0);
		case 'bottom':
			return selectIndex(state, Number.MAX_SAFE_INTEGER);
		case 'select':
			return settle({...state, selectedKey: action.key}, 'keep');
		case 'cycleSort': {
			const next =
				sortColumns[(sortColumns.indexOf(state.sort.column) + 1) % sortColumns.length]!;
			return settle({...state, sort: {column: next, descending: false}}, 'keep');
		}
		case 'reverseSort':
			return settle(
				{...state, sort: {...state.sort, descending: !state.sort.descending}},
				'keep',
			);
		case 'filterStart':
			return {...state, filter: {...state.filter, editing: true}};
		case 'filterType':
			return settle(
				{...state, filter: {text: state.filter.text + action.text, editing: true}},
				'first',
			);
		case 'filterErase':
			return settle(
				{
					...state,
					filter: {
						text: Array.from(state.filter.text).slice(0, -1).join(''),
						editing: true,
					},
				},
				'keep',
			);
		case 'filterAccept':
			return {...state, filter: {...state.filter, editing: false}};
		case 'filterClear':
			return settle({...state, filter: {text: '', editing: false}}, 'keep');
		case 'cycleMode': {
			const next =
				protocolModes[(protocolModes.indexOf(state.mode) + 1) % protocolModes.length]!;
			return settle({...state, mode: next}, 'keep');
		}
		case 'togglePause':
			return {...state, paused: !state.paused};
	}
}

/**
 * Folds a fresh snapshot into the rows: listeners not seen before are marked
 * `appeared` (except on the first snapshot, where everything is simply there),
 * listeners that are gone stay as `closed` rows until their mark expires.
 */
function mergeSnapshot(
	state: ListState,
	snapshot: ListenerSnapshot,
	nowMs: number,
): ListState {
	const previous = new Map(state.rows.map((row) => [row.key, row]));
	const rows: ListRow[] = [];
	const seen = new Set<string>();
	for (const listener of snapshot.listeners) {
		const key = listenerKey(listener);
		if (seen.has(key)) continue;
		seen.add(key);
		const before = previous.get(key);
		if (before && before.status !== 'closed') {
			const expired =
				before.status === 'appeared' && nowMs - before.markedAtMs >= MARK_MS;
			rows.push({
				...before,
				listener,
				status: expired ? 'live' : before.status,
			});
		} else {
			rows.push({
				key,
				listener,
				service: before?.service ?? state.serviceName(listener.port, listener.protocol),
				status: state.loaded ? 'appeared' : 'live',
				markedAtMs: nowMs,
			});
		}
	}
	for (const row of state.rows) {
		if (seen.has(row.key)) continue;
		if (row.status === 'closed') {
			if (nowMs - row.markedAtMs < MARK_MS) rows.push(row);
		} else {
			rows.push({...row, status: 'closed', markedAtMs: nowMs});
		}
	}
	return {
		...state,
		rows,
		loaded: true,
		isRoot: snapshot.isRoot,
		hiddenCount: snapshot.hiddenCount,
		takenAtMs: snapshot.takenAtMs,
		error: undefined,
	};
}

/** Ends marks older than MARK_MS: appeared rows become live, closed rows go. Same array when nothing changed. */
function expireMarks(rows: ListRow[], nowMs: number): ListRow[] {
	let changed = false;
	const next: ListRow[] = [];
	for (const row of rows) {
		if (row.status === 'live' || nowMs - row.markedAtMs < MARK_MS) {
			next.push(row);
			continue;
		}
		changed = true;
		if (row.status === 'appeared') next.push({...row, status: 'live'});
	}
	return changed ? next : rows;
}

/** When the next mark expires, for scheduling a `tick`; undefined when nothing is marked. */
export function nextExpiryMs(state: ListState): number | undefined {
	let next: number | undefined;
	for (const row of state.rows) {
		if (row.status === 'live') continue;
		const at = row.markedAtMs + MARK_MS;
		if (next === undefined || at < next) next = at;
	}
	return next;
}

function selectIndex(state: ListState, index: number): ListState {
	const rows = visibleRows(state);
	if (rows.length === 0) return state;
	const clamped = Math.min(Math.max(index, 0), rows.length - 1);
	const key = rows[clamped]!.key;
	if (key === state.selectedKey && clamped === state.selectedIndex) return state;
	return {...state, selectedKey: key, selectedIndex: clamped};
}

/**
 * Re-anchors the selection after the visible rows changed: on the same key
 * when it is still shown; otherwise at the same position ('keep', so a row
 * that goes away hands the selection to its neighbour) or on the first row
 * ('first', as the filter narrows).
 */
function settle(state: ListState, fallback: 'keep' | 'first'): ListState {
	const rows = visibleRows(state);
	if (rows.length === 0) return {...state, selectedKey: undefined, selectedIndex: 0};
	const index =
		state.selectedKey === undefined ? -1 : indexOfKey(state, state.selectedKey);
	if (index >= 0) {
		return index === state.selectedIndex ? state : {...state, selectedIndex: index};
	}
	const at =
		fallback === 'first'
			? 0
			: Math.min(Math.max(state.selectedIndex, 0), rows.length - 1);
	return {...state, selectedKey: rows[at]!.key, selectedIndex: at};
}

/** The selected row, if any. */
export function selectedRow(state: ListState): ListRow | undefined {
	const rows = visibleRows(state);
	return rows[state.selectedIndex]?.key === state.selectedKey
		? rows[state.selectedIndex]
		: undefined;
}

export function countLive(rows: ListRow[]): {tcp: number; udp: number} {
	let tcp = 0;
	let udp = 0;
	for (const row of rows) {
		if (row.status === 'closed') continue;
		if (row.listener.protocol === 'tcp') tcp++;
		else udp++;
	}
	return {tcp, udp};
}

// --- Derived rows, memoised: with 10,000 rows a key press must not re-sort. ---

type VisibleCache = {
	rows: ListRow[];
	sortColumn: SortColumn;
	descending: boolean;
	filter: string;
	mode: ProtocolMode;
	result: ListRow[];
	index: Map<string, number>;
};
let visibleCache: VisibleCache | undefined;

/** The rows the table shows, in order: protocol mode and filter applied, sorted. Memoised on its inputs. */
export function visibleRows(state: ListState): ListRow[] {
	return derive(state).result;
}

function indexOfKey(state: ListState, key: string): number {
	return derive(state).index.get(key) ?? -1;
}

function derive(state: ListState): VisibleCache {
	const filter = state.filter.text.trim().toLowerCase();
	const cache = visibleCache;
	if (
		cache &&
		cache.rows === state.rows &&
		cache.sortColumn === state.sort.column &&
		cache.descending === state.sort.descending &&
		cache.filter === filter &&
		cache.mode === state.mode
	) {
		return cache;
	}
	// Narrowing a filter by typing one more character only needs to look at the rows the shorter filter kept.
	const base =
		cache &&
		cache.rows === state.rows &&
		cache.mode === state.mode &&
		cache.sortColumn === state.sort.column &&
		cache.descending === state.sort.descending &&
		filter.startsWith(cache.filter)
			? cache.result
			: undefined;
	let result: ListRow[];
	if (base) {
		result = filter === '' ? base : base.filter((row) => matchesFilter(row, filter));
	} else {
		result = state.rows.filter(
			(row) =>
				(state.mode === 'all' || row.listener.protocol === state.mode) &&
				(filter === '' || matchesFilter(row, filter)),
		);
		const compare = comparator(state.sort.column);
		const sign = state.sort.descending ? -1 : 1;
		result.sort((a, b) => compare(a, b, sign) || tieBreak(a, b));
	}
	const index = new Map<string, number>();
	for (const [position, row] of result.entries()) index.set(row.key, position);
	visibleCache = {
		rows: state.rows,
		sortColumn: state.sort.column,
		descending: state.sort.descending,
		filter,
		mode: state.mode,
		result,
		index,
	};
	return visibleCache;
}

const searchTexts = new WeakMap<Listener, string>();

/** The lower-case text a filter searches: port, address, process names, users and commands. */
function searchText(row: ListRow): string {
	let text = searchTexts.get(row.listener);
	if (text === undefined) {
		const {listener} = row;
		const parts = [String(listener.port), listener.address, listener.user];
		for (const holder of listener.processes) {
			parts.push(String(holder.pid), holder.name, holder.user, holder.command);
		}
		text = parts.join('\n').toLowerCase();
		searchTexts.set(listener, text);
	}
	return text;
}

function matchesFilter(row: ListRow, filter: string): boolean {
	return searchText(row).includes(filter);
}

type Compare = (a: ListRow, b: ListRow, sign: number) => number;

/** Rows without a value (no process seen) sort last whichever the direction. */
function byOptional<T extends string | number>(
	get: (row: ListRow) => T | undefined,
): Compare {
	return (a, b, sign) => {
		const x = get(a);
		const y = get(b);
		if (x === undefined || y === undefined) {
			return x === undefined ? (y === undefined ? 0 : 1) : -1;
		}
		if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
		return sign * String(x).localeCompare(String(y));
	};
}

function first(row: ListRow) {
	return row.listener.processes[0];
}

function comparator(column: SortColumn): Compare {
	switch (column) {
		case 'port':
			return (a, b, sign) => sign * (a.listener.port - b.listener.port);
		case 'protocol':
			return (a, b, sign) =>
				sign *
				(a.listener.protocol.localeCompare(b.listener.protocol) ||
					a.listener.family - b.listener.family);
		case 'address':
			return (a, b, sign) =>
				sign * compareAddress(a.listener.address, b.listener.address);
		case 'service':
			return byOptional((row) => row.service);
		case 'pid':
			return byOptional((row) => first(row)?.pid);
		case 'process':
			return byOptional((row) => first(row)?.name);
		case 'user':
			return (a, b, sign) => sign * a.listener.user.localeCompare(b.listener.user);
		case 'age':
			// Youngest first: a process that started later has run for less time.
			return byOptional((row) => {
				const started = first(row)?.startedAtMs;
				return started === undefined ? undefined : -started;
			});
		case 'command':
			return byOptional((row) => first(row)?.command);
	}
}

function tieBreak(a: ListRow, b: ListRow): number {
	return (
		a.listener.port - b.listener.port ||
		a.listener.protocol.localeCompare(b.listener.protocol) ||
		a.listener.family - b.listener.family ||
		compareAddress(a.listener.address, b.listener.address) ||
		a.listener.inode - b.listener.inode
	);
}

/** IPv4 addresses in numeric order, then IPv6 as text. */
function compareAddress(a: string, b: string): number {
	const x = ipv4Number(a);
	const y = ipv4Number(b);
	if (x !== undefined && y !== undefined) return x - y;
	if (x !== undefined) return -1;
	if (y !== undefined) return 1;
	return a.localeCompare(b);
}

function ipv4Number(address: string): number | undefined {
	const parts = address.split('.');
	if (parts.length !== 4) return undefined;
	let value = 0;
	for (const part of parts) {
		const octet = Number(part);
		if (!/^\d{1,3}$/.test(part) || octet > 255) return undefined;
		value = value * 256 + octet;
	}
	return value;
}
