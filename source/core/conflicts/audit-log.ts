/**
 * The audit log: one JSON line per action portui took (files rewritten and
 * their backups, units restarted, processes signalled), so that any change
 * can be found and undone by hand later.
 */
import {appendFileSync, mkdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

export type AuditEntry = {
	/** `move`, `kill`, `stop-unit`… */
	action: string;
	/** ISO time; filled in when absent. */
	time?: string;
	port?: number;
	/** Files changed, each with the backup holding its previous content. */
	files?: Array<{path: string; backup: string}>;
	units?: string[];
	pids?: number[];
	/** Whether the action reached its goal (the port moved, the port is free). */
	ok?: boolean;
	[key: string]: unknown;
};

/** `$XDG_STATE_HOME/portui/actions.log`, default `~/.local/state/portui/actions.log`. */
export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
	const state =
		env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
			? env.XDG_STATE_HOME
			: path.join(env.HOME ?? os.homedir(), '.local', 'state');
	return path.join(state, 'portui', 'actions.log');
}

/**
 * Appends one entry as a JSON line (one write with O_APPEND, so concurrent
 * portui runs do not interleave lines). Returns the log's path.
 */
export function appendAuditEntry(entry: AuditEntry, file = auditLogPath()): string {
	mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
	const line = JSON.stringify({time: new Date().toISOString(), ...entry});
	appendFileSync(file, `${line}\n`, {mode: 0o600});
	return file;
}
