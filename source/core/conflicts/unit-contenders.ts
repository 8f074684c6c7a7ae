/**
 * Contenders found in systemd: units that failed, or keep restarting, because
 * their port was taken ("Address already in use" in their journal). Everything
 * that runs systemctl/journalctl sits behind `UnitLog`, so the parsing is
 * tested on fixtures and a machine without systemd (a container, CI) reports
 * "unavailable" instead of failing.
 */
import {execa} from 'execa';
import {
	systemctlManager,
	systemdIsInit,
	type ServiceManager,
} from '../processes/systemd.js';

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
}

export type UnitContender = {
	unit: string;
	state: UnitState;
	/** The journal lines that say the address was in use, newest last. */
	evidence: string[];
	/** True when an evidence line names this port; false when no line names any port. */
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

const IN_USE = /address already in use|EADDRINUSE/i;

/**
 * Ports named in one "address in use" log line, in the shapes the common
 * daemons print: `0.0.0.0:80`, `[::]:80`, `*:6379`, `:::8080`, `port 22`,
 * `on port 5432`.
 */
export function portsInLine(line: string): number[] {
	const ports = new Set<number>();
	for (const match of line.matchAll(/(?:[\]*:]|\d):(\d{1,5})\b/g))
		ports.add(Number(match[1]));
	for (const match of line.matchAll(/\bport (\d{1,5})\b/gi)) ports.add(Number(match[1]));
	return [...ports].filter((port) => port >= 1 && port <= 65535);
}

/**
 * Reads a unit's journal text for "address in use" evidence about `port`.
 * Returns undefined when the journal has no such line, or only lines naming
 * other ports. A line naming no port at all still counts (PostgreSQL and
 * others put the port on a separate HINT line), but is marked `portNamed: false`.
 */
export function addressInUseEvidence(
	journal: string,
	port: number,
): {evidence: string[]; portNamed: boolean} | undefined {
	const lines = journal.split('\n');
	const evidence: string[] = [];
	let portNamed = false;
	let otherPort = false;
	for (const [index, line] of lines.entries()) {
		if (!IN_USE.test(line)) continue;
		// A hint on the next line ("Is another postmaster already running on port 5432?") belongs to it.
		const ports = [...portsInLine(line), ...portsInLine(lines[index + 1] ?? '')];
		if (ports.includes(port)) {
			portNamed = true;
			evidence.push(line.trim());
		} else if (ports.length === 0) {
			evidence.push(line.trim());
		} else {
			otherPort = true;
		}
	}
	if (evidence.length === 0) return undefined;
	if (!portNamed && otherPort) return undefined;
	return {evidence: evidence.slice(-3), portNamed};
}

/** Units whose journal says they could not bind `port`. */
export async function findUnitContenders(
	log: UnitLog,
	port: number,
): Promise<{available: boolean; contenders: UnitContender[]}> {
	if (!(await log.available())) return {available: false, contenders: []};
	const contenders: UnitContender[] = [];
	for (const {unit, state} of await log.troubledUnits()) {
		const found = addressInUseEvidence(await log.journal(unit, 50), port);
		if (found) contenders.push({unit, state, ...found});
	}
	// Units naming the port first: they are the likelier contenders.
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
