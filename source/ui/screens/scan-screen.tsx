/**
 * The scan screen (key `n` from the list): a form (targets, ports,
 * technique), then live progress per host and overall with open ports
 * streaming into a table; Esc cancels and keeps what was found; Enter on an
 * open port of this machine opens its listener. Renders `height` lines.
 */
import {useCallback, useMemo, useReducer, useRef} from 'react';
import {Box, useInput, type Key} from 'ink';
import {Text} from '../components/text.js';
import type {ScanProgress} from '../../core/scan/model.js';
import {synAvailability} from '../../core/scan/nmap.js';
import {serviceName} from '../../core/sockets/services.js';
import {DataTable} from '../components/data-table.js';
import {useScanRun} from '../hooks/use-scan-run.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {layoutColumns, type ColumnSpec} from '../layout/columns.js';
import {
	initialScanState,
	resultRows,
	scanReducer,
	type ScanAction,
	type ScanViewState,
} from '../state/scan-state.js';
import {useTheme} from '../theme.js';

export type ScanScreenProps = {
	onBack: () => void;
	onOpenLocalPort?: (port: number, protocol: 'tcp' | 'udp') => void;
	/** False while something else owns the keyboard. */
	isActive?: boolean;
	width?: number;
	height?: number;
};

type ResultColumn = 'host' | 'port' | 'state' | 'service';
const resultColumns: Array<ColumnSpec<ResultColumn>> = [
	{id: 'host', header: 'HOST', min: 9, max: 40},
	{id: 'port', header: 'PORT', min: 9, max: 9},
	{id: 'state', header: 'STATE', min: 13, max: 13},
	{id: 'service', header: 'SERVICE', min: 7, max: 60, grow: true},
];

const LOCAL = /^(127\.|::1$)/;

function duration(ms: number | undefined): string {
	if (ms === undefined) return '?';
	return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

/** `[#####-----] 45% 29491/65535` sized to `width`. */
export function progressBar(done: number, total: number, width: number): string {
	const fraction = total > 0 ? Math.min(1, done / total) : 1;
	const label = ` ${Math.floor(fraction * 100)}% ${done}/${total}`;
	const bar = Math.max(5, width - label.length - 2);
	const filled = Math.round(fraction * bar);
	return `[${'#'.repeat(filled)}${'-'.repeat(bar - filled)}]${label}`;
}

function overall(progress: ScanProgress): string {
	return `${progress.open} open · ${Math.round(progress.rate)} ports/s · ETA ${duration(progress.etaMs)} · ${duration(progress.elapsedMs)} elapsed`;
}

function useScanKeys(
	state: ScanViewState,
	dispatch: (action: ScanAction) => void,
	props: ScanScreenProps,
	cancel: () => void,
): void {
	// The handler reads the state of the last render, not the one it was
	// created with: Ink re-subscribes a new handler only after React's passive
	// effects run, and a key pressed in between (Enter the moment a scan is
	// done) would otherwise meet the previous phase and be lost.
	const latest = useRef({state, props, cancel});
	latest.current = {state, props, cancel};
	const handler = useCallback(
		(input: string, key: Key) => {
			const {state, props, cancel} = latest.current;
			if (state.phase === 'form') {
				if (key.escape) props.onBack();
				else if (key.return) dispatch({type: 'submit'});
				else if (key.tab && key.shift) dispatch({type: 'previous-field'});
				else if (key.tab || key.downArrow) dispatch({type: 'next-field'});
				else if (key.upArrow) dispatch({type: 'previous-field'});
				else if (
					state.field === 'technique' &&
					(key.leftArrow || key.rightArrow || input === ' ')
				) {
					dispatch({type: 'technique', step: key.leftArrow ? -1 : 1});
				} else if (key.backspace || key.delete) dispatch({type: 'backspace'});
				else if (input && !key.ctrl && !key.meta) dispatch({type: 'text', text: input});
				return;
			}
			if (state.phase === 'confirm') {
				if (input === 'y' || input === 'Y') dispatch({type: 'confirm', yes: true});
				else if (input === 'n' || input === 'N' || key.escape)
					dispatch({type: 'confirm', yes: false});
				return;
			}
			if (key.upArrow) dispatch({type: 'move', delta: -1});
			else if (key.downArrow) dispatch({type: 'move', delta: 1});
			else if (key.pageUp) dispatch({type: 'move', delta: -10});
			else if (key.pageDown) dispatch({type: 'move', delta: 10});
			else if (state.phase === 'running' && key.escape) cancel();
			else if (state.phase === 'done' && key.escape) props.onBack();
			else if (state.phase === 'done' && input === 'e') dispatch({type: 'edit'});
			else if (key.return && props.onOpenLocalPort) {
				const row = resultRows(state.report)[state.selected];
				const host = row ? state.report.hosts[row.host] : undefined;
				if (row && host && row.state === 'open' && LOCAL.test(host.target.address)) {
					props.onOpenLocalPort(row.port, row.protocol);
				}
			}
		},
		[dispatch],
	);
	useInput(handler, {isActive: props.isActive ?? true});
}

export function ScanScreen(props: ScanScreenProps) {
	const theme = useTheme();
	const size = useTerminalSize();
	const width = props.width ?? size.columns;
	const height = props.height ?? size.rows;
	const syn = useMemo(() => synAvailability(), []);
	const [state, dispatch] = useReducer(
		scanReducer,
		syn.available ? undefined : syn.reason,
		initialScanState,
	);
	const {cancel} = useScanRun(state, dispatch);
	useScanKeys(state, dispatch, props, cancel);

	// Every line truncates: a wrapped line makes the frame taller than the
	// terminal, and Ink then leaves stale text behind at every redraw.
	const lines: React.ReactNode[] = [];
	const field = (name: ScanViewState['field'], label: string, value: string) => {
		const active = state.phase === 'form' && state.field === name;
		return (
			<Text key={name} wrap="truncate">
				<Text {...theme.muted}>{label.padEnd(11)}</Text>
				<Text {...(active ? theme.selected : {})}>{value || ' '}</Text>
				{active && name !== 'technique' ? <Text inverse> </Text> : null}
			</Text>
		);
	};
	lines.push(
		<Text key="title" wrap="truncate" {...theme.title}>
			Scan <Text {...theme.muted}>only hosts you are authorised to scan</Text>
		</Text>,
		field('targets', 'Targets', state.targets),
		field(
			'ports',
			'Ports',
			state.ports === '' && state.field !== 'ports' ? 'top 1000' : state.ports,
		),
		field(
			'technique',
			'Technique',
			['connect', 'udp', 'syn']
				.map((name) => (name === state.technique ? `(•) ${name}` : `( ) ${name}`))
				.join('  ') +
				(state.synUnavailable ? `   SYN unavailable: ${state.synUnavailable}` : ''),
		),
	);
	if (state.phase === 'form') {
		lines.push(
			<Text key="status" wrap="truncate" {...(state.invalid ? theme.error : theme.muted)}>
				{state.invalid ?? 'Enter to scan · Tab next field · ←/→ technique · Esc back'}
			</Text>,
		);
	} else if (state.phase === 'confirm') {
		lines.push(
			<Text key="confirm" wrap="truncate" {...theme.notice}>
				{`${(state.confirm ?? []).slice(0, 3).join(', ')} outside loopback and private ranges: scan? y/n`}
			</Text>,
		);
	} else {
		const progress = state.progress;
		const status = state.error
			? `Failed: ${state.error}`
			: state.phase === 'running'
				? 'Scanning… Esc cancels'
				: `${state.report.cancelled ? 'Cancelled' : 'Done'} in ${duration(state.report.durationMs)} · e edit · Esc back${props.onOpenLocalPort ? ' · Enter open listener' : ''}`;
		lines.push(
			<Text key="status" wrap="truncate" {...(state.error ? theme.error : theme.notice)}>
				{status}
			</Text>,
		);
		if (progress) {
			lines.push(
				<Text key="overall" wrap="truncate">
					{progressBar(
						progress.done,
						progress.total,
						// The figures matter more than the bar: it gives way first.
						Math.max(20, Math.min(50, width - overall(progress).length - 1)),
					)}{' '}
					{overall(progress)}
				</Text>,
			);
			for (const [index, host] of state.report.hosts.slice(0, 3).entries()) {
				const hostProgress = progress.hosts[index];
				if (!hostProgress) continue;
				lines.push(
					<Text key={`host-${index}`} wrap="truncate" {...theme.muted}>
						{`${host.target.target.slice(0, 20).padEnd(20)} ${progressBar(hostProgress.done, hostProgress.total, 30)} ${hostProgress.open} open${host.error ? ` · ${host.error}` : ''}`}
					</Text>,
				);
			}
		}
	}
	const rows = resultRows(state.report);
	const columns = layoutColumns(resultColumns, width);
	const tableHeight = Math.max(1, height - lines.length - 1);
	return (
		<Box flexDirection="column" width={width} height={height}>
			{lines}
			{state.phase === 'running' || state.phase === 'done' ? (
				<DataTable
					columns={columns}
					rows={rows}
					selectedIndex={state.selected}
					height={tableHeight}
					rowKey={(row) => `${row.host}:${row.port}/${row.protocol}`}
					cell={(row, column) => {
						switch (column) {
							case 'host':
								return state.report.hosts[row.host]?.target.address ?? '';
							case 'port':
								return `${row.port}/${row.protocol}`;
							case 'state':
								return row.state;
							case 'service':
								return [serviceName(row.port, row.protocol), row.banner]
									.filter(Boolean)
									.join(' · ');
						}
					}}
					empty={<Text {...theme.muted}>no open ports yet</Text>}
				/>
			) : null}
		</Box>
	);
}
