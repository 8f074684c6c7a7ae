/**
 * systemd, when it is the init system: the facts about a unit that matter
 * before touching its process (is it enabled, will it restart it, where is its
 * unit file), and the stop/restart/reload actions conflict resolution uses.
 * Everything goes through `systemctl`; on machines where systemd is not PID 1
 * (containers, WSL, other inits) the manager says it is unavailable instead
 * of failing on every call.
 */
import {existsSync, readFileSync} from 'node:fs';
import {execa} from 'execa';
import {PermissionError, PortuiError} from '../errors.js';

export type UnitFacts = {
	unit: string;
	description?: string;
	/** `loaded`, `not-found`, `masked`… */
	loadState: string;
	/** `active`, `inactive`, `failed`, `activating`… */
	activeState: string;
	subState?: string;
	/** `enabled`, `disabled`, `static`, `masked`… (empty for transient units). */
	unitFileState?: string;
	/** `Restart=`: `no`, `always`, `on-failure`, `on-abnormal`… */
	restart?: string;
	fragmentPath?: string;
	mainPid?: number;
	/** How many times systemd has restarted it (`NRestarts`). */
	restarts?: number;
};

export interface ServiceManager {
	/** Whether units can be queried and controlled on this machine. */
	available(): Promise<boolean>;
	/** Facts about a unit; undefined when there is no such unit. */
	show(unit: string): Promise<UnitFacts | undefined>;
	stop(unit: string): Promise<void>;
	restart(unit: string): Promise<void>;
	reload?(unit: string): Promise<void>;
}

/** systemd is not the init system here (or systemctl is missing). */
export class ServiceManagerUnavailableError extends PortuiError {}

export const SHOW_PROPERTIES = [
	'Id',
	'Description',
	'LoadState',
	'ActiveState',
	'SubState',
	'UnitFileState',
	'Restart',
	'FragmentPath',
	'MainPID',
	'NRestarts',
] as const;

/** Restart= values under which systemd starts the service again after it is killed. */
const RESTARTING = new Set([
	'always',
	'on-failure',
	'on-abnormal',
	'on-abort',
	'on-watchdog',
]);

/** Whether killing the unit's process makes systemd start it again (Restart=always/on-failure/…). */
export function willRestart(facts: Pick<UnitFacts, 'restart'> | undefined): boolean {
	return facts?.restart !== undefined && RESTARTING.has(facts.restart);
}

/** Parses `systemctl show` output (`Key=Value` lines). Undefined for a unit that does not exist. */
export function parseSystemctlShow(text: string, unit: string): UnitFacts | undefined {
	const values = new Map<string, string>();
	for (const line of text.split('\n')) {
		const equals = line.indexOf('=');
		if (equals > 0) values.set(line.slice(0, equals), line.slice(equals + 1).trim());
	}
	const loadState = values.get('LoadState');
	if (loadState === undefined || loadState === 'not-found') return undefined;
	const field = (key: string) => {
		const value = values.get(key);
		return value === undefined || value === '' ? undefined : value;
	};
	const number = (key: string) => {
		const value = field(key);
		return value === undefined || !/^\d+$/.test(value) ? undefined : Number(value);
	};
	const facts: UnitFacts = {
		unit: field('Id') ?? unit,
		loadState,
		activeState: field('ActiveState') ?? 'unknown',
	};
	const optional = {
		description: field('Description'),
		subState: field('SubState'),
		unitFileState: field('UnitFileState'),
		restart: field('Restart'),
		fragmentPath: field('FragmentPath'),
		mainPid: number('MainPID') || undefined,
		restarts: number('NRestarts'),
	};
	for (const [key, value] of Object.entries(optional)) {
		if (value !== undefined) (facts as Record<string, unknown>)[key] = value;
	}
	return facts;
}

/**
 * Whether systemd is the running init system: the test sd_booted(3) makes
 * (the /run/systemd/system directory exists only when systemd is PID 1).
 */
export function systemdIsInit(runDirectory = '/run/systemd/system'): boolean {
	return existsSync(runDirectory);
}

/** PID 1's name, for saying what runs instead of systemd. */
export function initName(procRoot = '/proc'): string | undefined {
	try {
		return readFileSync(`${procRoot}/1/comm`, 'utf8').trim();
	} catch {
		return undefined;
	}
}

export type SystemctlOptions = {
	/** The systemctl binary (tests point this at a stand-in). */
	command?: string;
	isInit?: () => boolean;
	timeoutMs?: number;
};

/** A ServiceManager backed by the real `systemctl`. */
export function createSystemctlManager(options: SystemctlOptions = {}): ServiceManager {
	const command = options.command ?? 'systemctl';
	const isInit = options.isInit ?? (() => systemdIsInit());
	const timeout = options.timeoutMs ?? 10_000;
	let availability: Promise<boolean> | undefined;

	const available = async () => {
		availability ??= (async () => {
			if (!isInit()) return false;
			const result = await execa(command, ['--version'], {reject: false, timeout});
			return result.exitCode === 0;
		})();
		return availability;
	};

	const ensure = async () => {
		if (await available()) return;
		const init = initName();
		throw new ServiceManagerUnavailableError(
			`systemd is not available here${init ? ` (PID 1 is ${init})` : ''}`,
		);
	};

	const run = async (args: string[]) => {
		await ensure();
		const result = await execa(command, args, {reject: false, timeout, stdin: 'ignore'});
		if (result.exitCode === 0 && !result.timedOut) return String(result.stdout);
		const message = String(result.stderr).split('\n').find(Boolean) ?? 'failed';
		const what = `systemctl ${args.join(' ')}`;
		if (/access denied|authentication required|not permitted/i.test(message)) {
			throw new PermissionError(`${what}: ${message} (run with sudo)`);
		}
		if (result.timedOut) throw new PortuiError(`${what}: timed out`);
		throw new PortuiError(`${what}: ${message}`);
	};

	return {
		available,
		async show(unit) {
			const output = await run(['show', unit, '-p', SHOW_PROPERTIES.join(',')]);
			return parseSystemctlShow(output, unit);
		},
		async stop(unit) {
			await run(['stop', unit]);
		},
		async restart(unit) {
			await run(['restart', unit]);
		},
		async reload(unit) {
			await run(['reload', unit]);
		},
	};
}

/** The machine's systemd, through the real `systemctl`. */
export const systemctlManager: ServiceManager = createSystemctlManager();
