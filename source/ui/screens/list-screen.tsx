/**
 * The main screen: every listening socket, refreshed in place. State lives in
 * the list reducer; this component wires the poller, the keymaps and the
 * layout maths to it and renders header, table, status line and footer in
 * exactly `height` lines.
 */
import {useCallback, useEffect, useMemo, useReducer, useRef} from 'react';
import {Box} from 'ink';
import type {Listener, ListenerSnapshot} from '../../core/sockets/listener.js';
import {
	availableBindings,
	filterKeymap,
	helpKeymap,
	listKeymap,
	type FilterCommand,
	type HelpCommand,
	type ListCommand,
} from '../keymap.js';
import {keyScope, useKeymap} from '../hooks/use-keymap.js';
import {useListeners, type ListenerSource} from '../hooks/use-listeners.js';
import {
	countLive,
	initialListState,
	listReducer,
	nextExpiryMs,
	selectedRow,
	visibleRows,
	type ListAction,
	type ListRow,
	type ListState,
	type ProtocolMode,
	type ServiceLookup,
} from '../state/list-state.js';
import {cellText, cellWidth} from '../../format/cells.js';
import {layoutColumns, listColumnSpecs, type ListColumn} from '../layout/columns.js';
import {DataTable} from '../components/data-table.js';
import {Header, headerHeight} from '../components/header.js';
import {Footer} from '../components/footer.js';
import {FilterBar} from '../components/filter-bar.js';
import {HelpOverlay} from '../components/help-overlay.js';
import {useTheme, type Style} from '../theme.js';

export type ListScreenProps = {
	source: ListenerSource;
	intervalMs: number;
	initialMode?: ProtocolMode;
	/** Port → /etc/services name. */
	serviceName?: ServiceLookup;
	/** Milliseconds → compact age (`45s`, `12m`, `3h`, `5d`). */
	formatAge: (ms: number) => string;
	host: string;
	user: string;
	width: number;
	height: number;
	/** False while another screen is on top: the keyboard is theirs. */
	isActive: boolean;
	/** Screens that can be opened from here (`process`, `scan`, `conflict`): their keys show only then. */
	available: ReadonlySet<string>;
	onOpen?: (listener: Listener) => void;
	onScan?: () => void;
	onResolve?: (listener: Listener) => void;
	onQuit: () => void;
};

const modeLabels: Record<ProtocolMode, string> = {all: 'TCP+UDP', tcp: 'TCP', udp: 'UDP'};

/** The text of one list cell. `nowMs` is the snapshot time, so ages move with refreshes. */
export function listCell(
	row: ListRow,
	column: ListColumn,
	nowMs: number,
	formatAge: (ms: number) => string,
): string {
	const {listener} = row;
	const holder = listener.processes[0];
	switch (column) {
		case 'protocol':
			return `${listener.protocol}${listener.family}`;
		case 'address':
			return listener.address;
		case 'port':
			return String(listener.port);
		case 'service':
			return row.service ?? '';
		case 'pid':
			if (!holder) return listener.processesHidden ? '?' : '-';
			return listener.processes.length > 1
				? `${holder.pid},+${listener.processes.length - 1}`
				: String(holder.pid);
		case 'process':
			return holder?.name ?? (listener.processesHidden ? '?' : '-');
		case 'user':
			return holder?.user ?? listener.user;
		case 'age':
			return holder ? formatAge(Math.max(0, nowMs - holder.startedAtMs)) : '';
		case 'command':
			return holder?.command ?? '';
	}
}

/** Columns a cell of this text takes once shown (escapes are wider than what they stand for). */
function shownWidth(text: string): number {
	return cellWidth(cellText(text));
}

/** Widest content per column over all rows, so widths follow the data and not the scroll position. */
function contentWidths(rows: ListRow[]): Partial<Record<ListColumn, number>> {
	const widths = {address: 0, service: 0, pid: 0, process: 0, user: 0};
	for (const row of rows) {
		const {listener} = row;
		const holder = listener.processes[0];
		widths.address = Math.max(widths.address, shownWidth(listener.address));
		widths.service = Math.max(widths.service, shownWidth(row.service ?? ''));
		const pid = holder
			? String(holder.pid).length + (listener.processes.length > 1 ? 3 : 0)
			: 1;
		widths.pid = Math.max(widths.pid, pid);
		widths.process = Math.max(widths.process, holder ? shownWidth(holder.name) : 1);
		widths.user = Math.max(widths.user, shownWidth(holder?.user ?? listener.user));
	}
	return widths;
}

export function ListScreen(props: ListScreenProps) {
	const {source, intervalMs, formatAge, width, height, isActive, available} = props;
	const theme = useTheme();
	// The state lives in a ref and each action re-renders: key handlers read the state the
	// previous key produced even before React re-rendered (keys arriving in one chunk).
	const store = useRef<{list: ListState; help: boolean} | undefined>(undefined);
	store.current ??= {
		list: initialListState({mode: props.initialMode, serviceName: props.serviceName}),
		help: false,
	};
	const [, rerender] = useReducer((count: number) => count + 1, 0);
	const dispatch = useCallback((action: ListAction) => {
		const next = listReducer(store.current!.list, action);
		if (next === store.current!.list) return;
		store.current = {...store.current!, list: next};
		rerender();
	}, []);
	const setHelpOpen = useCallback((help: boolean) => {
		store.current = {...store.current!, help};
		rerender();
	}, []);
	const state = store.current.list;
	const helpOpen = store.current.help;

	const onSnapshot = useCallback(
		(snapshot: ListenerSnapshot, nowMs: number) =>
			dispatch({type: 'snapshot', snapshot, nowMs}),
		[dispatch],
	);
	const onError = useCallback(
		(message: string) => dispatch({type: 'error', message}),
		[dispatch],
	);
	const {refreshNow} = useListeners({
		source,
		intervalMs,
		paused: state.paused,
		onSnapshot,
		onError,
	});

	// End the "new" and "closed" marks on time even when no refresh comes (paused).
	useEffect(() => {
		const at = nextExpiryMs(state);
		if (at === undefined) return;
		const timer = setTimeout(
			() => dispatch({type: 'tick', nowMs: Date.now()}),
			Math.max(0, at - Date.now()) + 10,
		);
		return () => clearTimeout(timer);
		// Only the marks matter, and they change only with the rows.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [state.rows]);

	const rows = visibleRows(state);
	const counts = useMemo(() => countLive(state.rows), [state.rows]);
	const widths = useMemo(() => contentWidths(state.rows), [state.rows]);
	const columns = useMemo(
		() => layoutColumns(listColumnSpecs, width, widths),
		[width, widths],
	);

	const listBindings = useMemo(
		() => availableBindings(listKeymap, available),
		[available],
	);
	const top = headerHeight({isRoot: state.isRoot, hiddenCount: state.hiddenCount});
	// Header, table heading, status line, footer.
	const bodyHeight = Math.max(1, height - top - 3);

	const onListCommand = (command: ListCommand) => {
		switch (command) {
			case 'up':
				return dispatch({type: 'move', delta: -1});
			case 'down':
				return dispatch({type: 'move', delta: 1});
			case 'pageUp':
				return dispatch({type: 'page', direction: -1, pageSize: bodyHeight});
			case 'pageDown':
				return dispatch({type: 'page', direction: 1, pageSize: bodyHeight});
			case 'top':
				return dispatch({type: 'top'});
			case 'bottom':
				return dispatch({type: 'bottom'});
			case 'sort':
				return dispatch({type: 'cycleSort'});
			case 'reverse':
				return dispatch({type: 'reverseSort'});
			case 'filter':
				return dispatch({type: 'filterStart'});
			case 'protocol':
				return dispatch({type: 'cycleMode'});
			case 'pause':
				return dispatch({type: 'togglePause'});
			case 'refresh':
				return refreshNow();
			case 'help':
				return setHelpOpen(true);
			case 'quit':
				return props.onQuit();
			case 'open': {
				const row = selectedRow(store.current!.list);
				if (row && row.status !== 'closed') props.onOpen?.(row.listener);
				return;
			}
			case 'scan':
				return props.onScan?.();
			case 'resolve': {
				const row = selectedRow(store.current!.list);
				if (row && row.status !== 'closed') props.onResolve?.(row.listener);
				return;
			}
		}
	};
	const onFilterCommand = (command: FilterCommand) => {
		switch (command) {
			case 'accept':
				return dispatch({type: 'filterAccept'});
			case 'clear':
				return dispatch({type: 'filterClear'});
			case 'erase':
				return dispatch({type: 'filterErase'});
			case 'up':
				return dispatch({type: 'move', delta: -1});
			case 'down':
				return dispatch({type: 'move', delta: 1});
			case 'quit':
				return props.onQuit();
		}
	};
	const onHelpCommand = (command: HelpCommand) => {
		if (command === 'close') setHelpOpen(false);
		else props.onQuit();
	};

	const editing = state.filter.editing;
	useKeymap(
		() =>
			store.current!.help
				? keyScope(helpKeymap, onHelpCommand)
				: store.current!.list.filter.editing
					? keyScope(filterKeymap, onFilterCommand, (text) =>
							dispatch({type: 'filterType', text}),
						)
					: keyScope(listBindings, onListCommand),
		{isActive},
	);

	if (!isActive) return null;

	const nowMs = state.takenAtMs ?? 0;
	const rowStyle = (row: ListRow): Style | undefined =>
		row.status === 'appeared'
			? theme.appeared
			: row.status === 'closed'
				? theme.closed
				: undefined;
	const footerBindings = helpOpen ? helpKeymap : editing ? filterKeymap : listBindings;
	const arrow = state.sort.descending ? '▼' : '▲';

	return (
		<Box flexDirection="column" width={width} height={height}>
			<Header
				host={props.host}
				user={props.user}
				isRoot={state.isRoot}
				tcp={counts.tcp}
				udp={counts.udp}
				intervalMs={intervalMs}
				paused={state.paused}
				hiddenCount={state.hiddenCount}
			/>
			{helpOpen ? (
				<HelpOverlay
					height={bodyHeight + 1}
					width={width}
					sections={[
						{title: 'List', bindings: listBindings},
						{title: 'While typing a filter', bindings: filterKeymap},
					]}
				/>
			) : (
				<DataTable
					columns={columns}
					rows={rows}
					selectedIndex={rows.length === 0 ? -1 : state.selectedIndex}
					height={bodyHeight}
					cell={(row, column) => listCell(row, column, nowMs, formatAge)}
					rowKey={(row) => row.key}
					rowStyle={rowStyle}
					sort={state.sort}
					empty={state.loaded ? 'No listening sockets match.' : 'Reading sockets…'}
				/>
			)}
			<FilterBar
				text={state.filter.text}
				editing={editing}
				shown={rows.length}
				total={state.rows.length}
				sortLabel={`${state.sort.column} ${arrow}`}
				modeLabel={modeLabels[state.mode]}
				position={state.selectedIndex}
				error={state.error}
			/>
			<Footer bindings={footerBindings} width={width} />
		</Box>
	);
}
