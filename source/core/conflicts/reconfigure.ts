/**
 * The reconfigure step of conflict resolution: move a service off a port by
 * changing where its config sets it. plan → (show the diff) → apply: write
 * atomically with a backup, run the service's own config check and roll back
 * when it fails, restart the service (through systemd when it runs it, else
 * a command the caller gives, else tell the user what to run), then verify
 * that the service listens on the new port and no longer on the old one.
 */
import {randomUUID} from 'node:crypto';
import path from 'node:path';
import {execa} from 'execa';
import {describeError, PortuiError, UsageError} from '../errors.js';
import {readCgroup} from '../processes/cgroup.js';
import type {ServiceManager} from '../processes/systemd.js';
import type {Listener} from '../sockets/listener.js';
import {readListeners} from '../sockets/reader.js';
import {
	globMatches,
	readConfigFile,
	realFile,
	rewriteDeclaration,
} from './adapters/common.js';
import {adapterForFile, adapterNamed, adapters} from './adapters/index.js';
import type {
	AdapterName,
	AdapterOptions,
	ConfigAdapter,
	PortDeclaration,
	ScanResult,
} from './adapters/types.js';
import {auditLogPath, openAuditLog, type AuditEntry, type AuditLog} from './audit-log.js';
import {
	backupPath,
	lockFileWhenFree,
	restoreBackup,
	rewriteRisks,
	writeFileAtomic,
	type AtomicWriteResult,
	type FileLock,
	type RewriteRisk,
} from './atomic-write.js';
import {decodeConfig, displayConfig, encodeConfig} from './config-text.js';
import {unifiedDiff} from './diff.js';
import {firewallSuggestion} from './firewall.js';
import {declaredPorts, findFreePort, portsAfter} from './free-port.js';

/** One service's config tree that declares the port. */
export type PortSource = {
	adapter: AdapterName;
	title: string;
	scan: ScanResult;
	/** The declarations of the port in that tree. */
	declarations: PortDeclaration[];
};

export type FileChange = {
	file: string;
	/** The file's bytes as read. */
	before: Buffer;
	/** The same bytes with the port's digits replaced, and nothing else. */
	after: Buffer;
	/** For display: bytes that are not UTF-8 are shown as `\xNN`. */
	diff: string;
	declarations: PortDeclaration[];
	/** Whether the backup's name needs a leading dot so an include glob does not load it. */
	hiddenBackup: boolean;
};

export type ReconfigurePlan = {
	adapter: AdapterName;
	title: string;
	from: number;
	to: number;
	protocol: 'tcp' | 'udp';
	scan: ScanResult;
	declarations: PortDeclaration[];
	changes: FileChange[];
	/** Every file's diff, concatenated. */
	diff: string;
	/** Argv of the service's own config check, when it has one. */
	checkCommand?: string[];
	/** The systemd unit that runs the service, when known. */
	unit?: string;
	/** Pids of the service's processes holding the old port now (empty when it is not running there). */
	servicePids: number[];
	/** What a user runs by hand to apply the change when portui does not restart the service. */
	restartHint?: string;
	/** Things the user should know (the target port is declared elsewhere…). */
	warnings: string[];
	/** What rewriting each changed file risks (their messages are in warnings too). */
	risks: RewriteRisk[];
};

export type FindOptions = AdapterOptions & {
	/** Restrict to one adapter. */
	adapter?: AdapterName;
};

/**
 * Where PORT is set: with `file`, in that file's tree (adapter chosen by the
 * file's name, then content); otherwise in every adapter's default locations.
 */
export function findPortSources(port: number, options: FindOptions = {}): PortSource[] {
	let chosen: ConfigAdapter[];
	if (options.file) {
		const {text} = decodeConfig(readConfigFile(options.file));
		const adapter = options.adapter
			? adapterNamed(options.adapter)
			: adapterForFile(options.file, text);
		if (!adapter) {
			throw new UsageError(
				`${options.file}: not a config portui knows (nginx, apache, sshd, redis, postgresql, mysql, systemd unit, compose, .env)`,
			);
		}
		chosen = [adapter];
	} else chosen = options.adapter ? [adapterNamed(options.adapter)] : adapters;
	const sources: PortSource[] = [];
	const root = options.root ? {root: options.root} : {};
	for (const adapter of chosen) {
		let scans = options.file ? adapter.scan({...root, file: options.file}) : [];
		let onlyFile: string | undefined;
		if (options.file) {
			// A file the service's main config includes (a Debian site, an sshd drop-in):
			// keep that tree, so the check runs on the main config, and change only this file.
			const named = realFile(options.file);
			const including = adapter
				.scan(root)
				.filter((scan) => scan.entry !== named && scan.files.includes(named));
			if (including.length > 0) {
				scans = including;
				onlyFile = named;
			}
		} else scans = adapter.scan(root);
		for (const scan of scans) {
			const declarations = scan.declarations.filter(
				(found) => found.port === port && (!onlyFile || found.file === onlyFile),
			);
			if (declarations.length > 0) {
				sources.push({adapter: adapter.name, title: adapter.title, scan, declarations});
			}
		}
	}
	return sources;
}

/**
 * Every known config declaration of PORT, with the facts the identify step
 * shows (service title, process names, usual unit): the shape of
 * `DeclaredPort` in identify.ts. Unreadable configs are skipped.
 */
export function declarationsOfPort(
	port: number,
	options: FindOptions = {},
): Array<PortDeclaration & {title: string; processNames: string[]; unit?: string}> {
	return findPortSources(port, options).flatMap((source) => {
		const adapter = adapterNamed(source.adapter);
		return source.declarations.map((found) => {
			const unit = adapter.unit(source.scan, found);
			return {
				...found,
				title: source.title,
				processNames: adapter.processNames,
				...(unit ? {unit} : {}),
			};
		});
	});
}

export type PlanOptions = FindOptions & {
	port: number;
	/** The new port, or `auto` for the next free one above it. */
	to: number | 'auto';
	/** Current listeners (default: read now). */
	listeners?: Listener[];
	/** Ports declared by other configs (default: scanned from the known locations under root). */
	declared?: Map<number, PortDeclaration[]>;
	/** Override the nginx prefix used by its config check. */
	prefix?: string;
};

function describeSource(source: PortSource): string {
	const first = source.declarations[0]!;
	return `${source.title} (${first.file}:${first.line})`;
}

/** Finds where the port is set and what the change would be. Writes nothing. */
export function planReconfigure(options: PlanOptions): ReconfigurePlan {
	const {port} = options;
	const sources = findPortSources(port, options);
	if (sources.length === 0) {
		throw new PortuiError(
			options.file
				? `${options.file} does not set port ${port}`
				: `no known config sets port ${port} (name the file with --config FILE)`,
		);
	}
	if (sources.length > 1) {
		throw new UsageError(
			`port ${port} is set by ${sources.length} configs: ${sources.map(describeSource).join(', ')}; choose one with --config FILE`,
		);
	}
	const source = sources[0]!;
	const adapter = adapterNamed(source.adapter);
	const listeners = options.listeners ?? readListeners().listeners;
	const declared =
		options.declared ?? declaredPorts(options.root ? {root: options.root} : {});
	const ownPorts = new Set(source.scan.declarations.map((found) => found.port));
	const warnings: string[] = [];
	let to: number;
	if (options.to === 'auto') {
		const free = findFreePort({
			candidates: portsAfter(port),
			listeners,
			declared: new Set([...declared.keys(), ...ownPorts]),
			exclude: [port],
		});
		if (free.port === undefined) throw new PortuiError('no free port left to move to');
		to = free.port;
	} else {
		to = options.to;
		if (to === port) throw new UsageError(`--to ${to} is the port it already uses`);
		const holder = listeners.find((listener) => listener.port === to);
		if (holder) {
			const who = holder.processes[0]?.name ?? `uid ${holder.uid}`;
			throw new PortuiError(
				`port ${to} is in use (${holder.protocol}, ${who}); pick another`,
			);
		}
		const elsewhere = declared.get(to) ?? [];
		if (ownPorts.has(to)) warnings.push(`${source.title} already declares port ${to}`);
		else if (elsewhere.length > 0) {
			const first = elsewhere[0]!;
			warnings.push(`port ${to} is also declared in ${first.file}:${first.line}`);
		}
	}

	const byFile = new Map<string, PortDeclaration[]>();
	for (const found of source.declarations) {
		byFile.set(found.file, [...(byFile.get(found.file) ?? []), found]);
	}
	const changes: FileChange[] = [];
	for (const [file, declarations] of byFile) {
		const before = readConfigFile(file);
		// Decoded as the adapters read it, so that lines and columns match theirs.
		const {text, bom} = decodeConfig(before);
		let rewritten = text;
		// Right to left, so a longer number does not shift the next column on the same line.
		const rightToLeft = [...declarations].sort(
			(a, b) => b.line - a.line || b.column - a.column,
		);
		for (const found of rightToLeft) rewritten = rewriteDeclaration(rewritten, found, to);
		const after = encodeConfig({text: rewritten, bom});
		const sample = path.basename(backupPath(file));
		const hiddenBackup = source.scan.includeGlobs.some((glob) =>
			globMatches(glob, path.join(path.dirname(file), sample)),
		);
		changes.push({
			file,
			before,
			after,
			diff: unifiedDiff(displayConfig(text), displayConfig(rewritten), {
				oldLabel: file,
				newLabel: file,
			}),
			declarations,
			hiddenBackup,
		});
	}

	const risks = changes.flatMap((change) => rewriteRisks(change.file));
	warnings.push(...risks.map((risk) => risk.message));

	const processNames = new Set(adapter.processNames);
	const servicePids = listeners
		.filter((listener) => listener.port === port)
		.flatMap((listener) => listener.processes)
		.filter((holder) => processNames.has(holder.name))
		.map((holder) => holder.pid);
	const first = source.declarations[0]!;
	const unit = unitOf(servicePids) ?? adapter.unit(source.scan, first);
	const checkCommand = adapter.checkCommand(source.scan, {
		...(options.root ? {root: options.root} : {}),
		...(options.prefix ? {prefix: options.prefix} : {}),
	});
	const hint = unit
		? `systemctl ${source.adapter === 'systemd' ? 'daemon-reload && systemctl ' : ''}restart ${unit}`
		: adapter.restartHint(source.scan, first);
	return {
		adapter: source.adapter,
		title: source.title,
		from: port,
		to,
		protocol: first.protocol,
		scan: source.scan,
		declarations: source.declarations,
		changes,
		diff: changes.map((change) => change.diff).join(''),
		...(checkCommand ? {checkCommand} : {}),
		...(unit ? {unit} : {}),
		servicePids: [...new Set(servicePids)].sort((a, b) => a - b),
		...(hint ? {restartHint: hint} : {}),
		warnings,
		risks,
	};
}

/** The systemd service unit the first of these processes runs in, if any. */
function unitOf(pids: number[]): string | undefined {
	for (const pid of pids) {
		try {
			const unit = readCgroup(pid).unit;
			if (unit?.endsWith('.service')) return unit;
		} catch {
			// Gone or unreadable: the adapter's guess stands.
		}
	}
	return undefined;
}

export type RestartMode =
	/** systemd when it runs the unit, else report the command to run. */
	| {kind: 'auto'}
	/** Run this shell command (a service systemd does not manage; tests). */
	| {kind: 'command'; command: string}
	/** Do not restart and do not verify: the caller restarts the process itself. */
	| {kind: 'caller'}
	/** Only change and validate the config (`--no-restart`). */
	| {kind: 'none'};

export type ReconfigureStep =
	'write' | 'check' | 'rollback' | 'restart' | 'verify' | 'done';

export type ApplyOptions = {
	restart?: RestartMode;
	serviceManager?: ServiceManager;
	/** Override the config check: argv, or null to skip it. */
	checkCommand?: string[] | null;
	/** How long to wait for the service on its new port. Default 10 s. */
	verifyTimeoutMs?: number;
	/** Makes systemd read changed unit files (default `systemctl daemon-reload`). */
	daemonReload?: () => Promise<void>;
	/** Listener source for verification (tests). */
	readListeners?: () => Listener[];
	/** The ufw binary to ask for a firewall suggestion, or false to skip it. Default `ufw`. */
	ufw?: string | false;
	/** Audit log file, or false for none. Default `auditLogPath()`. */
	auditLog?: string | false;
	now?: Date;
	onStep?: (step: ReconfigureStep, detail?: string) => void;
	/** Something to tell the user now, before the change goes on (an audit log that cannot be written). */
	onWarning?: (message: string) => void;
	/**
	 * Stops the change at the end of its current step (the CLI aborts it on
	 * SIGHUP, SIGTERM and SIGINT, with the signal's name as the reason): a
	 * write is rolled back; a check's result decides as without it, but
	 * nothing is restarted after it; a restart is let finish and not verified.
	 */
	signal?: AbortSignal;
};

/** Where a change stopped when it was aborted, and why (`SIGTERM`…). */
export type Interruption = {
	signal: string;
	step: Exclude<ReconfigureStep, 'done' | 'rollback'>;
};

export type CheckOutcome = {
	command: string[];
	ok: boolean;
	output: string;
	skipped?: string;
};

export type RestartOutcome = {
	how: 'systemd' | 'command' | 'caller' | 'none' | 'manual';
	unit?: string;
	command?: string;
	ok: boolean;
	output?: string;
};

export type VerifyOutcome = {
	ok: boolean;
	newPortListening: boolean;
	oldPortReleased: boolean;
	/** Pids of the service holding the new port. */
	servicePids: number[];
	/** Who holds the old port afterwards (the winner, or nobody). */
	oldPortHolders: number[];
};

export type ReconfigureOutcome = {
	plan: ReconfigurePlan;
	written: AtomicWriteResult[];
	check?: CheckOutcome;
	rolledBack: boolean;
	restart?: RestartOutcome;
	verify?: VerifyOutcome;
	ok: boolean;
	/** One line on what happened, for the CLI and the UI's status line. */
	summary: string;
	/** A firewall command to show (never run) when ufw is active and does not allow the new port. */
	firewall?: string;
	/** The audit log written, when it could be. */
	auditLog?: string;
	/** Why the audit log could not be written, when it could not. */
	auditLogWarning?: string;
	/** Set when the change was aborted before it ran to its end. */
	interrupted?: Interruption;
};

async function runCheck(command: string[]): Promise<CheckOutcome> {
	const [file, ...args] = command;
	const result = await execa(file!, args, {
		reject: false,
		all: true,
		timeout: 60_000,
		stdin: 'ignore',
	});
	const failed = result as {code?: string};
	if (failed.code === 'ENOENT') {
		return {command, ok: true, output: '', skipped: `${file} is not installed`};
	}
	return {command, ok: result.exitCode === 0, output: (result.all ?? '').trim()};
}

/** The summary's "a.conf, b.conf: port 80 → 8080". */
function changedFiles(plan: ReconfigurePlan): string {
	return `${plan.changes.map((change) => change.file).join(', ')}: port ${plan.from} → ${plan.to}`;
}

/**
 * Lets a signal that arrived during synchronous work reach its handler before
 * going on. Signals are read in the event loop's poll phase; from inside that
 * phase, one immediate runs before the next poll, the second after it.
 */
async function yieldToSignals(): Promise<void> {
	await new Promise((resolve) => setImmediate(resolve));
	await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Writes the plan's changes, checks, restarts and verifies. Never leaves a
 * failed check in place. Holds the lock on every file it changes from before
 * the write re-reads them until it is done, so a second run waits and then
 * finds the file changed since its preview. The audit log gets a "begun"
 * entry (with the backups) before the first write and a "finished" entry at
 * the end, however it ends.
 */
export async function applyReconfigure(
	plan: ReconfigurePlan,
	options: ApplyOptions = {},
): Promise<ReconfigureOutcome> {
	const locks: FileLock[] = [];
	try {
		for (const change of plan.changes) locks.push(await lockFileWhenFree(change.file));
		return await applyLocked(plan, options);
	} finally {
		for (const lock of locks.reverse()) lock.release();
	}
}

async function applyLocked(
	plan: ReconfigurePlan,
	options: ApplyOptions,
): Promise<ReconfigureOutcome> {
	const step = options.onStep ?? (() => {});
	const now = options.now ?? new Date();
	const written: AtomicWriteResult[] = [];
	const outcome: ReconfigureOutcome = {
		plan,
		written,
		rolledBack: false,
		ok: false,
		summary: '',
	};
	const log = new RunLog(plan, outcome, options);
	const aborted = () => options.signal?.aborted === true;
	const interrupt = (at: Interruption['step']) => {
		const reason: unknown = options.signal?.reason;
		outcome.interrupted = {
			signal: typeof reason === 'string' ? reason : 'abort',
			step: at,
		};
		return `interrupted by ${outcome.interrupted.signal} during the ${at === 'check' ? 'config check' : at}`;
	};
	const rollback = () => {
		step('rollback');
		for (const write of [...written].reverse())
			restoreBackup(write.file, write.backup, write);
		outcome.rolledBack = true;
	};
	const files = plan.changes.map((change) => change.file).join(', ');

	if (aborted()) {
		outcome.summary = `${interrupt('write')} before anything was written; ${files} unchanged`;
		return log.finish();
	}
	step('write');
	try {
		for (const change of plan.changes) {
			written.push(
				writeFileAtomic(change.file, change.after, {
					expected: change.before,
					hiddenBackup: change.hiddenBackup,
					now,
					onBackup: (backup) => log.begin({path: realFile(change.file), backup}),
				}),
			);
		}
		await yieldToSignals();
		if (aborted()) {
			rollback();
			outcome.summary = `${interrupt('write')}: ${files} restored, unchanged`;
			return log.finish();
		}
	} catch (error) {
		try {
			if (written.length > 0 && !outcome.rolledBack) rollback();
		} finally {
			outcome.summary = describeError(error);
			log.finish();
		}
		throw error;
	}

	const checkCommand =
		options.checkCommand === null
			? undefined
			: (options.checkCommand ?? plan.checkCommand);
	if (checkCommand) {
		step('check', checkCommand.join(' '));
		const check = await runCheck(checkCommand);
		outcome.check = check;
		if (!check.ok) {
			rollback();
			const firstLine = check.output.split('\n').find((line) => line.trim() !== '') ?? '';
			outcome.summary = `config check failed (${checkCommand.join(' ')}${firstLine ? `: ${firstLine}` : ''}); ${files} restored, unchanged${
				aborted() ? `; ${interrupt('check')}` : ''
			}`;
			return log.finish();
		}
		if (aborted()) {
			outcome.summary = `${interrupt('check')}: ${changedFiles(plan)}, config check passed; not restarted${
				plan.restartHint ? ` (to apply: ${plan.restartHint})` : ''
			}`;
			return log.finish();
		}
	}

	const mode = options.restart ?? {kind: 'auto'};
	step('restart');
	outcome.restart = await restartService(plan, mode, options);
	if (aborted()) {
		outcome.summary = `${interrupt('restart')}: ${changedFiles(plan)}; the restart ${
			outcome.restart.ok
				? 'finished'
				: `failed${outcome.restart.output ? `: ${outcome.restart.output.split('\n')[0]}` : ''}`
		}, not verified`;
		return log.finish();
	}
	if (outcome.restart.how === 'none' || outcome.restart.how === 'caller') {
		outcome.ok = true;
		outcome.summary = `${changedFiles(plan)}${checkCommand ? ', config check passed' : ''}; not restarted${
			plan.restartHint ? ` (to apply: ${plan.restartHint})` : ''
		}`;
	} else if (outcome.restart.how === 'manual') {
		outcome.summary = `${changedFiles(plan)}, but portui cannot restart ${plan.title} here; run: ${plan.restartHint ?? 'restart the service'}`;
	} else if (!outcome.restart.ok) {
		outcome.summary = `${changedFiles(plan)}, but the restart failed: ${
			(outcome.restart.output ?? '').split('\n')[0]
		}`;
	} else {
		step('verify');
		outcome.verify = await verifyMove(plan, {
			timeoutMs: options.verifyTimeoutMs ?? 10_000,
			read: options.readListeners ?? (() => readListeners().listeners),
			...(options.signal ? {signal: options.signal} : {}),
		});
		if (aborted() && !outcome.verify.ok) {
			outcome.summary = `${interrupt('verify')}: ${changedFiles(plan)}, restarted; not verified`;
			return log.finish();
		}
		outcome.ok = outcome.verify.ok;
		outcome.summary = outcome.verify.ok
			? `${plan.title} now listens on ${plan.to}; port ${plan.from} is ${
					outcome.verify.oldPortHolders.length > 0 ? 'held by the other party' : 'free'
				}`
			: !outcome.verify.newPortListening
				? `${plan.title} is not listening on ${plan.to} after the restart`
				: `${plan.title} listens on ${plan.to} but still holds ${plan.from}`;
	}
	const loopbackOnly = plan.declarations.every((found) =>
		/^(127\.|\[?::1\]?$|localhost$)/.test(found.address ?? ''),
	);
	if (options.ufw !== false && !loopbackOnly && !aborted()) {
		const suggestion = await firewallSuggestion(
			plan.to,
			plan.protocol,
			options.ufw ?? 'ufw',
		);
		if (suggestion) outcome.firewall = suggestion;
	}
	step('done');
	return log.finish();
}

/**
 * One change's two audit log entries, "begun" and "finished", sharing a run
 * id. The log is opened once, before the change: one that cannot be opened
 * (or written) is reported through onWarning and the outcome, and the change
 * goes on without it.
 */
class RunLog {
	private readonly log: AuditLog | undefined;
	private readonly run = randomUUID();

	constructor(
		private readonly plan: ReconfigurePlan,
		private readonly outcome: ReconfigureOutcome,
		private readonly options: ApplyOptions,
	) {
		if (options.auditLog === false) return;
		try {
			this.log = openAuditLog(options.auditLog ?? auditLogPath());
			outcome.auditLog = this.log.path;
		} catch (error) {
			this.warn(error);
		}
	}

	/** One "begun" entry per file, written once its backup exists and before it changes. */
	begin(file: {path: string; backup: string}): void {
		this.append({
			phase: 'begun',
			files: [file],
			summary: `moving ${this.plan.title} from ${this.plan.from} to ${this.plan.to}`,
		});
	}

	/** Writes the "finished" entry and closes the log; returns the outcome. */
	finish(): ReconfigureOutcome {
		const {outcome, plan} = this;
		this.append({
			phase: 'finished',
			outcome: outcome.rolledBack
				? 'rolled-back'
				: outcome.interrupted
					? 'interrupted'
					: outcome.ok
						? 'done'
						: 'failed',
			files: outcome.rolledBack
				? []
				: outcome.written.map((write) => ({path: write.file, backup: write.backup})),
			units: outcome.restart?.how === 'systemd' && plan.unit ? [plan.unit] : [],
			pids: outcome.verify?.servicePids ?? plan.servicePids,
			...(outcome.restart
				? {
						restart: {how: outcome.restart.how, ok: outcome.restart.ok},
						...(outcome.restart.command ? {restartCommand: outcome.restart.command} : {}),
					}
				: {}),
			...(outcome.interrupted ? {interrupted: outcome.interrupted} : {}),
			rolledBack: outcome.rolledBack,
			ok: outcome.ok,
			summary: outcome.summary,
		});
		this.log?.close();
		return outcome;
	}

	private append(fields: Omit<AuditEntry, 'action'>): void {
		if (!this.log || this.outcome.auditLogWarning) return;
		try {
			this.log.append({
				action: 'move',
				run: this.run,
				port: this.plan.from,
				to: this.plan.to,
				service: this.plan.adapter,
				...fields,
			});
		} catch (error) {
			this.warn(error);
		}
	}

	private warn(error: unknown): void {
		const message = describeError(error);
		this.outcome.auditLogWarning = message;
		delete this.outcome.auditLog;
		this.options.onWarning?.(message);
	}
}

async function restartService(
	plan: ReconfigurePlan,
	mode: RestartMode,
	options: ApplyOptions,
): Promise<RestartOutcome> {
	const manager = options.serviceManager;
	if (mode.kind === 'none') return {how: 'none', ok: true};
	if (mode.kind === 'caller') return {how: 'caller', ok: true};
	if (mode.kind === 'command') {
		const result = await execa('sh', ['-c', mode.command], {
			reject: false,
			all: true,
			timeout: 60_000,
			stdin: 'ignore',
		});
		return {
			how: 'command',
			command: mode.command,
			ok: result.exitCode === 0,
			output: (result.all ?? '').trim(),
		};
	}
	if (plan.unit && manager && (await manager.available())) {
		const facts = await manager.show(plan.unit);
		if (facts) {
			try {
				if (plan.adapter === 'systemd') {
					// A changed unit file is only read again after a daemon-reload.
					await (options.daemonReload ?? defaultDaemonReload)();
				}
				await manager.restart(plan.unit);
				return {how: 'systemd', unit: plan.unit, ok: true};
			} catch (error) {
				return {
					how: 'systemd',
					unit: plan.unit,
					ok: false,
					output: (error as Error).message,
				};
			}
		}
	}
	return {
		how: 'manual',
		ok: false,
		...(plan.restartHint ? {command: plan.restartHint} : {}),
	};
}

async function defaultDaemonReload(): Promise<void> {
	await execa('systemctl', ['daemon-reload'], {stdin: 'ignore'});
}

/**
 * Waits (bounded) until a process listens on the new port and none of the
 * service's processes holds the old one. Polls the listener table.
 */
export async function verifyMove(
	plan: Pick<ReconfigurePlan, 'from' | 'to' | 'protocol' | 'servicePids'>,
	{
		timeoutMs = 10_000,
		intervalMs = 200,
		read = () => readListeners().listeners,
		signal,
	}: {
		timeoutMs?: number;
		intervalMs?: number;
		read?: () => Listener[];
		/** Stops waiting: the last look is the outcome. */
		signal?: AbortSignal;
	} = {},
): Promise<VerifyOutcome> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const listeners = read().filter((listener) => listener.protocol === plan.protocol);
		const onNew = listeners.filter((listener) => listener.port === plan.to);
		const onOld = listeners.filter((listener) => listener.port === plan.from);
		const servicePids = [
			...new Set(
				onNew.flatMap((listener) => listener.processes.map((holder) => holder.pid)),
			),
		].sort((a, b) => a - b);
		const service = new Set([...servicePids, ...plan.servicePids]);
		const oldHolders = [
			...new Set(
				onOld.flatMap((listener) => listener.processes.map((holder) => holder.pid)),
			),
		].sort((a, b) => a - b);
		const oldPortReleased = onOld.every(
			(listener) =>
				listener.processes.length > 0 &&
				listener.processes.every((holder) => !service.has(holder.pid)),
		);
		const outcome: VerifyOutcome = {
			ok: onNew.length > 0 && oldPortReleased,
			newPortListening: onNew.length > 0,
			oldPortReleased,
			servicePids,
			oldPortHolders: oldHolders,
		};
		if (outcome.ok || Date.now() >= deadline || signal?.aborted) return outcome;
		await new Promise<void>((resolve) => {
			const done = () => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', done);
				resolve();
			};
			const timer = setTimeout(done, intervalMs);
			signal?.addEventListener('abort', done, {once: true});
		});
	}
}
