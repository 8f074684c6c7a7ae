/**
 * The resolve flow's edge: `ConflictActions` and the config-declaration source
 * built from the real terminate and reconfigure modules. The flow and its
 * screen only see the narrow interfaces; this is the one place that knows the
 * shapes of `planTermination`, `executeTermination`, `planReconfigure` and
 * `applyReconfigure`. Options carry what tests (and `portui resolve` flags)
 * inject: a config root, extra config files, a restart command, the countdown.
 */
import {describeError} from '../errors.js';
import {systemctlManager, type ServiceManager} from '../processes/systemd.js';
import type {AdapterName} from './adapters/types.js';
import {appendAuditEntry, auditLogPath} from './audit-log.js';
import type {Identification, IdentifySources, Party} from './identify.js';
import {configDeclarations, systemSources} from './identify-sources.js';
import {
	applyReconfigure,
	planReconfigure,
	type ReconfigurePlan,
	type ReconfigureStep,
} from './reconfigure.js';
import type {
	ActionKind,
	ActionOutcome,
	ActionPreview,
	Change,
	ConflictActions,
	ReconfigurePreview,
	RunOptions,
	TerminatePreview,
	TerminateTarget as ResolveTarget,
} from './resolve-actions.js';
import {
	executeTermination,
	planTermination,
	type TerminatePlan,
	type TerminateSystem,
} from './terminate.js';

export type WiringOptions = {
	/** Directory standing for `/` when scanning config locations (tests). Default `/`. */
	root?: string;
	/** Config files to read besides the default locations (like `portui move --config`). */
	configFiles?: string[];
	/** Shell command that restarts a reconfigured service systemd does not run. */
	restartCommand?: string;
	/** Seconds between SIGTERM and the SIGKILL question. Default 5. */
	timeoutSeconds?: number;
	/** How long to wait for a moved service on its new port (ms). Default 10 s. */
	verifyTimeoutMs?: number;
	/** Audit log file, or false for none. Default `$XDG_STATE_HOME/portui/actions.log`. */
	auditLog?: string | false;
	terminateSystem?: Partial<TerminateSystem>;
	serviceManager?: ServiceManager;
};

function partyPids(party: Party): Set<number> {
	return new Set(
		party.kind === 'holder' ? party.processes.map((process) => process.pid) : [],
	);
}

/** The real ConflictActions. */
export function createConflictActions(options: WiringOptions = {}): ConflictActions {
	const timeoutSeconds = options.timeoutSeconds ?? 5;
	const manager = options.serviceManager ?? systemctlManager;
	const terminatePlans = new WeakMap<TerminatePreview, TerminatePlan>();
	const reconfigurePlans = new WeakMap<ReconfigurePreview, ReconfigurePlan>();
	const unitTargets = new WeakMap<TerminatePreview, string>();
	const restartModes = new WeakMap<ReconfigurePlan, 'auto' | 'command' | 'none'>();

	async function previewTerminate(
		party: Party,
		identification: Identification,
	): Promise<TerminatePreview> {
		const base = {
			action: 'terminate' as const,
			partyId: party.id,
			timeoutSeconds,
			warnings: [] as string[],
		};
		if (party.kind === 'unit') {
			const preview: TerminatePreview = {
				...base,
				steps: [
					`systemctl stop ${party.unit} (it keeps trying to take ${identification.port})`,
				],
				targets: [
					{kind: 'unit', unit: party.unit, command: `systemctl stop ${party.unit}`},
				],
				...((await manager.available())
					? {}
					: {refused: 'systemd is not running here: there is no unit to stop'}),
			};
			unitTargets.set(preview, party.unit);
			return preview;
		}
		if (party.kind !== 'holder') {
			return {
				...base,
				steps: [],
				targets: [],
				refused: `${party.label} is not running: nothing to stop`,
			};
		}
		const plan = await planTermination(identification.port, {
			protocols: [identification.protocol],
			...(options.terminateSystem ? {system: options.terminateSystem} : {}),
		});
		const pids = partyPids(party);
		const targets = plan.targets.filter((target) =>
			target.holders.some((holder) => pids.has(holder.pid)),
		);
		const sub: TerminatePlan = {...plan, targets};
		const hard = targets.filter(
			(target) => target.refusal && !target.refusal.confirmable,
		);
		const ancestorTarget = targets.find((target) => target.refusal?.confirmable);
		const ancestorPid = ancestorTarget?.refusal?.confirmPids[0];
		const steps = targets.map((target) =>
			target.refusal && !target.refusal.confirmable
				? `${target.description}: refused (${target.refusal.reason})`
				: target.description,
		);
		if (
			targets.some(
				(target) =>
					target.kind === 'process' && !(target.refusal && !target.refusal.confirmable),
			)
		) {
			steps.push(
				`wait up to ${timeoutSeconds} s for them to exit, then ask before SIGKILL`,
			);
		}
		steps.push(`check that ${identification.protocol}/${identification.port} is free`);
		const preview: TerminatePreview = {
			...base,
			steps,
			targets: targets.flatMap((target): ResolveTarget[] =>
				target.kind === 'unit'
					? [{kind: 'unit' as const, unit: target.unit!, command: target.description}]
					: target.kind === 'container'
						? [
								{
									kind: 'container' as const,
									runtime: target.container!.runtime,
									id: target.container!.id,
									command: target.description,
								},
							]
						: target.holders.map((holder) => ({
								kind: 'process' as const,
								pid: holder.pid,
								name: holder.name,
								command: holder.command,
								startTicks: holder.startTicks,
							})),
			),
			...(ancestorPid !== undefined
				? {
						ancestor: {
							pid: ancestorPid,
							name:
								ancestorTarget!.holders.find((holder) => holder.pid === ancestorPid)
									?.name ?? String(ancestorPid),
							...(ancestorTarget!.namespaceInit
								? {reason: ancestorTarget!.refusal!.reason}
								: {}),
						},
					}
				: {}),
			...(targets.length === 0
				? {refused: `${party.label} no longer holds ${identification.port}`}
				: hard.length === targets.length
					? {refused: hard[0]!.refusal!.reason}
					: {}),
			warnings: [
				...(ancestorTarget
					? [`${ancestorTarget.refusal!.reason}; type ${ancestorPid} to go on`]
					: []),
				...targets.flatMap((target) => target.notes ?? []),
				...(plan.hiddenSockets > 0
					? [
							`${plan.hiddenSockets} socket(s) on the port have holders portui cannot see (run with sudo)`,
						]
					: []),
			],
		};
		terminatePlans.set(preview, sub);
		return preview;
	}

	async function previewReconfigure(
		party: Party,
		identification: Identification,
	): Promise<ReconfigurePreview> {
		const first = party.declarations[0];
		const base = {
			action: 'reconfigure' as const,
			partyId: party.id,
			fromPort: identification.port,
			declarations: party.declarations,
			warnings: [] as string[],
		};
		if (!first) {
			return {
				...base,
				toPort: identification.port,
				changes: [],
				restartByHand: true,
				refused: `no known config of ${party.label} sets ${identification.port}`,
			};
		}
		const plan = planReconfigure({
			port: identification.port,
			to: 'auto',
			file: first.file,
			adapter: first.adapter as AdapterName,
			...(options.root ? {root: options.root} : {}),
		});
		// A config nobody runs yet needs no restart: it picks the new port up when it starts.
		const notRunning = party.kind === 'config';
		const viaCommand = !notRunning && options.restartCommand !== undefined && !plan.unit;
		restartModes.set(plan, notRunning ? 'none' : viaCommand ? 'command' : 'auto');
		const preview: ReconfigurePreview = {
			...base,
			toPort: plan.to,
			declarations: party.declarations,
			changes: plan.changes.map((change) => ({file: change.file, diff: change.diff})),
			...(plan.checkCommand ? {check: plan.checkCommand.join(' ')} : {}),
			...(notRunning
				? {}
				: viaCommand
					? {restart: options.restartCommand}
					: plan.restartHint
						? {restart: plan.restartHint}
						: {}),
			restartByHand: !notRunning && !viaCommand && !plan.unit,
			warnings: [
				...plan.warnings,
				...(notRunning
					? [`${party.label.split(':')[0]} is not running: nothing to restart`]
					: []),
			],
		};
		reconfigurePlans.set(preview, plan);
		return preview;
	}

	async function runTerminate(
		preview: TerminatePreview,
		run: RunOptions,
	): Promise<ActionOutcome> {
		const unit = unitTargets.get(preview);
		if (unit) {
			run.onProgress({
				kind: 'step',
				step: 'stop',
				status: 'running',
				text: `systemctl stop ${unit}`,
			});
			try {
				await manager.stop(unit);
			} catch (error) {
				run.onProgress({
					kind: 'step',
					step: 'stop',
					status: 'failed',
					text: describeError(error),
				});
				return failed('terminate', describeError(error));
			}
			run.onProgress({
				kind: 'step',
				step: 'stop',
				status: 'done',
				text: `systemctl stop ${unit}`,
			});
			return {
				action: 'terminate',
				ok: true,
				changes: [{kind: 'unit-stopped', unit}],
				portFree: false,
				survivors: [],
				todo: [],
				message: `${unit} stopped`,
			};
		}
		const plan = terminatePlans.get(preview);
		if (!plan) return failed('terminate', 'this preview was not made here');
		const pids = new Set(
			plan.targets.flatMap((target) => target.holders.map((holder) => holder.pid)),
		);
		const names = new Map(
			plan.targets.flatMap((target) =>
				target.holders.map((holder) => [holder.pid, holder.name] as const),
			),
		);
		const execution = executeTermination(plan, {
			timeoutMs: timeoutSeconds * 1000,
			confirmedPids: run.confirmedPids,
			abortSignal: run.signal,
			confirmKill: async (holders) =>
				run.confirmKill(holders.map((holder) => ({pid: holder.pid, name: holder.name}))),
			...(options.terminateSystem ? {system: options.terminateSystem} : {}),
		});
		const changes: Change[] = [];
		for (;;) {
			const next = await execution.next();
			if (next.done) {
				const result = next.value;
				const survivors = result.remaining
					.flatMap((listener) => listener.processes)
					.filter((holder) => pids.has(holder.pid))
					.map((holder) => ({pid: holder.pid, name: holder.name}));
				const ok =
					!result.aborted &&
					survivors.length === 0 &&
					result.remaining.every((listener) => listener.processes.length > 0);
				run.onProgress({
					kind: 'step',
					step: 'verify',
					status: ok ? 'done' : 'failed',
					text: result.free
						? `${plan.port} is free`
						: `${plan.port} is still held by ${[...new Set(result.remaining.flatMap((listener) => listener.processes.map((holder) => `${holder.name} ${holder.pid}`)))].join(', ') || 'an unseen process'}`,
				});
				const refusals = result.actions.filter((action) => action.outcome !== 'done');
				return {
					action: 'terminate',
					ok,
					changes,
					portFree: result.free,
					survivors,
					todo: [],
					message: ok
						? result.free
							? `${plan.port} is free`
							: `${plan.port} is now held only by the other party`
						: (refusals[0]?.message ?? `${plan.port} is still held`),
				};
			}
			const event = next.value;
			if (event.type === 'action') {
				const {action} = event;
				const step = action.action === 'signal' ? 'signal' : 'stop';
				const status = action.outcome === 'done' ? 'done' : 'failed';
				run.onProgress({kind: 'step', step, status, text: action.message});
				if (action.outcome !== 'done') continue;
				if (action.action === 'signal' && action.pid !== undefined)
					changes.push({
						kind: 'process-stopped',
						pid: action.pid,
						name: action.name ?? names.get(action.pid) ?? '',
						signal: action.signal ?? 'SIGTERM',
					});
				else if (action.action === 'stop-unit' && action.unit)
					changes.push({kind: 'unit-stopped', unit: action.unit});
				else if (action.action === 'stop-container' && action.container)
					changes.push({kind: 'container-stopped', ...action.container});
			} else if (event.type === 'countdown') {
				run.onProgress({
					kind: 'countdown',
					secondsLeft: Math.ceil(event.remainingMs / 1000),
					signal: 'SIGTERM',
					pids: event.pids,
				});
			} else if (event.type === 'verifying') {
				run.onProgress({
					kind: 'step',
					step: 'verify',
					status: 'running',
					text: `checking ${event.port}`,
				});
			}
		}
	}

	async function runReconfigure(
		preview: ReconfigurePreview,
		run: RunOptions,
	): Promise<ActionOutcome> {
		const plan = reconfigurePlans.get(preview);
		if (!plan) return failed('reconfigure', 'this preview was not made here');
		let current: ReconfigureStep | undefined;
		const names: Record<ReconfigureStep, string> = {
			write: `write ${plan.changes.map((change) => change.file).join(', ')} (backup beside it)`,
			check: 'config check',
			rollback: 'roll back',
			restart: 'restart',
			verify: `verify: listening on ${plan.to}, ${plan.from} released`,
			done: 'done',
		};
		const stepOf = (step: ReconfigureStep) => (step === 'done' ? undefined : step);
		const outcome = await applyReconfigure(plan, {
			restart:
				restartModes.get(plan) === 'none'
					? {kind: 'none'}
					: restartModes.get(plan) === 'command' && options.restartCommand !== undefined
						? {kind: 'command', command: options.restartCommand}
						: {kind: 'auto'},
			serviceManager: manager,
			...(options.verifyTimeoutMs ? {verifyTimeoutMs: options.verifyTimeoutMs} : {}),
			...(options.auditLog !== undefined ? {auditLog: options.auditLog} : {}),
			onStep(step, detail) {
				const previous = current && stepOf(current);
				if (previous)
					run.onProgress({
						kind: 'step',
						step: previous,
						status: step === 'rollback' ? 'failed' : 'done',
						text: names[previous],
					});
				current = step;
				const now = stepOf(step);
				if (now)
					run.onProgress({
						kind: 'step',
						step: now,
						status: 'running',
						text: detail ? `${names[now]}: ${detail}` : names[now],
					});
			},
		}).catch((error: unknown) => error as Error);
		if (outcome instanceof Error) {
			const last = current && stepOf(current);
			if (last)
				run.onProgress({
					kind: 'step',
					step: last,
					status: 'failed',
					text: describeError(outcome),
				});
			return failed('reconfigure', describeError(outcome));
		}
		const last = current && stepOf(current);
		if (last)
			run.onProgress({
				kind: 'step',
				step: last,
				status: outcome.ok ? 'done' : 'failed',
				text: names[last],
			});
		const changes: Change[] = outcome.rolledBack
			? []
			: outcome.written.map((write) => ({
					kind: 'file' as const,
					file: write.file,
					backup: write.backup,
					fromPort: plan.from,
					toPort: plan.to,
				}));
		if (outcome.restart?.how === 'systemd' && outcome.restart.unit && outcome.restart.ok)
			changes.push({kind: 'unit-restarted', unit: outcome.restart.unit});
		if (outcome.restart?.how === 'command' && outcome.restart.command)
			changes.push({kind: 'command-run', command: outcome.restart.command});
		const todo = [
			...(outcome.restart?.how === 'manual' && plan.restartHint
				? [`run: ${plan.restartHint}`]
				: []),
			// Shown, never run: opening a firewall is the user's call.
			...(outcome.firewall
				? [`open the new port in the firewall: ${outcome.firewall}`]
				: []),
		];
		return {
			action: 'reconfigure',
			ok: outcome.ok,
			changes,
			portFree: outcome.verify?.oldPortReleased ?? false,
			survivors: [],
			todo,
			message: outcome.summary,
		};
	}

	return {
		available(party) {
			const kinds: ActionKind[] = [];
			if (party.declarations.length > 0) kinds.push('reconfigure');
			if (party.kind === 'holder' || party.kind === 'unit') kinds.push('terminate');
			return kinds;
		},
		async preview(action, party, identification): Promise<ActionPreview> {
			return action === 'terminate'
				? previewTerminate(party, identification)
				: previewReconfigure(party, identification);
		},
		async run(preview, run) {
			return preview.action === 'terminate'
				? runTerminate(preview, run)
				: runReconfigure(preview, run);
		},
		async audit(summary) {
			if (options.auditLog === false) return undefined;
			try {
				return appendAuditEntry(
					{
						action: 'resolve',
						port: summary.port,
						protocol: summary.protocol,
						...(summary.winner ? {winner: summary.winner} : {}),
						target: summary.target,
						resolution: summary.outcome.action,
						ok: summary.outcome.ok,
						files: summary.outcome.changes.flatMap((change) =>
							change.kind === 'file' ? [{path: change.file, backup: change.backup}] : [],
						),
						units: summary.outcome.changes.flatMap((change) =>
							change.kind === 'unit-restarted' || change.kind === 'unit-stopped'
								? [change.unit]
								: [],
						),
						pids: summary.outcome.changes.flatMap((change) =>
							change.kind === 'process-stopped' ? [change.pid] : [],
						),
						summary: summary.outcome.message,
					},
					options.auditLog ?? auditLogPath(),
				);
			} catch {
				return undefined;
			}
		},
	};
}

function failed(action: ActionKind, message: string): ActionOutcome {
	return {
		action,
		ok: false,
		changes: [],
		portFree: false,
		survivors: [],
		todo: [],
		message,
	};
}

/** Everything the resolve flow reads from and does to the system. */
export type ResolveDeps = {sources: IdentifySources; actions: ConflictActions};

/** The real system for the resolve flow, with the same options as the actions. */
export function systemResolveDeps(options: WiringOptions = {}): ResolveDeps {
	return {
		sources: systemSources({
			declarations: configDeclarations({
				...(options.root ? {root: options.root} : {}),
				...(options.configFiles ? {configFiles: options.configFiles} : {}),
			}),
		}),
		actions: createConflictActions(options),
	};
}
