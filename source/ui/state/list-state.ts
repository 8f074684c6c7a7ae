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
	/** Undefined until the first read says (the header must not claim "not root" before it knows). */
	isRoot: boolean | undefined;
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
		isRoot: undefined,
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
	if (state.loaded && unchangedListeners(state.rows, snapshot.listeners, nowMs)) {
		return {
			...state,
			isRoot: snapshot.isRoot,
			hiddenCount: snapshot.hiddenCount,
			takenAtMs: snapshot.takenAtMs,
			error: undefined,
		};
	}
	const previous = new Map(state.rows.map((row) => [row.key, row]));
	const rows: ListRow[] = [];
	const seen = new Set<string>();
	// The reader hands back the same Listener objects when nothing changed: then so do we,
	// and the sorted, filtered view is reused instead of being rebuilt every refresh.
	let changed = false;
	for (const listener of snapshot.listeners) {
		const key = listenerKey(listener);
		if (seen.has(key)) continue;
		seen.add(key);
		const before = previous.get(key);
		if (before && before.status !== 'closed') {
			const expired =
				before.status === 'appeared' && nowMs - before.markedAtMs >= MARK_MS;
			if (before.listener === listener && !expired) {
				rows.push(before);
				continue;
			}
			changed = true;
			rows.push({
				...before,
				listener,
				status: expired ? 'live' : before.status,
			});
		} else {
			changed = true;
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
		changed = true;
		if (row.status === 'closed') {
			if (nowMs - row.markedAtMs < MARK_MS) rows.push(row);
		} else {
			rows.push({...row, status: 'closed', markedAtMs: nowMs});
		}
	}
	return {
		...state,
		rows: changed || rows.length !== state.rows.length ? rows : state.rows,
		loaded: true,
		isRoot: snapshot.isRoot,
		hiddenCount: snapshot.hiddenCount,
		takenAtMs: snapshot.takenAtMs,
		error: undefined,
	};
}

const listenerSets = new WeakMap<ListRow[], Set<Listener>>();

/**
 * True when a refresh brings back exactly the Listener objects the rows hold
 * (the reader reuses them when nothing changed) and no mark is due: the
 * common steady state, answered without building keys or maps.
 */
function unchangedListeners(
	rows: ListRow[],
	listeners: Listener[],
	nowMs: number,
): boolean {
	let set = listenerSets.get(rows);
	if (!set) {
		set = new Set();
		for (const row of rows) {
			if (row.status !== 'live' && nowMs - row.markedAtMs >= MARK_MS) return false;
			if (row.status === 'closed') return false;
			set.add(row.listener);
		}
		listenerSets.set(rows, set);
	} else {
		for (const row of rows) {
			if (row.status !== 'live' && nowMs - row.markedAtMs >= MARK_MS) return false;
		}
	}
	if (set.size !== listeners.length) return false;
	for (const listener of listeners) if (!set.has(listener)) return false;
	return true;
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

/** Rows of one protocol mode, sorted; rebuilt only when the rows, the sort or the mode change. */
type SortedCache = {
	rows: ListRow[];
	column: SortColumn;
	descending: boolean;
	mode: ProtocolMode;
	result: ListRow[];
};
/** The sorted rows narrowed by the filter. */
type VisibleCache = {
	sorted: ListRow[];
	filter: string;
	result: ListRow[];
};
let sortedCache: SortedCache | undefined;
let visibleCache: VisibleCache | undefined;

/** The rows the table shows, in order: protocol mode and filter applied, sorted. Memoised on its inputs. */
export function visibleRows(state: ListState): ListRow[] {
	return derive(state).result;
}

const positions = new WeakMap<ListRow[], Map<string, number>>();

function indexOfKey(state: ListState, key: string): number {
	const rows = derive(state).result;
	let index = positions.get(rows);
	if (!index) {
		index = new Map();
		for (let position = 0; position < rows.length; position++) {
			index.set(rows[position]!.key, position);
		}
		positions.set(rows, index);
	}
	return index.get(key) ?? -1;
}

function sortedRows(state: ListState): ListRow[] {
	const cache = sortedCache;
	if (
		cache &&
		cache.rows === state.rows &&
		cache.column === state.sort.column &&
		cache.descending === state.sort.descending &&
		cache.mode === state.mode
	) {
		return cache.result;
	}
	const result =
		state.mode === 'all'
			? state.rows.slice()
			: state.rows.filter((row) => row.listener.protocol === state.mode);
	const compare = comparator(state.sort.column);
	const sign = state.sort.descending ? -1 : 1;
	result.sort((a, b) => compare(a, b, sign) || tieBreak(a, b));
	sortedCache = {
		rows: state.rows,
		column: state.sort.column,
		descending: state.sort.descending,
		mode: state.mode,
		result,
	};
	return result;
}

function derive(state: ListState): VisibleCache {
	const filter = state.filter.text.trim().toLowerCase();
	const sorted = sortedRows(state);
	const cache = visibleCache;
	if (cache && cache.sorted === sorted && cache.filter === filter) return cache;
	let result: ListRow[];
	if (filter === '') result = sorted;
	else if (cache && cache.sorted === sorted && filter.startsWith(cache.filter)) {
		// One more character typed: only the rows the shorter filter kept can match.
		result = cache.result.filter((row) => matchesFilter(row, filter));
	} else result = sorted.filter((row) => matchesFilter(row, filter));
	visibleCache = {sorted, filter, result};
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
		return sign * compareText(String(x), String(y));
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
				(compareText(a.listener.protocol, b.listener.protocol) ||
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
			return (a, b, sign) => sign * compareText(a.listener.user, b.listener.user);
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
		compareText(a.listener.protocol, b.listener.protocol) ||
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
	return compareText(a, b);
}

/** Code-unit order: localeCompare (ICU collation) is ten times slower on 10,000 rows. */
function compareText(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
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
