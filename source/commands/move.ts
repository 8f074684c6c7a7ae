/**
 * `portui move PORT --to N|auto`: the reconfigure step of conflict
 * resolution as a command. Finds the config that sets PORT, shows the diff,
 * rewrites it atomically with a backup, runs the service's own config check
 * (rolling back when it fails), restarts the service and verifies it moved.
 */
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {UsageError} from '../core/errors.js';
import {
	applyReconfigure,
	planReconfigure,
	type ReconfigureOutcome,
	type ReconfigurePlan,
	type ReconfigureStep,
	type RestartMode,
} from '../core/conflicts/reconfigure.js';
import {systemctlManager} from '../core/processes/systemd.js';
import {parseCommand, parsePort, type CommandTable} from './flags.js';
import {confirm} from './prompt.js';
import {keepRunningOnClosedOutput, stderr, stdout, writeJson} from './write-out.js';

const help = `
	Usage
	  $ portui move PORT --to N|auto [options]

	Moves the service whose config sets PORT to another port: finds where the
	port is set (nginx, Apache, sshd, Redis, PostgreSQL, MySQL/MariaDB, systemd
	units; with --config also docker compose files and .env files), shows the
	diff, writes the file atomically keeping owner and mode, with a backup
	beside it (FILE.portui-YYYYmmddTHHMMSS.bak), runs the service's own check
	(nginx -t, apachectl configtest, sshd -t) and restores the backup when it
	fails, restarts the service through systemd and checks that it listens on
	the new port and has left the old one.

	Options
	  --to N|auto          The new port; auto = the next free port above PORT
	                       (no listener, not declared in a known config)
	  --config FILE        The config that sets PORT (its includes are followed;
	                       a file the main config includes, such as a Debian
	                       site or an sshd drop-in, is changed alone and checked
	                       through the main config); default: search the known
	                       config locations
	  --dry-run            Print the diff and change nothing
	  --yes, -y            Do not ask (required when stdin is not a terminal)
	  --no-restart         Only change and validate the config
	  --restart-cmd CMD    Apply the change with this shell command instead of
	                       systemd, for a service systemd does not run
	                       (e.g. "nginx -s reload -c /srv/nginx.conf -p /srv/")
	  --check-cmd CMD      Validate with this shell command instead of the
	                       service's own check
	  --json               Print what was found and done as JSON

	Every change is appended to $XDG_STATE_HOME/portui/actions.log
	(~/.local/state/portui/actions.log): a "begun" line with the backups before
	the file is written, a "finished" line after. A log that cannot be written
	safely (a symlink, not yours, in a directory others can write) is a warning.

	SIGHUP, SIGTERM and SIGINT during a change end it at the end of its current
	step: the write is rolled back, a config check decides as always but nothing
	is restarted after it, a restart is let finish and not verified; the log
	says so and the backup is printed.

	Exit status: 0 when the service listens on the new port and the old one is
	free (with --no-restart: when the file was changed and validated; with
	--dry-run: when a change was found); 1 otherwise (a failed check or an
	unwritable file leave the original untouched; a service portui cannot
	restart, neither a systemd unit nor given --restart-cmd, is left changed and
	validated with the command to run printed); 2 for bad usage;
	128 + the signal's number when a signal ended the change (143 for SIGTERM).
`;

function planJson(plan: ReconfigurePlan) {
	return {
		service: plan.adapter,
		title: plan.title,
		port: plan.from,
		to: plan.to,
		protocol: plan.protocol,
		unit: plan.unit ?? null,
		checkCommand: plan.checkCommand ?? null,
		restartHint: plan.restartHint ?? null,
		warnings: plan.warnings,
		declarations: plan.declarations.map((found) => ({
			file: found.file,
			line: found.line,
			column: found.column,
			context: found.context,
			...(found.scope ? {scope: found.scope} : {}),
		})),
		diff: plan.diff,
	};
}

function outcomeJson(outcome: ReconfigureOutcome) {
	return {
		...planJson(outcome.plan),
		files: outcome.written.map((write) => ({
			path: write.file,
			backup: outcome.rolledBack ? null : write.backup,
		})),
		check: outcome.check ?? null,
		rolledBack: outcome.rolledBack,
		restart: outcome.restart ?? null,
		verify: outcome.verify ?? null,
		firewall: outcome.firewall ?? null,
		ok: outcome.ok,
		summary: outcome.summary,
		auditLog: outcome.auditLog ?? null,
		auditLogWarning: outcome.auditLogWarning ?? null,
		interrupted: outcome.interrupted ?? null,
	};
}

export const moveCommand = {
	name: 'move',
	help,
	flags: {
		to: {type: 'string'},
		config: {type: 'string'},
		dryRun: {type: 'boolean'},
		yes: {type: 'boolean', short: 'y'},
		restart: {type: 'boolean', negatable: true},
		restartCmd: {type: 'string'},
		checkCmd: {type: 'string'},
		json: {type: 'boolean'},
	},
	words: {name: 'PORT', min: 1, max: 1},
	conflicts: [
		{flags: ['--no-restart', '--restart-cmd'], why: 'contradict each other: pick one'},
	],
} as const satisfies CommandTable;

export async function run(argv: string[]): Promise<number> {
	const cli = await parseCommand(moveCommand, argv);
	const flags = cli.flags;
	const port = parsePort(cli.input[0]!);
	if (flags.to === undefined)
		throw new UsageError('--to N|auto is required (see portui move --help)');
	const to =
		flags.to === 'auto'
			? 'auto'
			: parsePort(flags.to, {what: '--to', expected: 'a number 1-65535 or auto'});

	const plan = planReconfigure({
		port,
		to,
		...(flags.config ? {file: path.resolve(flags.config)} : {}),
	});
	if (flags.dryRun) {
		if (flags.json) writeJson({...planJson(plan), dryRun: true});
		else {
			stdout.block(plan.diff);
			for (const warning of plan.warnings) stderr.line(`portui: warning: ${warning}`);
		}
		return 0;
	}

	if (!flags.yes) {
		if (!process.stdin.isTTY) {
			throw new UsageError(
				'refusing to change config files without --yes (stdin is not a terminal)',
			);
		}
		stderr.block(plan.diff);
		for (const warning of plan.warnings) stderr.line(`warning: ${warning}`);
		if (!(await confirm(`Move ${plan.title} from ${port} to ${plan.to}? [y/N] `))) {
			stderr.line('portui: nothing changed');
			return 1;
		}
	} else if (!flags.json) {
		stdout.block(plan.diff);
		for (const warning of plan.warnings) stderr.line(`portui: warning: ${warning}`);
	}

	const restart: RestartMode =
		flags.restart === false
			? {kind: 'none'}
			: flags.restartCmd
				? {kind: 'command', command: flags.restartCmd}
				: {kind: 'auto'};
	// The signals are held until the outcome is printed: a hang-up while
	// printing must not end portui with the change half reported.
	const signals = interruptible();
	try {
		const outcome = await applyReconfigure(plan, {
			restart,
			serviceManager: systemctlManager,
			...(flags.checkCmd ? {checkCommand: ['sh', '-c', flags.checkCmd]} : {}),
			signal: signals.signal,
			onStep(step, detail) {
				signals.step = step;
				if (step === 'check' && detail && !flags.json) stderr.line(`checking: ${detail}`);
			},
			onWarning(message) {
				stderr.line(`portui: warning: ${message}`);
			},
		});
		printOutcome(outcome, Boolean(flags.json));
		if (outcome.interrupted) {
			const number = os.constants.signals[outcome.interrupted.signal as NodeJS.Signals];
			return number ? 128 + number : 1;
		}
		return outcome.ok ? 0 : 1;
	} finally {
		signals.release();
	}
}

function printOutcome(outcome: ReconfigureOutcome, json: boolean): void {
	if (json) {
		writeJson(outcomeJson(outcome));
		return;
	}
	for (const write of outcome.rolledBack ? [] : outcome.written) {
		stdout.line(`backup: ${write.backup}`);
	}
	if (outcome.check && !outcome.check.ok && outcome.check.output) {
		// The check's own output (nginx -t): its lines, none of its controls.
		stderr.block(`${outcome.check.output}\n`);
	}
	if (outcome.firewall) {
		stdout.line(`firewall: ufw is active; to open the new port run: ${outcome.firewall}`);
	}
	if (outcome.ok) stdout.line(outcome.summary);
	else stderr.line(`portui: ${outcome.summary}`);
}

/**
 * While a change runs, SIGHUP, SIGTERM and SIGINT abort it (it ends at the end
 * of its current step, see applyReconfigure) instead of killing portui
 * between a write and its log entry. Writes to a terminal that hung up fail:
 * they are dropped then, the log is what counts.
 */
function interruptible(): {
	signal: AbortSignal;
	step: ReconfigureStep | undefined;
	release(): void;
} {
	const controller = new AbortController();
	const state = {
		signal: controller.signal,
		step: undefined as ReconfigureStep | undefined,
		release,
	};
	const handlers = (['SIGHUP', 'SIGTERM', 'SIGINT'] as const).map((name) => {
		const handler = () => {
			if (!controller.signal.aborted) controller.abort(name);
			const step = state.step === 'check' ? 'config check' : (state.step ?? 'change');
			stderr.line(`portui: ${name} received: finishing the ${step} first, then stopping`);
		};
		process.on(name, handler);
		return [name, handler] as const;
	});
	const keepRunning = keepRunningOnClosedOutput();
	function release() {
		for (const [name, handler] of handlers) process.removeListener(name, handler);
		keepRunning();
	}
	return state;
}
