/**
 * Conflict resolution, step by step: who is involved with a port, who should
 * keep it (with reasons), what to do with the other party, exactly what will
 * happen, confirmation, progress, and a summary of what changed. State lives
 * in the resolve reducer; core calls in `useResolve`; keys in
 * `useResolveKeys` and the two ink-select-input lists.
 */
import {useCallback, useMemo, useState} from 'react';
import {Box} from 'ink';
import {SelectList} from '../components/select-list.js';
import {Text} from '../components/text.js';
import {
	describeEvidence,
	type ContenderEvidence,
} from '../../core/conflicts/contender-evidence.js';
import type {Identification, Party, UnitParty} from '../../core/conflicts/identify.js';
import type {
	ActionKind,
	ConflictActions,
	ReconfigurePreview,
	TerminatePreview,
} from '../../core/conflicts/resolve-actions.js';
import type {Protocol} from '../../core/sockets/listener.js';
import {formatAge} from '../../format/duration.js';
import {Footer} from '../components/footer.js';
import {activeKeymap, useResolveKeys} from '../hooks/use-resolve-keys.js';
import {useResolve} from '../hooks/use-resolve.js';
import {
	systemResolveDeps,
	type ResolveDeps,
} from '../../core/conflicts/resolve-wiring.js';
import {
	NOBODY,
	losers,
	needsTypedPid,
	partyById,
	type ResolveState,
	type ResolveStep,
} from '../state/resolve-state.js';
import {useTheme} from '../theme.js';
import type {ScreenProps} from '../app.js';
import type {Listener} from '../../core/sockets/listener.js';

export type ResolveScreenProps = {
	port: number;
	protocol?: Protocol;
	onBack: () => void;
	/** The system to read and act on; the real one when omitted. */
	deps?: ResolveDeps;
	isActive?: boolean;
	width?: number;
	height?: number;
};

const STEPS: Array<{step: ResolveStep; title: string}> = [
	{step: 'identify', title: 'Identify'},
	{step: 'prioritise', title: 'Prioritise'},
	{step: 'action', title: 'Action'},
	{step: 'preview', title: 'Preview'},
	{step: 'confirm', title: 'Confirm'},
	{step: 'running', title: 'Run'},
	{step: 'done', title: 'Done'},
];

function stepIndex(step: ResolveStep): number {
	return STEPS.findIndex((entry) => entry.step === (step === 'force' ? 'running' : step));
}

export function ResolveScreen(props: ResolveScreenProps) {
	const {port, onBack} = props;
	const protocol = props.protocol ?? 'tcp';
	const [fallback] = useState<ResolveDeps | undefined>(() =>
		props.deps ? undefined : systemResolveDeps(),
	);
	const deps = props.deps ?? fallback!;
	const isActive = props.isActive ?? true;
	const width = props.width ?? 100;
	const height = props.height ?? 24;
	const {state, dispatch} = useResolve(port, protocol, deps, onBack);
	useResolveKeys(state, dispatch, isActive);
	const theme = useTheme();

	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Box>
				<Text {...theme.title}>
					Resolve {protocol}/{port}
				</Text>
				{state.identification?.service ? (
					<Text {...theme.muted}> ({state.identification.service})</Text>
				) : null}
				<Text> </Text>
				<Steps current={state.step} />
			</Box>
			<Box flexDirection="column" flexGrow={1} marginTop={1} overflow="hidden">
				<StepBody
					state={state}
					dispatch={dispatch}
					actions={deps.actions}
					isActive={isActive}
				/>
			</Box>
			{state.error ? (
				<Text {...theme.error} wrap="truncate-end">
					{state.error}
				</Text>
			) : null}
			<Footer bindings={activeKeymap(state)} width={width} />
		</Box>
	);
}

function Steps({current}: {current: ResolveStep}) {
	const theme = useTheme();
	const index = stepIndex(current);
	return (
		<Text wrap="truncate-end">
			{STEPS.map((entry, position) => (
				<Text key={entry.step}>
					{position > 0 ? <Text {...theme.muted}> › </Text> : null}
					<Text {...(position === index ? theme.notice : theme.muted)}>
						{entry.title}
					</Text>
				</Text>
			))}
		</Text>
	);
}

type BodyProps = {
	state: ResolveState;
	dispatch: ReturnType<typeof useResolve>['dispatch'];
	actions: ConflictActions;
	isActive: boolean;
};

function StepBody(props: BodyProps) {
	switch (props.state.step) {
		case 'identify':
			return <IdentifyStep state={props.state} />;
		case 'prioritise':
			return <PrioritiseStep {...props} />;
		case 'action':
			return <ActionStep {...props} />;
		case 'preview':
			return <PreviewStep state={props.state} />;
		case 'confirm':
			return <ConfirmStep state={props.state} />;
		case 'running':
		case 'force':
			return <RunningStep state={props.state} />;
		case 'done':
			return <DoneStep state={props.state} />;
	}
}

function kindTag(party: Party): string {
	switch (party.kind) {
		case 'holder':
			return 'holds';
		case 'unit':
			return 'wants (systemd)';
		case 'config':
			return 'wants (config)';
		case 'typed':
			return 'wants (you)';
	}
}

/** The facts line of a party, as on the process screen. */
export function partyFacts(party: Party, now = Date.now()): string {
	const facts = party.facts;
	const parts: string[] = [];
	if (facts.unit)
		parts.push(`unit ${facts.unit}${facts.unitEnabled ? ' (enabled at boot)' : ''}`);
	if (facts.container)
		parts.push(`${facts.container.runtime} ${facts.container.id.slice(0, 12)}`);
	if (facts.user) parts.push(`user ${facts.user}`);
	if (facts.startedAtMs !== undefined)
		parts.push(`up ${formatAge(Math.max(0, now - facts.startedAtMs))}`);
	if (party.kind === 'holder')
		parts.push(`${facts.connections} connection${facts.connections === 1 ? '' : 's'}`);
	if (facts.wellKnownMatch) parts.push(`well-known: ${facts.wellKnownMatch}`);
	if (facts.fromShell) parts.push('started from a shell');
	return parts.join(' · ');
}

/** The newest line of the failure, then up to two things that name the port. */
function shownEvidence(party: UnitParty): ContenderEvidence[] {
	const failure = party.evidence.filter(
		(evidence) => evidence.kind === 'journal' || evidence.kind === 'unnamed',
	);
	const naming = party.evidence.filter(
		(evidence) => evidence.kind !== 'journal' && evidence.kind !== 'unnamed',
	);
	return [...failure.slice(-1), ...naming.slice(0, 2)];
}

function PartyLines({party}: {party: Party}) {
	const theme = useTheme();
	return (
		<Box flexDirection="column" marginBottom={1}>
			<Text wrap="truncate-end">
				<Text {...theme.key}>{kindTag(party).padEnd(16)}</Text>
				<Text bold>{party.label}</Text>
			</Text>
			<Text {...theme.muted} wrap="truncate-end">
				{'                '}
				{partyFacts(party) || '—'}
			</Text>
			{party.kind === 'holder'
				? party.processes.slice(0, 3).map((process) => (
						<Text key={process.pid} {...theme.muted} wrap="truncate-end">
							{'                '}
							{process.pid} {process.command || process.name}
						</Text>
					))
				: null}
			{party.kind === 'unit'
				? // Its evidence already names its own config's declarations.
					shownEvidence(party).map((evidence) => (
						<Text
							key={`${evidence.source}:${evidence.text}`}
							{...theme.muted}
							wrap="truncate-end"
						>
							{'                '}
							{describeEvidence(evidence)}
						</Text>
					))
				: party.declarations.slice(0, 2).map((declared) => (
						<Text
							key={`${declared.file}:${declared.line}`}
							{...theme.muted}
							wrap="truncate-end"
						>
							{'                '}
							{declared.file}:{declared.line} {declared.context}
						</Text>
					))}
		</Box>
	);
}

function IdentifyStep({state}: {state: ResolveState}) {
	const theme = useTheme();
	if (state.loading)
		return <Text {...theme.muted}>Looking at who holds and who wants {state.port}…</Text>;
	const identification = state.identification;
	if (!identification)
		return <Text {...theme.muted}>Nothing read yet (r to try again).</Text>;
	return (
		<Box flexDirection="column">
			{identification.parties.length === 0 ? (
				<Text>
					Nobody holds or wants {identification.protocol}/{identification.port}.
				</Text>
			) : (
				identification.parties.map((party) => <PartyLines key={party.id} party={party} />)
			)}
			{identification.systemdAvailable ? null : (
				<Text {...theme.muted}>
					systemd is not running here: failed units were not looked for.
				</Text>
			)}
			{identification.hiddenHolders > 0 ? (
				<Text {...theme.notice}>
					{identification.hiddenHolders} socket(s) have holders portui cannot see: run
					with sudo.
				</Text>
			) : null}
			{state.needDraft !== undefined ? (
				<Text>
					I need port {state.port} for:{' '}
					<Text {...theme.selected}>{state.needDraft} </Text>
				</Text>
			) : null}
		</Box>
	);
}

function PrioritiseStep({state, dispatch, isActive}: BodyProps) {
	const theme = useTheme();
	const ranking = state.priority?.ranking ?? [];
	const [highlighted, setHighlighted] = useState<string | undefined>(
		state.priority?.suggestion,
	);
	const items = [
		...ranking.map((ranked) => ({
			key: ranked.party.id,
			label: `${ranked.party.id === state.priority?.suggestion ? '★ ' : '  '}${ranked.party.label}  (${ranked.score})`,
			value: ranked.party.id,
		})),
		{key: NOBODY, label: '  nobody: just free the port', value: NOBODY},
	];
	const shown = ranking.find((ranked) => ranked.party.id === highlighted) ?? ranking[0];
	const onSelect = useCallback(
		(item: {value: string}) => dispatch({type: 'choose-winner', partyId: item.value}),
		[dispatch],
	);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">
				Who keeps {state.port}? Suggested: {state.priority?.summary}
			</Text>
			<Box marginTop={1}>
				<SelectList
					items={items}
					isFocused={isActive}
					onSelect={onSelect}
					onHighlight={(item) => setHighlighted(item.value)}
				/>
			</Box>
			{shown ? (
				<Box flexDirection="column" marginTop={1}>
					<Text {...theme.muted}>Why {shown.party.label}:</Text>
					{shown.reasons.map((reason) => (
						<Text key={reason.code} wrap="truncate-end">
							{reason.weight >= 0 ? '  + ' : '  − '}
							{reason.text}
						</Text>
					))}
				</Box>
			) : null}
		</Box>
	);
}

type ActionItem = {partyId: string; action: ActionKind | 'cancel'};

function ActionStep({state, dispatch, actions, isActive}: BodyProps) {
	const winner = partyById(state, state.winnerId);
	const identification = state.identification as Identification;
	const items = useMemo(() => {
		const list: Array<{key: string; label: string; value: ActionItem}> = [];
		for (const party of losers(state)) {
			for (const action of actions.available(party, identification)) {
				list.push({
					key: `${action}:${party.id}`,
					label:
						action === 'reconfigure'
							? `Reconfigure ${party.label}: move it to the next free port`
							: `Terminate ${party.label}`,
					value: {partyId: party.id, action},
				});
			}
		}
		list.push({
			key: 'cancel',
			label: 'Cancel: change nothing',
			value: {partyId: '', action: 'cancel'},
		});
		return list;
	}, [state, actions, identification]);
	const onSelect = useCallback(
		(item: {value: ActionItem}) => {
			if (item.value.action === 'cancel') dispatch({type: 'cancel'});
			else
				dispatch({
					type: 'choose-action',
					partyId: item.value.partyId,
					action: item.value.action,
				});
		},
		[dispatch],
	);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">
				{winner
					? `${winner.label} keeps ${state.port}. What should happen to the other party?`
					: `Nobody keeps ${state.port}. What should happen to its holders?`}
			</Text>
			<Box marginTop={1}>
				<SelectList items={items} isFocused={isActive} onSelect={onSelect} />
			</Box>
		</Box>
	);
}

function TerminateLines({preview}: {preview: TerminatePreview}) {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			<Text>This will, in order:</Text>
			{preview.steps.map((step, index) => (
				<Text key={step} wrap="truncate-end">
					{'  '}
					{index + 1}. {step}
				</Text>
			))}
			{preview.warnings.map((warning) => (
				<Text key={warning} {...theme.notice} wrap="truncate-end">
					! {warning}
				</Text>
			))}
		</Box>
	);
}

function ReconfigureLines({preview}: {preview: ReconfigurePreview}) {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			<Text>
				Move from {preview.fromPort} to {preview.toPort} (the next free port):
			</Text>
			{preview.changes.flatMap((change) =>
				change.diff
					.split('\n')
					.filter((line) => line !== '')
					.map((line, index) => (
						<Text
							key={`${change.file}:${index}`}
							wrap="truncate-end"
							{...(line.startsWith('+') && !line.startsWith('+++')
								? theme.appeared
								: line.startsWith('-') && !line.startsWith('---')
									? theme.error
									: theme.muted)}
						>
							{line}
						</Text>
					)),
			)}
			<Text>Backup: a timestamped copy beside each file.</Text>
			{preview.check ? (
				<Text>Then check: {preview.check} (rolled back if it fails)</Text>
			) : null}
			{preview.restart ? (
				<Text wrap="truncate-end">
					{preview.restartByHand ? 'You then restart it by hand: ' : 'Then restart: '}
					{preview.restart}
				</Text>
			) : null}
			{preview.warnings.map((warning) => (
				<Text key={warning} {...theme.notice} wrap="truncate-end">
					! {warning}
				</Text>
			))}
		</Box>
	);
}

function PreviewStep({state}: {state: ResolveState}) {
	const theme = useTheme();
	const target = partyById(state, state.targetId);
	if (state.loading)
		return (
			<Text {...theme.muted}>
				Working out exactly what {state.action} of {target?.label} would do…
			</Text>
		);
	// The reason is on the status line; nothing was changed.
	if (!state.preview)
		return <Text>No preview: nothing can be done this way (Esc to choose again).</Text>;
	return (
		<Box flexDirection="column">
			<Text bold wrap="truncate-end">
				{state.preview.action === 'terminate' ? 'Terminate' : 'Reconfigure'}{' '}
				{target?.label}
			</Text>
			{state.preview.action === 'terminate' ? (
				<TerminateLines preview={state.preview} />
			) : (
				<ReconfigureLines preview={state.preview} />
			)}
			{state.preview.refused ? (
				<Text {...theme.error}>Cannot do this: {state.preview.refused}</Text>
			) : (
				<Text {...theme.muted}>Nothing has been changed yet.</Text>
			)}
		</Box>
	);
}

function ConfirmStep({state}: {state: ResolveState}) {
	const theme = useTheme();
	const target = partyById(state, state.targetId);
	const preview = state.preview!;
	if (needsTypedPid(state) && preview.action === 'terminate' && preview.ancestor) {
		return (
			<Box flexDirection="column">
				<Text {...theme.error}>
					{preview.ancestor.reason
						? `${preview.ancestor.name} (${preview.ancestor.pid}): ${preview.ancestor.reason}.`
						: `${preview.ancestor.name} (${preview.ancestor.pid}) serves this terminal session: terminating it will drop your session.`}
				</Text>
				<Text>
					Type its pid to confirm: <Text {...theme.selected}>{state.typedPid} </Text>
				</Text>
			</Box>
		);
	}
	return (
		<Text wrap="truncate-end">
			{preview.action === 'terminate'
				? `Terminate ${target?.label} now?`
				: `Rewrite ${preview.changes.map((change) => change.file).join(', ')} (port ${preview.fromPort} → ${preview.toPort}) now?`}{' '}
			(y/Enter: yes, Esc: back)
		</Text>
	);
}

function RunningStep({state}: {state: ResolveState}) {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			{state.progress.map((event, index) =>
				event.kind === 'step' ? (
					<Text key={`${event.step}:${index}`} wrap="truncate-end">
						<Text
							{...(event.status === 'failed'
								? theme.error
								: event.status === 'done'
									? theme.appeared
									: theme.muted)}
						>
							{event.status === 'done' ? '✔' : event.status === 'failed' ? '✖' : '…'}
						</Text>{' '}
						{event.text}
					</Text>
				) : null,
			)}
			{state.countdown !== undefined ? (
				<Text {...theme.notice}>
					Waiting for the processes to exit: {state.countdown} s
				</Text>
			) : null}
			{state.step === 'force' && state.survivors ? (
				<Box flexDirection="column" marginTop={1}>
					<Text {...theme.notice}>
						Still running after SIGTERM:{' '}
						{state.survivors
							.map((survivor) => `${survivor.name} ${survivor.pid}`)
							.join(', ')}
					</Text>
					<Text>k: send SIGKILL · Esc: leave them running</Text>
				</Box>
			) : null}
		</Box>
	);
}

function DoneStep({state}: {state: ResolveState}) {
	const theme = useTheme();
	const outcome = state.outcome;
	if (!outcome)
		return <Text {...theme.error}>Stopped: {state.error ?? 'nothing was done'}</Text>;
	return (
		<Box flexDirection="column">
			<Text {...(outcome.ok ? theme.appeared : theme.error)} wrap="truncate-end">
				{outcome.ok ? '✔ ' : '✖ '}
				{outcome.message}
			</Text>
			<Text bold>What changed:</Text>
			{outcome.changes.length === 0 ? <Text> nothing</Text> : null}
			{outcome.changes.map((change, index) => (
				<Text key={index} wrap="truncate-end">
					{'  '}
					{change.kind === 'file'
						? `${change.file}: port ${change.fromPort} → ${change.toPort} (backup ${change.backup})`
						: change.kind === 'unit-restarted'
							? `restarted ${change.unit}`
							: change.kind === 'unit-stopped'
								? `stopped ${change.unit}`
								: change.kind === 'container-stopped'
									? `stopped ${change.runtime} container ${change.id.slice(0, 12)}`
									: change.kind === 'process-stopped'
										? `${change.signal} ${change.name} (pid ${change.pid})`
										: `ran: ${change.command}`}
				</Text>
			))}
			{outcome.survivors.length > 0 ? (
				<Text {...theme.notice}>
					Still running:{' '}
					{outcome.survivors
						.map((survivor) => `${survivor.name} ${survivor.pid}`)
						.join(', ')}
				</Text>
			) : null}
			{outcome.todo.map((todo) => (
				<Text key={todo} {...theme.notice} wrap="truncate-end">
					To do: {todo}
				</Text>
			))}
			{state.auditPath ? (
				<Text {...theme.muted} wrap="truncate-end">
					Logged in {state.auditPath}
				</Text>
			) : null}
		</Box>
	);
}

/** The screen as a registry entry for the app's stack (`conflict`, opened with `x`). */
export function ConflictScreen({
	params,
	isActive,
	width,
	height,
	navigation,
}: ScreenProps<{listener: Listener}>) {
	return (
		<ResolveScreen
			port={params.listener.port}
			protocol={params.listener.protocol}
			onBack={navigation.pop}
			isActive={isActive}
			width={width}
			height={height}
		/>
	);
}
