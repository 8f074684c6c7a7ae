/**
 * `portui kill PORT`: the terminate step of conflict resolution as a command.
 * Stops every holder of the port the way that sticks (systemd units through
 * systemctl, containers through their runtime, plain processes by signal), and
 * exits 0 only when the port is free afterwards.
 */
import process from 'node:process';
import {UsageError} from '../core/errors.js';
import {
	executeTermination,
	isTargetAllowed,
	parseSignal,
	planTermination,
	type PlannedHolder,
	type TerminateEvent,
	type TerminatePlan,
	type TerminateResult,
	type TerminateTarget,
} from '../core/conflicts/terminate.js';
import {auditRecorder} from '../core/conflicts/terminate-system.js';
import type {TerminateAction} from '../core/conflicts/terminate.js';
import {
	integerFlag,
	parseCommand,
	parsePortArgument,
	type CommandTable,
} from './flags.js';
import {ask} from './prompt.js';
import {stderr, stdout, writeJson} from './write-out.js';

const help = `
	Usage
	  $ portui kill PORT[/tcp|/udp] [options]

	Frees PORT by stopping every process that holds it: a systemd service with
	systemctl stop (a killed service would be restarted), a Docker/Podman
	container with docker/podman stop, any other process with SIGTERM, then
	SIGKILL after the timeout when --force is given or you confirm.

	Never touched: PID 1, kernel threads, portui itself. The shell, sshd or tmux
	serving this terminal (the session will drop) and the init of a PID
	namespace (a container's PID 1: every process in its namespace stops with
	it) are only acted on after you confirm their pid: on a terminal by typing
	it, in scripts with --yes --confirm-pid PID.

	Options
	  --signal NAME       First signal for plain processes (default TERM)
	  --timeout SECONDS   Wait this long for them to exit (default 5)
	  --force             Send SIGKILL to processes still running after the timeout
	  --disable           Also systemctl disable the units stopped
	  --yes               Do not ask (required when stdin is not a terminal)
	  --confirm-pid PID   With --yes: allow acting on this pid (a session ancestor,
	                      a namespace init) where confirmation is needed
	  --json              Print what was found and done as JSON

	Exit status: 0 when the port is free afterwards, 1 when it is not (or was not
	in use), 2 for bad usage.

	Examples
	  $ portui kill 8080
	  $ portui kill 8080 --yes --timeout 10 --force
	  $ portui kill 53/udp --yes --json
`;

type Output = {
	/** Human-readable lines: stdout, or stderr when stdout carries JSON. */
	say(line: string): void;
	/** Progress that overwrites itself on a terminal and is dropped otherwise. */
	progress(line: string): void;
	endProgress(): void;
};

function makeOutput(json: boolean): Output {
	const out = json ? stderr : stdout;
	let live = false;
	return {
		say(line) {
			if (live) out.line('');
			live = false;
			out.line(line);
		},
		progress(line) {
			if (!out.isTTY) return;
			out.control('clearLine');
			out.text(line);
			live = true;
		},
		endProgress() {
			if (live) out.line('');
			live = false;
		},
	};
}

function holderLine(holder: PlannedHolder): string {
	return `    pid ${holder.pid}  ${holder.user}  ${(holder.command || holder.name).replace(/\s+/g, ' ')}`;
}

function describePlan(plan: TerminatePlan, out: Output): void {
	const sockets = plan.sockets
		.map((socket) => `${socket.protocol} ${socket.address}`)
		.join(', ');
	out.say(`port ${plan.port} (${sockets}):`);
	for (const target of plan.targets) {
		const prefix = target.refusal
			? target.refusal.confirmable
				? '  ! '
				: '  - '
			: '  * ';
		out.say(`${prefix}${target.description}`);
		if (target.kind !== 'process')
			for (const holder of target.holders) out.say(holderLine(holder));
		if (target.refusal) {
			out.say(
				`      ${target.refusal.confirmable ? 'needs confirmation' : 'refused'}: ${target.refusal.reason}`,
			);
		}
		for (const note of target.notes ?? []) out.say(`      note: ${note}`);
	}
}

function targetJson(target: TerminateTarget, confirmed: number[]) {
	return {
		kind: target.kind,
		description: target.description,
		unit: target.unit ?? null,
		container: target.container ?? null,
		processes: target.holders.map((holder) => ({
			pid: holder.pid,
			name: holder.name,
			command: holder.command,
			user: holder.user,
		})),
		allowed: isTargetAllowed(target, confirmed),
		refused:
			target.refusal && !isTargetAllowed(target, confirmed)
				? target.refusal.reason
				: null,
		/** The pids `--confirm-pid` must name before this target is acted on. */
		confirmPids: target.refusal?.confirmable ? target.refusal.confirmPids : [],
		namespaceInit: target.namespaceInit ?? null,
		notes: target.notes ?? [],
	};
}

function resultJson(
	plan: TerminatePlan,
	confirmed: number[],
	result: TerminateResult | undefined,
	auditLogWarning?: string,
) {
	return {
		port: plan.port,
		inUse: plan.sockets.length > 0,
		free: result ? result.free : plan.sockets.length === 0,
		targets: plan.targets.map((target) => targetJson(target, confirmed)),
		actions: result?.actions ?? [],
		remaining: (result?.remaining ?? []).map((listener) => ({
			protocol: listener.protocol,
			address: listener.address,
			port: listener.port,
			pids: listener.processes.map((holder) => holder.pid),
		})),
		aborted: result?.aborted ?? false,
		auditLogWarning: auditLogWarning ?? null,
	};
}

export const killCommand = {
	name: 'kill',
	help,
	flags: {
		signal: {type: 'string'},
		timeout: {type: 'string'},
		force: {type: 'boolean'},
		disable: {type: 'boolean'},
		yes: {type: 'boolean', short: 'y'},
		confirmPid: {type: 'string', multiple: true},
		json: {type: 'boolean'},
	},
	words: {name: 'PORT', min: 1, max: 1},
	requires: [
		{
			flag: '--confirm-pid',
			needs: '--yes',
			why: 'is for scripts and needs --yes; on a terminal you are asked to type the pid',
		},
	],
} as const satisfies CommandTable;

export async function run(argv: string[]): Promise<number> {
	const cli = await parseCommand(killCommand, argv);
	const flags = cli.flags;
	const {port, protocols} = parsePortArgument(cli.input[0]!);
	const signal = parseSignal(flags.signal ?? 'TERM');
	if (!signal)
		throw new UsageError(
			`--signal: "${flags.signal}" is not a signal name (e.g. TERM, INT, HUP)`,
		);
	const timeoutSeconds = integerFlag('timeout', flags.timeout, {min: 0, max: 3600}) ?? 5;
	const confirmPids = (flags.confirmPid ?? []).map((value) =>
		integerFlag('confirm-pid', value, {min: 1, max: 2 ** 22})!,
	);
	const yes = flags.yes === true;
	const json = flags.json === true;
	const interactive = process.stdin.isTTY === true;
	if (!yes && !interactive) {
		throw new UsageError(
			`refusing to stop what holds port ${port} without --yes (stdin is not a terminal)`,
		);
	}
	const out = makeOutput(json);
	let auditLogWarning: string | undefined;
	const record = auditRecorder((message) => {
		auditLogWarning ??= message;
		stderr.line(`portui: warning: ${message}`);
	});

	const plan = await planTermination(port, {protocols, signal});
	if (plan.sockets.length === 0) {
		if (json) writeJson(resultJson(plan, [], undefined));
		out.say(`nothing is listening on port ${port}${protocols ? `/${protocols[0]}` : ''}`);
		return 1;
	}
	describePlan(plan, out);

	const confirmed = new Set<number>();
	for (const target of plan.targets) {
		if (!target.refusal?.confirmable) continue;
		const pids = target.refusal.confirmPids;
		if (yes) {
			if (pids.every((pid) => confirmPids.includes(pid))) {
				for (const pid of pids) confirmed.add(pid);
				stderr.line(
					`portui: WARNING: acting on ${pids.join(', ')}: ${target.refusal.reason}`,
				);
			} else {
				out.say(
					`  refusing ${target.description}: confirm with --confirm-pid ${pids.join(' --confirm-pid ')}`,
				);
			}
			continue;
		}
		stderr.line(`WARNING: ${target.refusal.reason}.`);
		// readline redraws its prompt line: the question must be the prompt itself.
		const answer = await ask(
			`Type the pid ${pids.join(' and ')} to confirm, anything else to leave it: `,
		);
		const typed = answer.split(/[\s,]+/).map(Number);
		if (pids.every((pid) => typed.includes(pid)))
			for (const pid of pids) confirmed.add(pid);
	}
	const confirmedList = [...confirmed];
	const allowed = plan.targets.filter((target) => isTargetAllowed(target, confirmedList));
	if (allowed.length === 0) {
		const result = await runExecution(plan, {
			signal,
			timeoutSeconds,
			confirmedList,
			force: false,
			yes,
			disable: false,
			out,
			record,
		});
		if (json) writeJson(resultJson(plan, confirmedList, result, auditLogWarning));
		out.say(`nothing was signalled: port ${port} is still in use`);
		return result.free ? 0 : 1;
	}
	if (!yes) {
		const answer = await ask(
			`Stop ${allowed.length === 1 ? 'it' : `these ${allowed.length}`}? [y/N] `,
		);
		if (!/^y(es)?$/i.test(answer)) {
			out.say('nothing was done');
			return 1;
		}
	}
	const result = await runExecution(plan, {
		signal,
		timeoutSeconds,
		confirmedList,
		force: flags.force === true,
		yes,
		disable: flags.disable === true,
		out,
		record,
	});
	if (json) writeJson(resultJson(plan, confirmedList, result, auditLogWarning));
	if (result.free) {
		out.say(`port ${port} is free`);
		return 0;
	}
	const holders = result.remaining.flatMap((listener) =>
		listener.processes.map((holder) => `${holder.pid} (${holder.name})`),
	);
	out.say(
		`port ${port} is still in use${holders.length > 0 ? ` by ${[...new Set(holders)].join(', ')}` : ''}`,
	);
	return 1;
}

async function runExecution(
	plan: TerminatePlan,
	options: {
		signal: NodeJS.Signals;
		timeoutSeconds: number;
		confirmedList: number[];
		force: boolean;
		yes: boolean;
		disable: boolean;
		out: Output;
		record: (action: TerminateAction) => void;
	},
): Promise<TerminateResult> {
	const {out} = options;
	const controller = new AbortController();
	// Ctrl-C during the countdown stops before the next signal instead of killing portui mid-way.
	const onInterrupt = () => controller.abort();
	process.once('SIGINT', onInterrupt);
	try {
		const run = executeTermination(plan, {
			signal: options.signal,
			timeoutMs: options.timeoutSeconds * 1000,
			force: options.force,
			disableUnits: options.disable,
			confirmedPids: options.confirmedList,
			abortSignal: controller.signal,
			system: {record: options.record},
			confirmKill: options.yes
				? undefined
				: async (survivors) => {
						out.endProgress();
						// SIGKILL to a namespace's init is SIGKILL to its whole namespace.
						for (const target of plan.targets) {
							if (
								target.namespaceInit &&
								survivors.some((holder) => holder.pid === target.namespaceInit!.pid)
							)
								out.say(`note: ${target.refusal?.reason ?? target.description}`);
						}
						const answer = await ask(
							`Still running after ${options.timeoutSeconds}s: ${survivors.map((holder) => holder.pid).join(', ')}. Send SIGKILL? [y/N] `,
						);
						return /^y(es)?$/i.test(answer);
					},
		});
		for (;;) {
			const step = await run.next();
			if (step.done) return step.value;
			report(step.value, out, options.force);
		}
	} finally {
		process.removeListener('SIGINT', onInterrupt);
	}
}

function report(event: TerminateEvent, out: Output, force: boolean): void {
	switch (event.type) {
		case 'action': {
			const {action} = event;
			const mark = action.outcome === 'done' ? 'ok' : action.outcome;
			out.say(`${mark}: ${action.message}`);
			break;
		}
		case 'countdown':
			out.progress(
				`waiting for ${event.pids.join(', ')} to exit… ${Math.ceil(event.remainingMs / 1000)}s`,
			);
			break;
		case 'survivors':
			out.endProgress();
			out.say(
				event.willKill
					? `still running: ${event.pids.join(', ')}; sending SIGKILL`
					: `still running: ${event.pids.join(', ')}; not sending SIGKILL${force ? '' : ' (use --force)'}`,
			);
			break;
		case 'verifying':
			out.endProgress();
			break;
		case 'aborted':
			out.endProgress();
			out.say(
				event.signalled
					? 'aborted: signals already sent stay sent'
					: 'aborted: nothing was signalled',
			);
			break;
		case 'done':
			break;
	}
}
