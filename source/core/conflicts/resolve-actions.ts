/**
 * What the resolve flow asks of the terminate and reconfigure machinery: a
 * preview of exactly what would happen, then the doing of it with progress.
 * The flow (and its UI) only knows this interface; the real implementation is
 * wired from the terminate and reconfigure modules in `resolve-wiring.ts`, and
 * tests can inject their own restart command or signal timing.
 */
import type {DeclaredPort, Identification, Party} from './identify.js';

export type ActionKind = 'terminate' | 'reconfigure';

/** One process or unit that a terminate would signal or stop. */
export type TerminateTarget =
	| {kind: 'unit'; unit: string; command: string}
	| {kind: 'container'; runtime: string; id: string; command: string}
	| {kind: 'process'; pid: number; name: string; command: string; startTicks: number};

export type TerminatePreview = {
	action: 'terminate';
	partyId: string;
	/** Exactly what will be done, in order: `systemctl stop nginx.service`, `SIGTERM 1234 (node server.js)`. */
	steps: string[];
	targets: TerminateTarget[];
	/** Seconds between SIGTERM and the SIGKILL offer. */
	timeoutSeconds: number;
	/**
	 * A target whose pid the user must type to go on: an ancestor of this
	 * session, or the init of a PID namespace. `reason` says why when it is not
	 * (only) the session: "init of a PID namespace: 3 processes stop with it".
	 */
	ancestor?: {pid: number; name: string; reason?: string};
	/** Why it cannot be done at all (PID 1, a kernel thread, portui itself); nothing will be signalled. */
	refused?: string;
	warnings: string[];
};

export type FileChange = {file: string; diff: string};

export type ReconfigurePreview = {
	action: 'reconfigure';
	partyId: string;
	fromPort: number;
	toPort: number;
	declarations: DeclaredPort[];
	/** A unified diff per file. */
	changes: FileChange[];
	/** The service's own config check, when it has one: `nginx -t -c …`. */
	check?: string;
	/** How the service picks the change up: `systemctl restart nginx.service`, an injected command, or a hint. */
	restart?: string;
	/** True when portui cannot restart it and the user must run `restart` by hand. */
	restartByHand: boolean;
	refused?: string;
	warnings: string[];
};

export type ActionPreview = TerminatePreview | ReconfigurePreview;

export type ProgressEvent =
	| {kind: 'countdown'; secondsLeft: number; signal: string; pids: number[]}
	| {
			kind: 'step';
			step: 'check' | 'write' | 'restart' | 'verify' | 'signal' | 'stop' | 'rollback';
			status: 'running' | 'done' | 'failed';
			text: string;
	  };

/** One thing that changed, for the done summary and the audit log. */
export type Change =
	| {kind: 'file'; file: string; backup: string; fromPort: number; toPort: number}
	| {kind: 'unit-restarted'; unit: string}
	| {kind: 'unit-stopped'; unit: string}
	| {kind: 'container-stopped'; runtime: string; id: string}
	| {kind: 'process-stopped'; pid: number; name: string; signal: string}
	| {kind: 'command-run'; command: string};

export type ActionOutcome = {
	action: ActionKind;
	/** Whether the action did what it promised (the port moved, or the holder is gone). */
	ok: boolean;
	changes: Change[];
	/** The port freed (or now held only by the winner) after the action. */
	portFree: boolean;
	/** Processes still holding the port at the end (SIGKILL declined, or refused). */
	survivors: Array<{pid: number; name: string}>;
	/** Things the user must still do by hand (restart a non-unit process, open the firewall). */
	todo: string[];
	message: string;
};

export type RunOptions = {
	onProgress: (event: ProgressEvent) => void;
	signal: AbortSignal;
	/** Asked when processes outlive SIGTERM and the countdown; true sends SIGKILL. */
	confirmKill: (survivors: Array<{pid: number; name: string}>) => Promise<boolean>;
	/** Pids the user typed to allow acting on ancestors of this session. */
	confirmedPids: number[];
};

export interface ConflictActions {
	/** Which actions make sense for this party (a process without config cannot be reconfigured). */
	available(party: Party, identification: Identification): ActionKind[];
	preview(
		action: ActionKind,
		party: Party,
		identification: Identification,
	): Promise<ActionPreview>;
	run(preview: ActionPreview, options: RunOptions): Promise<ActionOutcome>;
	/**
	 * Appends the flow's summary (who kept the port, what was done to whom) to
	 * the audit log, beside the per-action lines terminate and reconfigure
	 * write; returns the log's path, undefined when it could not be written.
	 */
	audit(summary: ResolveSummary): Promise<string | undefined>;
}

export type ResolveSummary = {
	port: number;
	protocol: 'tcp' | 'udp';
	winner?: string;
	target: string;
	outcome: ActionOutcome;
};
