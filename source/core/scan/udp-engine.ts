/**
 * UDP scan over connected datagram sockets: a reply means `open`, an ICMP port
 * unreachable (ECONNREFUSED on the socket) means `closed`, silence means
 * `open|filtered`.
 *
 * Silence is only evidence when the target was able to answer. Linux sends at
 * most one ICMP error per second to a peer after a burst of six
 * (net.ipv4.icmp_ratelimit, measured in FACTS.md and again here), except over
 * loopback, so a fast pass leaves most closed ports silent. After the fast
 * pass, still-silent ports are probed again in paced passes, slowing down while
 * a pass keeps turning silent ports into closed ones (proof that answers were
 * being dropped), until a pass at a steady pace finds nothing new — as nmap
 * does with its scan delay.
 */
import dgram from 'node:dgram';
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {RttEstimator, type TcpEngineSink, type TcpJobHost} from './tcp-engine.js';
import {udpPayload} from './udp-payloads.js';

export type UdpEngineOptions = {
	concurrency: number;
	maxTimeoutMs: number;
	minTimeoutMs: number;
	retries: number;
	rate?: number;
	fixedTimeout: boolean;
};

type Answer = 'open' | 'closed' | 'silent' | 'unreachable';

/** The target's ICMP error interval: a default kernel's 1 s, or this kernel's if longer. */
function icmpIntervalMs(): number {
	try {
		const local = Number(readFileSync('/proc/sys/net/ipv4/icmp_ratelimit', 'utf8'));
		if (Number.isFinite(local) && local > 1000) return local;
	} catch {
		// Not Linux or no procfs: use the default kernel's interval.
	}
	return 1000;
}

export class UdpEngine {
	private stopped = false;
	private readonly sockets = new Set<dgram.Socket>();
	private readonly wakers = new Set<() => void>();
	private finished!: () => void;
	readonly done: Promise<void>;
	private readonly rtt: RttEstimator[];

	constructor(
		private readonly hosts: TcpJobHost[],
		private readonly options: UdpEngineOptions,
		private readonly sink: TcpEngineSink,
	) {
		this.done = new Promise((resolve) => {
			this.finished = resolve;
		});
		const floor = options.fixedTimeout ? options.maxTimeoutMs : options.minTimeoutMs;
		this.rtt = hosts.map(
			() =>
				new RttEstimator(
					floor,
					options.maxTimeoutMs,
					Math.min(1000, options.maxTimeoutMs),
				),
		);
	}

	start(): void {
		this.run().then(
			() => this.finished(),
			() => this.finished(),
		);
	}

	stop(): void {
		this.stopped = true;
		for (const socket of this.sockets) socket.close();
		this.sockets.clear();
		for (const wake of this.wakers) wake();
		this.wakers.clear();
	}

	private async run(): Promise<void> {
		for (let host = 0; host < this.hosts.length && !this.stopped; host++)
			await this.scanHost(host);
	}

	private async scanHost(host: number): Promise<void> {
		const {ports} = this.hosts[host];
		this.icmpTimes = [];
		this.answeredAny = 0;
		this.unreachableSeen = 0;
		let silent = await this.pass(host, ports, 0);
		// Plain retries while the host has sent no ICMP error: nothing is being rate limited.
		for (
			let retry = 0;
			retry < this.options.retries && silent.length > 0 && this.icmpTimes.length === 0;
			retry++
		) {
			silent = await this.pass(host, silent, 0);
		}
		let pending = this.icmpTimes.length > 0 ? this.inconclusive(silent) : [];
		let confirmed = silent.filter((port) => !pending.includes(port));
		let delay = 20;
		while (!this.stopped && pending.length > 0) {
			const before = pending.length;
			const started = performance.now();
			const stillSilent = await this.pass(host, pending, delay);
			const found = before - stillSilent.length;
			const unsure = this.inconclusive(stillSilent);
			confirmed = [...confirmed, ...stillSilent.filter((port) => !unsure.includes(port))];
			pending = unsure;
			if (found > 0) {
				// The pace the target allowed in this pass, with a margin.
				const allowedInterval = ((performance.now() - started) / found) * 1.2;
				delay = Math.min(this.maxDelay, Math.max(delay * 2, allowedInterval));
			} else {
				delay = Math.min(this.maxDelay, delay * 2);
			}
		}
		if (this.stopped) return;
		for (const port of confirmed.sort((a, b) => a - b)) {
			this.sink.result(host, port, 'open|filtered', 'no-response');
		}
		if (this.unreachableSeen > 0 && this.answeredAny === 0)
			this.sink.hostError(host, 'host unreachable');
	}

	/**
	 * Silent ports whose silence proves nothing: an ICMP error arrived within one
	 * rate-limit interval before their probe (or while it waited), so the
	 * target's token bucket may have been empty when it would have answered.
	 */
	private inconclusive(silent: number[]): number[] {
		return silent.filter((port) => {
			const sent = this.sentAt.get(port) ?? 0;
			const ended = this.endedAt.get(port) ?? Number.POSITIVE_INFINITY;
			return this.icmpTimes.some(
				(time) => time >= sent - this.icmpInterval && time <= ended,
			);
		});
	}

	private readonly icmpInterval = icmpIntervalMs();
	private readonly maxDelay = this.icmpInterval + 50;
	private icmpTimes: number[] = [];
	private readonly sentAt = new Map<number, number>();
	private readonly endedAt = new Map<number, number>();
	private answeredAny = 0;
	private unreachableSeen = 0;

	/** Probes ports once each (paced by delayMs, or concurrently when 0); returns the silent ones. */
	private async pass(host: number, ports: number[], delayMs: number): Promise<number[]> {
		const silent: number[] = [];
		const concurrency =
			delayMs > 0 ? Number.POSITIVE_INFINITY : Math.max(1, this.options.concurrency);
		const rateGap = this.options.rate ? 1000 / this.options.rate : 0;
		// A counter and one waiter: Promise.race over the whole pool per probe
		// costs more than the probes themselves.
		let inFlight = 0;
		let slotFreed: (() => void) | undefined;
		const tasks = new Set<Promise<void>>();
		for (const port of ports) {
			if (this.stopped) break;
			while (inFlight >= concurrency) {
				await new Promise<void>((resolve) => {
					slotFreed = resolve;
				});
			}
			const gap = Math.max(delayMs, rateGap);
			inFlight++;
			const task = this.probe(host, port).then((answer) => {
				inFlight--;
				tasks.delete(task);
				this.record(host, port, answer, silent);
				const wake = slotFreed;
				slotFreed = undefined;
				wake?.();
			});
			tasks.add(task);
			if (gap > 0) await this.pause(gap);
		}
		await Promise.all(tasks);
		return silent.sort((a, b) => a - b);
	}

	private record(host: number, port: number, answer: Answer, silent: number[]): void {
		if (this.stopped) return;
		switch (answer) {
			case 'open':
				this.answeredAny++;
				this.sink.result(host, port, 'open', 'udp-response');
				return;
			case 'closed':
				this.answeredAny++;
				this.icmpTimes.push(performance.now());
				this.sink.result(host, port, 'closed', 'port-unreach');
				return;
			case 'unreachable':
				this.unreachableSeen++;
				this.sink.result(host, port, 'filtered', 'host-unreach');
				return;
			case 'silent':
				silent.push(port);
		}
	}

	private async pause(ms: number): Promise<void> {
		if (this.stopped) return;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(() => {
				this.wakers.delete(wake);
				resolve();
			}, ms);
			const wake = (): void => {
				clearTimeout(timer);
				resolve();
			};
			this.wakers.add(wake);
		});
	}

	private async probe(host: number, port: number): Promise<Answer> {
		const {address, family} = this.hosts[host];
		const socket = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
		this.sockets.add(socket);
		const started = performance.now();
		this.sentAt.set(port, started);
		this.endedAt.delete(port);
		const timeout = this.rtt[host].timeoutMs;
		return new Promise<Answer>((resolve) => {
			let settled = false;
			const finish = (answer: Answer): void => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				this.endedAt.set(port, performance.now());
				if (answer === 'open' || answer === 'closed')
					this.rtt[host].sample(performance.now() - started);
				if (this.sockets.delete(socket)) socket.close();
				resolve(answer);
			};
			const timer = setTimeout(() => {
				// Let a reply the poll phase already has be read first.
				setImmediate(() => finish('silent'));
			}, timeout);
			socket.on('message', () => finish('open'));
			socket.on('error', (error: NodeJS.ErrnoException) => {
				if (error.code === 'ECONNREFUSED') finish('closed');
				else if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH')
					finish('unreachable');
				else finish('silent');
			});
			socket.on('close', () => finish('silent'));
			socket.connect(port, address, () => {
				if (settled) return;
				socket.send(udpPayload(port), (error) => {
					if (error) socket.emit('error', error);
				});
			});
		});
	}
}
