/**
 * Contenders found in systemd: units that failed, or keep restarting, because
 * their port was taken ("Address already in use" in their journal), for the
 * port their evidence names (contender-evidence.ts). Everything that runs
 * systemctl/journalctl or reads a unit's files sits behind `UnitLog`, so the
 * parsing is tested on fixtures and a machine without systemd (a container,
 * CI) reports "unavailable" instead of failing.
 */
import {execa} from 'execa';
import {
	systemctlManager,
	systemdIsInit,
	type ServiceManager,
} from '../processes/systemd.js';
import {readOptional} from './adapters/common.js';
import {
	failureMayConcern,
	journalEvidence,
	unitEvidence,
	type ContenderEvidence,
	type UnitSettings,
} from './contender-evidence.js';
import type {DeclaredPort} from './identify.js';

export type {ContenderEvidence, UnitSettings} from './contender-evidence.js';

export type UnitState = 'failed' | 'auto-restart';

/** The few systemd questions conflict identification asks. */
export interface UnitLog {
	/** False when systemd is not PID 1 or the bus cannot be reached. */
	available(): Promise<boolean>;
	/** Units that failed or are waiting to be restarted, with their state. */
	troubledUnits(): Promise<Array<{unit: string; state: UnitState}>>;
	/** The unit's last journal lines, oldest first. */
	journal(unit: string, lines: number): Promise<string>;
	/** Whether the unit starts at boot; undefined when unknown. */
	enabled(unit: string): Promise<boolean | undefined>;
	/**
	 * The unit's ExecStart=, Environment= and EnvironmentFile= as systemd
	 * resolved them. Without it, a failure that names no port can only be
	 * tied to a port by the unit's config.
	 */
	settings?(unit: string): Promise<UnitSettings>;
}

export type UnitContender = {
	unit: string;
	state: UnitState;
	/** What says it wants the port: the failure first (newest last), then what names the port. */
	evidence: ContenderEvidence[];
	/** True when the failure itself (a journal line) names this port. */
	portNamed: boolean;
};

/**
 * Parses `systemctl --failed --no-legend --plain` or `systemctl list-units
 * --no-legend --plain` output (`UNIT LOAD ACTIVE SUB DESCRIPTION…`), keeping
 * services only.
 */
export function parseUnitList(
	text: string,
): Array<{unit: string; load: string; active: string; sub: string}> {
	const units = [];
	for (const raw of text.split('\n')) {
		// Older systemctl prints a status bullet even with --plain.
		const line = raw.replace(/^[●*×\s]+/, '').trim();
		if (line === '') continue;
		const [unit, load, active, sub] = line.split(/\s+/);
		if (!unit || !sub || !/\.(service|socket)$/.test(unit)) continue;
		units.push({unit, load: load!, active: active!, sub});
	}
	return units;
}

/** Reads `systemctl show -p ExecStart -p Environment -p EnvironmentFiles` output. */
export function parseUnitSettings(text: string): UnitSettings {
	const settings: UnitSettings = {execStart: [], environment: [], environmentFiles: []};
	for (const line of text.split('\n')) {
		const equals = line.indexOf('=');
		if (equals <= 0) continue;
		const key = line.slice(0, equals);
		const value = line.slice(equals + 1);
		if (key === 'ExecStart') {
			// `{ path=… ; argv[]=ARGV ; ignore_errors=no ; … }`, one per command.
			for (const match of value.matchAll(/argv\[\]=(.*?) ; ignore_errors=/g))
				settings.execStart.push(match[1]!);
		} else if (key === 'Environment') {
			settings.environment.push(...splitEnvironment(value));
		} else if (key === 'EnvironmentFiles') {
			const file = value.replace(/ \(ignore_errors=\w+\)$/, '');
			if (file) settings.environmentFiles.push({file});
		}
	}
	return settings;
}

/** `"X=a b" PORT=8080`: systemctl quotes an assignment holding spaces, escaping with backslashes. */
function splitEnvironment(value: string): string[] {
	const words: string[] = [];
	for (const match of value.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
		const word = match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!;
		if (word.includes('=')) words.push(word);
	}
	return words;
}

/**
 * Units whose journal says they could not bind, and whose evidence names
 * `port`. `declarationsOf` gives a unit's own config declarations of the
 * port (identification knows which configs belong to which unit).
 */
export async function findUnitContenders(
	log: UnitLog,
	port: number,
	options: {declarationsOf?: (unit: string) => DeclaredPort[]} = {},
): Promise<{available: boolean; contenders: UnitContender[]}> {
	if (!(await log.available())) return {available: false, contenders: []};
	const contenders: UnitContender[] = [];
	for (const {unit, state} of await log.troubledUnits()) {
		const failure = journalEvidence(await log.journal(unit, 50), port, unit);
		// Not an "address in use" failure, or one on other ports only: no need to ask systemd more.
		if (!failureMayConcern(failure)) continue;
		const settings = await log.settings?.(unit).catch(() => undefined);
		const found = unitEvidence(
			{
				unit,
				failure,
				...(settings ? {settings} : {}),
				declarations: options.declarationsOf?.(unit) ?? [],
			},
			port,
		);
		if (found) contenders.push({unit, state, ...found});
	}
	// Units whose failure names the port first: they are the likelier contenders.
	contenders.sort((a, b) => Number(b.portNamed) - Number(a.portNamed));
	return {available: true, contenders};
}

/** The real UnitLog, through systemctl and journalctl (and the processes core's systemctl adapter). */
export function createSystemdUnitLog(
	manager: ServiceManager = systemctlManager,
	isInit: () => boolean = () => systemdIsInit(),
): UnitLog {
	const run = async (command: string, args: string[]) =>
		(await execa(command, args, {reject: false, timeout: 5000})).stdout;
	return {
		async available() {
			return isInit() && (await manager.available());
		},
		async troubledUnits() {
			const failed = await run('systemctl', ['--failed', '--no-legend', '--plain']);
			const restarting = await run('systemctl', [
				'list-units',
				'--state=auto-restart',
				'--no-legend',
				'--plain',
			]);
			const units = new Map<string, UnitState>();
			for (const unit of parseUnitList(failed)) units.set(unit.unit, 'failed');
			for (const unit of parseUnitList(restarting)) {
				if (!units.has(unit.unit)) units.set(unit.unit, 'auto-restart');
			}
			return [...units].map(([unit, state]) => ({unit, state}));
		},
		async journal(unit, lines) {
			return run('journalctl', [
				'-u',
				unit,
				'-n',
				String(lines),
				'--no-pager',
				'-o',
				'cat',
			]);
		},
		async settings(unit) {
			const settings = parseUnitSettings(
				await run('systemctl', [
					'show',
					'-p',
					'ExecStart',
					'-p',
					'Environment',
					'-p',
					'EnvironmentFiles',
					'--',
					unit,
				]),
			);
			// Opened without blocking and only if a regular file (readOptional): a FIFO named there cannot hang portui.
			settings.environmentFiles = settings.environmentFiles.map(({file}) => {
				const text = readOptional(file);
				return text === undefined ? {file} : {file, text};
			});
			return settings;
		},
		async enabled(unit) {
			if (!isInit()) return undefined;
			const facts = await manager.show(unit).catch(() => undefined);
			const state = facts?.unitFileState;
			if (state === 'enabled' || state === 'enabled-runtime') return true;
			if (state === 'disabled' || state === 'masked') return false;
			return undefined;
		},
	};
}

export const systemdUnitLog: UnitLog = createSystemdUnitLog();
