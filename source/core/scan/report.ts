/**
 * Folds scan events into a report (what the CLI prints and the screen shows
 * when a scan ends or is cancelled) and gives its JSON shape.
 */
import {serviceName} from '../sockets/services.js';
import {
	emptyCounts,
	type PortResult,
	type ScanEvent,
	type StateCounts,
	type Technique,
} from './model.js';
import type {ScanTarget} from './targets.js';

export type HostReport = {
	target: ScanTarget;
	/** Every result kept (closed ones only when the scan reported them). */
	ports: PortResult[];
	counts: StateCounts;
	error?: string;
};

export type ScanReport = {
	hosts: HostReport[];
	technique: Technique;
	ports: number;
	startedAt: string;
	durationMs: number;
	cancelled: boolean;
	done: boolean;
};

export function emptyReport(technique: Technique): ScanReport {
	return {
		hosts: [],
		technique,
		ports: 0,
		startedAt: new Date().toISOString(),
		durationMs: 0,
		cancelled: false,
		done: false,
	};
}

/** Applies one event (pure: returns a new report, so a reducer can use it). */
export function applyEvent(report: ScanReport, event: ScanEvent): ScanReport {
	switch (event.type) {
		case 'start':
			return {
				...report,
				technique: event.technique,
				ports: event.ports,
				startedAt: event.startedAt,
				hosts: event.targets.map((target) => ({
					target,
					ports: [],
					counts: emptyCounts(),
					error: target.error,
				})),
			};
		case 'result': {
			const hosts = [...report.hosts];
			const host = hosts[event.result.host];
			if (!host) return report;
			const counts = {
				...host.counts,
				[event.result.state]: host.counts[event.result.state] + 1,
			};
			hosts[event.result.host] = {...host, ports: [...host.ports, event.result], counts};
			return {...report, hosts};
		}
		case 'host-error': {
			const hosts = [...report.hosts];
			const host = hosts[event.host];
			if (host) hosts[event.host] = {...host, error: event.error};
			return {...report, hosts};
		}
		case 'done':
			return {
				...report,
				// The engine's counts include closed ports that were never sent as results.
				hosts: report.hosts.map((host, index) => ({
					...host,
					counts: event.counts[index] ?? host.counts,
				})),
				durationMs: event.durationMs,
				cancelled: event.cancelled,
				done: true,
			};
		case 'progress':
			return report;
	}
}

/** Mutating variant for the CLI, which folds tens of thousands of results. */
export function collect(report: ScanReport, event: ScanEvent): ScanReport {
	if (event.type !== 'result') return applyEvent(report, event);
	const host = report.hosts[event.result.host];
	if (host) {
		host.ports.push(event.result);
		host.counts[event.result.state]++;
	}
	return report;
}

export type PortJson = {
	port: number;
	protocol: 'tcp' | 'udp';
	state: string;
	service: string | null;
	banner?: string;
};

export type ScanJson = {
	targets: Array<{
		target: string;
		address: string;
		error?: string;
		ports: PortJson[];
		counts: Record<string, number>;
	}>;
	scan: {
		technique: Technique;
		ports: number;
		durationMs: number;
		startedAt: string;
		cancelled?: boolean;
	};
};

/** The `--json` document: every non-closed port listed (closed too with `all`), closed ones counted. */
export function reportToJson(
	report: ScanReport,
	{all = false}: {all?: boolean} = {},
): ScanJson {
	return {
		targets: report.hosts.map((host) => {
			const counts: Record<string, number> = {
				open: host.counts.open,
				closed: host.counts.closed,
				filtered: host.counts.filtered,
			};
			if (report.technique === 'udp' || host.counts['open|filtered'] > 0)
				counts['open|filtered'] = host.counts['open|filtered'];
			return {
				target: host.target.target,
				address: host.target.address,
				...(host.error ? {error: host.error} : {}),
				ports: host.ports
					.filter((result) => all || result.state !== 'closed')
					.sort((a, b) => a.port - b.port)
					.map((result) => ({
						port: result.port,
						protocol: result.protocol,
						state: result.state,
						service: serviceName(result.port, result.protocol) ?? null,
						...(result.banner ? {banner: result.banner} : {}),
					})),
				counts,
			};
		}),
		scan: {
			technique: report.technique,
			ports: report.ports,
			durationMs: report.durationMs,
			startedAt: report.startedAt,
			...(report.cancelled ? {cancelled: true} : {}),
		},
	};
}
