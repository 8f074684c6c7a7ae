/**
 * TCP connect scan scheduler for one event loop (it runs inside a worker, see
 * worker.ts). Correct first: a port is `open` only after a real connection
 * whose local end is not the remote end (self-connect), `closed` on a refusal,
 * `filtered` only after 1 + retries unanswered tries. Then fast: as many
 * probes in flight as the file-descriptor budget allows, one sweep timer
 * instead of a timer per probe, and timeouts from measured round trips.
 */
import {performance} from 'node:perf_hooks';
import type {PortState} from './model.js';
import {createProber, type Backend, type ProbeOutcome} from './tcp-probe.js';

export type TcpJobHost = {address: string; family: 4 | 6; ports: number[]};

export type TcpEngineOptions = {
	concurrency: number;
	/** Upper bound on one probe's wait, ms; adaptive timeouts stay under it. */
	maxTimeoutMs: number;
	/** Lower bound on the adaptive timeout, ms. */
	minTimeoutMs: number;
	retries: number;
	/** Probes per second for this engine (undefined: no limit). */
	rate?: number;
	backend: Backend;
	/** Fixed timeout (no adaptation) when the user asked for one. */
	fixedTimeout: boolean;
};

export type TcpEngineSink = {
	/** Every final state (closed included: the caller decides what to keep). */
	result(host: number, port: number, state: PortState, reason: string): void;
	/** Every host whose probes all failed for lack of a route. */
	hostError(host: number, error: string): void;
};

/** RFC 6298 / nmap-style smoothed round-trip estimator, per host. */
export class RttEstimator {
	private srtt?: number;
	private rttvar = 0;
	constructor(
		private readonly minMs: number,
		private readonly maxMs: number,
		private readonly initialMs: number,
	) {}

	sample(ms: number): void {
		if (this.srtt === undefined) {
			this.srtt = ms;
			this.rttvar = ms / 2;
			return;
		}
		this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
		this.srtt = 0.875 * this.srtt + 0.125 * ms;
	}

	get timeoutMs(): number {
		if (this.srtt === undefined) return this.initialMs;
		return Math.min(this.maxMs, Math.max(this.minMs, this.srtt + 4 * this.rttvar));
	}
}

type Probe = {
	host: number;
	port: number;
	tries: number;
	started: number;
	cancel: () => void;
};

const SWEEP_MS = 10;

export class TcpEngine {
	private readonly prober;
	readonly backend: Backend;
	private readonly queue: Array<{host: number; port: number; tries: number}> = [];
	private readonly retryQueue: Array<{host: number; port: number; tries: number}> = [];
	private next = {host: 0, index: 0};
	private readonly inFlight = new Set<Probe>();
	/** Probes in launch order, for expiry without scanning every probe in flight. */
	private order: Probe[] = [];
	private orderHead = 0;
	private readonly rtt: RttEstimator[];
	private readonly pendingPerHost: number[];
	private readonly unreachable: number[];
	private readonly answered: number[];
	private limit: number;
	private sweep?: NodeJS.Timeout;
	private tokens = 0;
	private lastRefill = performance.now();
	private stopped = false;
	private finished!: () => void;
	readonly done: Promise<void>;

	constructor(
		private readonly hosts: TcpJobHost[],
		private readonly options: TcpEngineOptions,
		private readonly sink: TcpEngineSink,
	) {
		const created = createProber(options.backend);
		this.prober = created.prober;
		this.backend = created.backend;
		this.limit = Math.max(1, options.concurrency);
		const initial = options.fixedTimeout
			? options.maxTimeoutMs
			: Math.min(options.maxTimeoutMs, 1000);
		this.rtt = hosts.map(
			() =>
				new RttEstimator(
					options.fixedTimeout ? options.maxTimeoutMs : options.minTimeoutMs,
					options.maxTimeoutMs,
					initial,
				),
		);
		this.pendingPerHost = hosts.map((host) => host.ports.length);
		this.unreachable = hosts.map(() => 0);
		this.answered = hosts.map(() => 0);
		this.done = new Promise((resolve) => {
			this.finished = resolve;
		});
	}

	start(): void {
		this.sweep = setInterval(() => {
			this.expire();
			this.pump();
		}, SWEEP_MS);
		this.pump();
		this.checkDone();
	}

	/** Closes every socket at once; no result is reported afterwards. */
	stop(): void {
		this.stopped = true;
		for (const probe of this.inFlight) probe.cancel();
		this.inFlight.clear();
		this.order = [];
		this.finish();
	}

	private finish(): void {
		if (this.sweep) clearInterval(this.sweep);
		this.sweep = undefined;
		this.finished();
	}

	private take(): {host: number; port: number; tries: number} | undefined {
		const retry = this.retryQueue.shift() ?? this.queue.shift();
		if (retry) return retry;
		while (this.next.host < this.hosts.length) {
			const host = this.hosts[this.next.host];
			if (this.next.index < host.ports.length) {
				return {host: this.next.host, port: host.ports[this.next.index++], tries: 0};
			}
			this.next = {host: this.next.host + 1, index: 0};
		}
		return undefined;
	}

	private allowedByRate(now: number): boolean {
		const rate = this.options.rate;
		if (!rate) return true;
		this.tokens = Math.min(
			Math.max(1, rate / 20),
			this.tokens + ((now - this.lastRefill) * rate) / 1000,
		);
		this.lastRefill = now;
		if (this.tokens < 1) return false;
		this.tokens -= 1;
		return true;
	}

	private pump(): void {
		while (!this.stopped && this.inFlight.size < this.limit) {
			const now = performance.now();
			if (!this.allowedByRate(now)) return;
			const work = this.take();
			if (!work) return;
			this.launch(work, now);
		}
	}

	private launch(work: {host: number; port: number; tries: number}, now: number): void {
		const host = this.hosts[work.host];
		const probe: Probe = {
			host: work.host,
			port: work.port,
			tries: work.tries + 1,
			started: now,
			cancel: () => undefined,
		};
		this.inFlight.add(probe);
		this.order.push(probe);
		probe.cancel = this.prober(host.address, host.family, work.port, (outcome) => {
			if (!this.inFlight.delete(probe) || this.stopped) return;
			this.settle(probe, outcome);
			this.pump();
			this.checkDone();
		});
	}

	private settle(probe: Probe, outcome: ProbeOutcome): void {
		switch (outcome) {
			case 'open':
			case 'closed':
			case 'self': {
				// Karn: only first tries give unambiguous round trips.
				if (probe.tries === 1)
					this.rtt[probe.host].sample(performance.now() - probe.started);
				this.answered[probe.host]++;
				const state = outcome === 'open' ? 'open' : 'closed';
				const reason =
					outcome === 'open'
						? 'syn-ack'
						: outcome === 'self'
							? 'self-connect'
							: 'conn-refused';
				this.report(probe.host, probe.port, state, reason);
				return;
			}
			case 'resource': {
				// Out of descriptors or local ports: give the slot back and shrink.
				this.limit = Math.max(8, Math.min(this.limit, this.inFlight.size) - 8);
				this.retryQueue.push({
					host: probe.host,
					port: probe.port,
					tries: probe.tries - 1,
				});
				return;
			}
			case 'unreachable': {
				this.unreachable[probe.host]++;
				this.report(probe.host, probe.port, 'filtered', 'host-unreach');
				return;
			}
		}
	}

	private report(host: number, port: number, state: PortState, reason: string): void {
		this.sink.result(host, port, state, reason);
		if (
			--this.pendingPerHost[host] === 0 &&
			this.unreachable[host] > 0 &&
			this.answered[host] === 0
		) {
			this.sink.hostError(host, 'host unreachable');
		}
	}

	private expire(): void {
		const now = performance.now();
		const expired: Probe[] = [];
		// The timeout is read now, not fixed at launch: once the first answers
		// give a round trip, probes sent under the initial guess expire sooner.
		while (this.orderHead < this.order.length) {
			const probe = this.order[this.orderHead];
			if (!this.inFlight.has(probe)) {
				this.orderHead++;
				continue;
			}
			if (now - probe.started < this.rtt[probe.host].timeoutMs) break;
			expired.push(probe);
			this.orderHead++;
		}
		if (this.orderHead > 4096) {
			this.order = this.order.slice(this.orderHead);
			this.orderHead = 0;
		}
		if (expired.length === 0) return;
		// A connection may have completed in the kernel while timers ran first:
		// decide after this loop iteration's poll phase has delivered it.
		setImmediate(() => {
			for (const probe of expired) {
				if (this.stopped || !this.inFlight.delete(probe)) continue;
				probe.cancel();
				if (probe.tries <= this.options.retries) {
					this.retryQueue.push({host: probe.host, port: probe.port, tries: probe.tries});
				} else {
					this.report(probe.host, probe.port, 'filtered', 'no-response');
				}
			}
			this.pump();
			this.checkDone();
		});
	}

	private checkDone(): void {
		if (this.stopped || this.inFlight.size > 0) return;
		if (this.retryQueue.length > 0 || this.queue.length > 0) return;
		if (this.next.host < this.hosts.length) {
			const host = this.hosts[this.next.host];
			if (this.next.index < host.ports.length || this.next.host < this.hosts.length - 1)
				return;
		}
		this.finish();
	}
}
