/** The scan result model shared by the TCP, UDP and nmap engines, the CLI and the UI. */
import type {Protocol} from './ports.js';
import type {ScanTarget} from './targets.js';

export type PortState = 'open' | 'closed' | 'filtered' | 'open|filtered';
export type Technique = 'connect' | 'udp' | 'syn';

export type PortResult = {
	host: number;
	port: number;
	protocol: Protocol;
	state: PortState;
	/** Why (nmap's "reason" where nmap ran): conn-refused, syn-ack, no-response, port-unreach, udp-response… */
	reason?: string;
	banner?: string;
};

export type HostProgress = {done: number; total: number; open: number};

export type ScanProgress = {
	hosts: HostProgress[];
	done: number;
	total: number;
	open: number;
	/** Probes finished per second over the whole scan so far. */
	rate: number;
	elapsedMs: number;
	/** Estimated time left (undefined until there is a rate). */
	etaMs?: number;
};

export type StateCounts = Record<PortState, number>;

export type ScanEvent =
	| {
			type: 'start';
			targets: ScanTarget[];
			ports: number;
			technique: Technique;
			startedAt: string;
	  }
	| {type: 'progress'; progress: ScanProgress}
	| {type: 'result'; result: PortResult}
	| {type: 'host-error'; host: number; error: string}
	| {
			type: 'done';
			counts: StateCounts[];
			durationMs: number;
			cancelled: boolean;
	  };

export function emptyCounts(): StateCounts {
	return {open: 0, closed: 0, filtered: 0, 'open|filtered': 0};
}
