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

/**
 * Work shared by the engines of one scan (each in its own worker, all over
 * the same hosts and ports): [0] is the next chunk of ports to take, then
 * per host [pending, answered, unreachable]. Engines take chunks as they go,
 * so one that started later (a worker's start-up) or runs slower simply
 * takes fewer, and all finish together.
 */
export type SharedWork = Int32Array;

/** Ports an engine takes from the shared cursor at a time. */
const CHUNK_PORTS = 128;

/** Shared counters for `hosts` (a SharedArrayBuffer, so workers see one copy). */
export function createSharedWork(
	hosts: ReadonlyArray<{ports: readonly number[]}>,
): SharedWork {
	const work = new Int32Array(new SharedArrayBuffer(4 * (1 + 3 * hosts.length)));
	for (const [index, host] of hosts.entries()) work[1 + 3 * index] = host.ports.length;
	return work;
}

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
	/** Unanswered for longer than answers take: counted apart from the active window. */
	slow: boolean;
	cancel: () => void;
};

const SWEEP_MS = 10;

/**
 * The active window: probes that are expected to answer soon. Enough of them
 * to keep ACTIVE_PROBES_PER_MS (about what one event loop can probe) going at the
 * shortest round trip seen, never fewer
 * than MIN_ACTIVE. More would not go faster: on loopback, 2,048 sockets in
 * flight instead of 64 made a full range 30% slower (more live handles to
 * collect, more kernel work per connect) for the same answers.
 */
const ACTIVE_PROBES_PER_MS = 20;
const MIN_ACTIVE = 64;
/** A probe unanswered after this many round trips (and SLOW_AFTER_MIN_MS) is slow. */
const SLOW_AFTER_RTTS = 4;
const SLOW_AFTER_MIN_MS = 5;

export class TcpEngine {
	private readonly prober;
	readonly backend: Backend;
	private readonly retryQueue: Array<{host: number; port: number; tries: number}> = [];
	/** The chunk this engine is on: flat positions over every host's ports. */
	private chunkAt = 0;
	private chunkEnd = 0;
	/** Where each host's ports start among the flat positions, and their total. */
	private readonly hostStarts: number[];
	private readonly totalPorts: number;
	/** No chunk is left to take. */
	private exhausted = false;
	private readonly work: SharedWork;
	private readonly inFlight = new Set<Probe>();
	/** Probes in launch order, for expiry without scanning every probe in flight. */
	private order: Probe[] = [];
	private orderHead = 0;
	private readonly rtt: RttEstimator[];
	/**
	 * The shortest round trip seen on any host, ms: the network's part of a
	 * round trip. Smoothed ones include the wait behind our own probes in
	 * flight (35-100 ms on loopback with 1,024 in flight), and a window sized
	 * from them would only grow that queue.
	 */
	private minRttMs: number | undefined;
	/** Probes before this index of `order` were checked for slowness. */
	private slowHead = 0;
	private slowCount = 0;
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
		work?: SharedWork,
	) {
		this.work = work ?? createSharedWork(hosts);
		let total = 0;
		this.hostStarts = hosts.map((host) => {
			const start = total;
			total += host.ports.length;
			return start;
		});
		this.totalPorts = total;
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
		this.orderHead = this.slowHead = this.slowCount = 0;
		this.finish();
	}

	private finish(): void {
		if (this.sweep) clearInterval(this.sweep);
		this.sweep = undefined;
		this.finished();
	}

	private take(): {host: number; port: number; tries: number} | undefined {
		const retry = this.retryQueue.shift();
		if (retry) return retry;
		if (this.chunkAt >= this.chunkEnd) {
			if (this.exhausted) return undefined;
			const start = Atomics.add(this.work, 0, 1) * CHUNK_PORTS;
			if (start >= this.totalPorts) {
				this.exhausted = true;
				return undefined;
			}
			this.chunkAt = start;
			this.chunkEnd = Math.min(this.totalPorts, start + CHUNK_PORTS);
		}
		const at = this.chunkAt++;
		// Hosts are few and chunks walk them in order: a backwards scan is short.
		let host = this.hosts.length - 1;
		while (this.hostStarts[host]! > at) host--;
		return {host, port: this.hosts[host]!.ports[at - this.hostStarts[host]!]!, tries: 0};
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

	/** Probes the active window allows now (MIN_ACTIVE before the first answer). */
	private activeWindow(): number {
		const rtt = this.minRttMs ?? 0;
		return Math.min(
			this.limit,
			Math.max(MIN_ACTIVE, Math.ceil(ACTIVE_PROBES_PER_MS * rtt)),
		);
	}

	/**
	 * Marks the probes that have waited longer than answers take as slow, so
	 * that silent ports (filtered, or a far host before its first answer) do
	 * not hold the active window: the window then grows by MIN_ACTIVE every
	 * SLOW_AFTER_MIN_MS or so, up to the limit.
	 */
	private markSlow(now: number): void {
		const rtt = this.minRttMs ?? 0;
		const before = now - Math.max(SLOW_AFTER_MIN_MS, SLOW_AFTER_RTTS * rtt);
		if (this.slowHead < this.orderHead) this.slowHead = this.orderHead;
		while (this.slowHead < this.order.length) {
			const probe = this.order[this.slowHead];
			if (probe.started > before) break;
			if (!probe.slow && this.inFlight.has(probe)) {
				probe.slow = true;
				this.slowCount++;
			}
			this.slowHead++;
		}
	}

	/** Forgets a probe that left the flight (answered, expired or cancelled). */
	private landed(probe: Probe): boolean {
		if (!this.inFlight.delete(probe)) return false;
		if (probe.slow) this.slowCount--;
		return true;
	}

	private pump(): void {
		let now = performance.now();
		this.markSlow(now);
		const window = this.activeWindow();
		while (
			!this.stopped &&
			this.inFlight.size < this.limit &&
			this.inFlight.size - this.slowCount < window
		) {
			now = performance.now();
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
			slow: false,
			cancel: () => undefined,
		};
		this.inFlight.add(probe);
		this.order.push(probe);
		probe.cancel = this.prober(host.address, host.family, work.port, (outcome) => {
			if (this.stopped || !this.landed(probe)) return;
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
				if (probe.tries === 1) {
					const ms = performance.now() - probe.started;
					this.rtt[probe.host].sample(ms);
					if (this.minRttMs === undefined || ms < this.minRttMs) this.minRttMs = ms;
				}
				Atomics.add(this.work, 2 + 3 * probe.host, 1);
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
				Atomics.add(this.work, 3 + 3 * probe.host, 1);
				this.report(probe.host, probe.port, 'filtered', 'host-unreach');
				return;
			}
		}
	}

	private report(host: number, port: number, state: PortState, reason: string): void {
		this.sink.result(host, port, state, reason);
		// The engine that reports a host's last port (of all engines) decides.
		if (
			Atomics.sub(this.work, 1 + 3 * host, 1) === 1 &&
			Atomics.load(this.work, 3 + 3 * host) > 0 &&
			Atomics.load(this.work, 2 + 3 * host) === 0
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
			this.slowHead = Math.max(0, this.slowHead - this.orderHead);
			this.orderHead = 0;
		}
		if (expired.length === 0) return;
		// A connection may have completed in the kernel while timers ran first:
		// decide after this loop iteration's poll phase has delivered it.
		setImmediate(() => {
			for (const probe of expired) {
				if (this.stopped || !this.landed(probe)) continue;
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
		if (this.retryQueue.length > 0 || this.chunkAt < this.chunkEnd) return;
		// Whether chunks are left is known by asking for one.
		if (!this.exhausted) {
			this.pump();
			if (this.inFlight.size > 0 || !this.exhausted) return;
		}
		this.finish();
	}
}
