/**
 * Drill-in on the process holding a listener: identity, warnings, its sockets,
 * its place in the process tree and who manages it, refreshed every second.
 * When the process exits the screen says so instead of showing what it was.
 * Renders exactly `height` lines.
 */
import {useMemo, useReducer, useState, type ReactNode} from 'react';
import {Box} from 'ink';
import {Text} from '../components/text.js';
import type {ProcessReport, ProcessSocket} from '../../core/processes/inspect.js';
import type {ManagerOptions} from '../../core/processes/inspect.js';
import type {Listener} from '../../core/sockets/listener.js';
import {cellText, cellWidth} from '../../format/cells.js';
import {formatAge} from '../../format/duration.js';
import {
	describeManager,
	endpoint,
	formatAncestry,
	formatBytes,
	wrapText,
} from '../../format/who-text.js';
import type {ScreenProps} from '../app.js';
import {DataTable} from '../components/data-table.js';
import {Footer} from '../components/footer.js';
import {HelpOverlay} from '../components/help-overlay.js';
import {StaticTable} from '../components/static-table.js';
import {useProcessKeys} from '../hooks/use-process-keys.js';
import {processHelpKeymap} from '../process-keymap.js';
import {useProcessReport} from '../hooks/use-process-report.js';
import {layoutColumns, type ColumnSpec} from '../layout/columns.js';
import {
	initialProcessState,
	processReducer,
	socketRows,
	type ProcessViewState,
} from '../state/process-state.js';
import {useTheme, type Theme} from '../theme.js';

export type ProcessScreenProps = {
	listener: Listener;
	onBack: () => void;
	/** Starts conflict resolution for this listener (`x`); the key exists only when given. */
	onResolve?: (listener: Listener) => void;
	/** Quits portui (`q`); the key exists only when given. */
	onQuit?: () => void;
	/** False while something else owns the keyboard. */
	isActive?: boolean;
	width?: number;
	height?: number;
	intervalMs?: number;
	/** systemd and container adapters (tests pass stand-ins). */
	managers?: ManagerOptions;
};

type SocketColumn = 'proto' | 'local' | 'remote' | 'state' | 'shared';

const socketColumnSpecs: Array<ColumnSpec<SocketColumn>> = [
	{id: 'proto', header: 'PROTO', min: 5, max: 5},
	{id: 'local', header: 'LOCAL', min: 12, max: 47},
	{id: 'remote', header: 'REMOTE', min: 8, max: 47, drop: 2},
	{id: 'state', header: 'STATE', min: 6, max: 11},
	{id: 'shared', header: 'SHARED WITH', min: 8, max: 200, grow: true, drop: 1},
];

const LABEL_WIDTH = 10;

function socketCell(socket: ProcessSocket, column: SocketColumn): string {
	switch (column) {
		case 'proto':
			return socket.family === 6 ? `${socket.protocol}6` : socket.protocol;
		case 'local':
			return endpoint(socket.localAddress, socket.localPort);
		case 'remote':
			return socket.state === 'LISTEN' || socket.state === 'UNCONN'
				? '*'
				: endpoint(socket.remoteAddress, socket.remotePort);
		case 'state':
			return socket.state;
		case 'shared':
			return socket.sharedWith.map((link) => `${link.name}(${link.pid})`).join(', ');
	}
}

function socketKey(socket: ProcessSocket): string {
	return `${socket.protocol}|${socket.inode}|${socket.localAddress}|${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;
}

/** One labelled fact; long values wrap under the label (at most `maxLines`). */
function field(
	label: string,
	value: string,
	width: number,
	theme: Theme,
	maxLines = 1,
): ReactNode[] {
	const lines = maxLines === 1 ? [value] : wrapText(value, width - LABEL_WIDTH);
	return lines.slice(0, maxLines).map((line, index) => (
		<Text key={`${label}-${index}`} wrap="truncate-end">
			<Text {...theme.muted}>{(index === 0 ? label : '').padEnd(LABEL_WIDTH)}</Text>
			{line}
		</Text>
	));
}

function identityLines(
	report: ProcessReport,
	cpuPercent: number | null,
	width: number,
	theme: Theme,
): ReactNode[] {
	const {details} = report;
	const lines: ReactNode[] = [];
	// The command line is what identifies a process: wrapped, never cut.
	lines.push(
		...field('command', details.command, width, theme, Number.POSITIVE_INFINITY),
	);
	lines.push(
		...field(
			'user',
			`${details.user === null ? 'unknown' : `${details.user} (uid ${details.uid})`}   parent ${details.parentName ?? '?'} (${details.ppid})`,
			width,
			theme,
		),
	);
	lines.push(
		...field(
			'exe',
			details.exe === null
				? 'unreadable (needs root)'
				: `${details.exe}${details.exeDeleted ? '  [deleted or replaced since start]' : ''}`,
			width,
			theme,
			2,
		),
	);
	lines.push(...field('cwd', details.cwd ?? 'unreadable (needs root)', width, theme, 2));
	lines.push(
		...field(
			'started',
			`${details.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (up ${formatAge(details.uptimeSeconds * 1000)})   state ${details.stateName}, ${details.threads} thread${details.threads === 1 ? '' : 's'}`,
			width,
			theme,
		),
	);
	lines.push(
		...field(
			'memory',
			`${details.rssBytes === null ? '?' : formatBytes(details.rssBytes)} resident   cpu ${cpuPercent === null ? '…' : `${cpuPercent.toFixed(1)}%`}`,
			width,
			theme,
		),
	);
	lines.push(...field('managed', describeManager(report), width, theme, 2));
	// Two lines at most, wrapping at arrows: the middle of a deep chain gives way.
	lines.push(
		...field(
			'ancestry',
			formatAncestry(report, 2 * (width - LABEL_WIDTH) - 8),
			width,
			theme,
			2,
		),
	);
	lines.push(
		...field(
			'children',
			report.children.length === 0
				? 'none'
				: report.children.map((link) => `${link.name}(${link.pid})`).join(', '),
			width,
			theme,
		),
	);
	return lines;
}

function warningLines(report: ProcessReport, theme: Theme): ReactNode[] {
	return report.warnings.map((warning) => (
		<Text key={warning.code} wrap="truncate-end" {...theme.notice}>
			{`⚠ ${warning.message}`}
		</Text>
	));
}

type FileColumn = 'fd' | 'target';

const fileColumnSpecs: Array<ColumnSpec<FileColumn>> = [
	{id: 'fd', header: 'FD', align: 'right', min: 5, max: 7},
	{id: 'target', header: 'TARGET', min: 10, max: 10, grow: true},
];

/** The window of open files the scroll position shows, as static-table rows. */
function openFileRows(state: ProcessViewState, rows: number) {
	const files = state.report?.details.openFiles;
	return (files?.first ?? [])
		.slice(state.scroll, state.scroll + rows)
		.map((file) => ({fd: String(file.fd), target: file.target}));
}

export function ProcessScreen({
	listener,
	onBack,
	onResolve,
	onQuit,
	isActive = true,
	width = 100,
	height = 24,
	intervalMs,
	managers,
}: ProcessScreenProps) {
	const theme = useTheme();
	const pid = listener.processes[0]?.pid ?? null;
	const [state, dispatch] = useReducer(processReducer, pid, (holder) =>
		initialProcessState(holder, listener.processesHidden),
	);
	const [helpOpen, setHelpOpen] = useState(false);
	useProcessReport({listener, dispatch, intervalMs, managers});

	const report = state.status === 'ready' ? state.report : null;
	const top: ReactNode[] = [];
	const where = `${listener.protocol} ${endpoint(listener.address, listener.port)}`;
	top.push(
		<Text key="title" wrap="truncate-end">
			<Text {...theme.title}>Process {pid ?? '?'}</Text>
			{report ? <Text bold> {report.details.name}</Text> : null}
			<Text {...theme.muted}> holding {where}</Text>
			{state.message && state.status === 'ready' ? (
				<Text {...theme.error}> {state.message}</Text>
			) : null}
		</Text>,
	);
	if (state.status === 'gone' || state.status === 'error') {
		top.push(
			<Text key="ended" wrap="truncate-end" {...theme.error}>
				{state.message}
			</Text>,
		);
		if (state.status === 'gone') {
			top.push(
				<Text key="ended-hint" wrap="truncate-end" {...theme.muted}>
					It no longer holds {where}. Esc goes back to the list.
				</Text>,
			);
		}
	} else if (state.status === 'loading') {
		top.push(
			<Text key="loading" {...theme.muted}>
				reading process {pid}…
			</Text>,
		);
	} else if (report) {
		top.push(...warningLines(report, theme));
		top.push(...identityLines(report, state.cpuPercent, width, theme));
	}

	const rows = useMemo(() => socketRows(report), [report]);
	// Title of the section, the table header and the footer take three lines.
	const visibleRows = Math.max(1, height - top.length - 3);
	const onResolveListener = useMemo(
		() => (onResolve ? () => onResolve(listener) : undefined),
		[onResolve, listener],
	);
	const bindings = useProcessKeys({
		isActive,
		helpOpen,
		setHelpOpen,
		dispatch,
		visibleRows,
		onBack,
		onResolve: onResolveListener,
		onQuit,
	});

	const columns = useMemo(() => {
		const content: Partial<Record<SocketColumn, number>> = {};
		for (const socket of rows) {
			for (const id of ['local', 'remote', 'state'] as const) {
				content[id] = Math.max(
					content[id] ?? 0,
					cellWidth(cellText(socketCell(socket, id))),
				);
			}
		}
		return layoutColumns(socketColumnSpecs, width, content);
	}, [rows, width]);

	if (helpOpen) {
		return (
			<Box flexDirection="column" width={width} height={height}>
				<HelpOverlay
					sections={[{title: 'Process screen', bindings}]}
					height={height - 1}
					width={width}
				/>
				<Footer bindings={processHelpKeymap} width={width} />
			</Box>
		);
	}

	let section: ReactNode = null;
	if (report && state.showFiles) {
		const files = report.details.openFiles;
		section = (
			<Box flexDirection="column">
				<Text wrap="truncate-end">
					<Text bold>Open files</Text>
					{files ? (
						<Text {...theme.muted}>
							: {files.count}
							{files.first.length < files.count ? ` (first ${files.first.length})` : ''}
						</Text>
					) : null}
				</Text>
				{files ? (
					<StaticTable
						columns={fileColumnSpecs}
						rows={openFileRows(state, visibleRows)}
						width={width}
						empty="no open files"
					/>
				) : (
					<Text {...theme.muted}>unreadable (needs root)</Text>
				)}
			</Box>
		);
	} else if (report) {
		const listening = report.listeners.length;
		const other = report.connections.length - report.established;
		section = (
			<Box flexDirection="column">
				<Text wrap="truncate-end">
					<Text bold>Sockets </Text>
					{report.socketsHidden ? (
						<Text {...theme.muted}>unreadable (needs root)</Text>
					) : (
						<Text {...theme.muted}>
							{listening} listening, {report.established} established
							{other > 0 ? `, ${other} other` : ''}
							{rows.length > visibleRows
								? `  (${state.scroll + 1}-${Math.min(rows.length, state.scroll + visibleRows)} of ${rows.length})`
								: ''}
						</Text>
					)}
				</Text>
				<DataTable
					columns={columns}
					rows={rows.slice(state.scroll)}
					selectedIndex={-1}
					height={visibleRows}
					cell={socketCell}
					rowKey={socketKey}
				/>
			</Box>
		);
	}

	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{top}
			<Box flexDirection="column" flexGrow={1} overflow="hidden">
				{section}
			</Box>
			<Footer bindings={bindings} width={width} />
		</Box>
	);
}

/** The process screen as the app's screen registry expects it (`screens.process`). */
export function ProcessScreenEntry({
	params,
	isActive,
	width,
	height,
	navigation,
}: ScreenProps<{listener: Listener}>) {
	const {listener} = params;
	return (
		<ProcessScreen
			listener={listener}
			isActive={isActive}
			width={width}
			height={height}
			onBack={navigation.pop}
			onResolve={(selected) => navigation.push('conflict', {listener: selected})}
			onQuit={navigation.quit}
		/>
	);
}
