/**
 * The scan engine's public face: `scan(options)` is an async generator of
 * ScanEvents (start, progress, result, host-error, done). The probing runs in
 * worker threads (a full range saturates an event loop; two workers use both
 * cores), or in a child nmap for SYN scans. Aborting the signal closes every
 * socket, ends the workers (or kills nmap) and finishes with a `done` event
 * whose `cancelled` is true, after the results found so far.
 */
import {availableParallelism} from 'node:os';
import {performance} from 'node:perf_hooks';
import {Worker} from 'node:worker_threads';
import {grabBanner} from './banner.js';
import {probeBudget} from './limits.js';
import {
	emptyCounts,
	type PortResult,
	type PortState,
	type ScanEvent,
	type ScanProgress,
	type StateCounts,
	type Technique,
} from './model.js';
import {runNmap} from './nmap.js';
import {createSharedWork, TcpEngine} from './tcp-engine.js';
import {UdpEngine} from './udp-engine.js';
import type {Protocol} from './ports.js';
import type {ScanTarget} from './targets.js';
import type {Backend} from './tcp-probe.js';
import type {WorkerJob, WorkerMessage} from './worker.js';

export type ScanOptions = {
	targets: ScanTarget[];
	ports: number[];
	technique: Technique;
	/** Longest wait for one probe, ms (adaptive below it unless `fixedTimeout`). */
	timeoutMs?: number;
	fixedTimeout?: boolean;
	concurrency?: number;
	/** Probes per second, all workers together. */
	rate?: number;
	retries?: number;
	banner?: boolean;
	/** Report closed ports as result events too (--all). */
	reportClosed?: boolean;
	/** TCP probe backend (tests run both). */
	backend?: Backend;
	/** Worker threads for TCP (default: 2 when the machine has 2 cores and the scan is large). */
	workers?: number;
	/**
	 * Run one share of the probes on the calling thread instead of a worker.
	 * For printing commands only: a UI must keep its thread free.
	 */
	inProcess?: boolean;
	signal?: AbortSignal;
};

const PROGRESS_MS = 100;
const MIN_TIMEOUT_MS = 100;

/** Queue turning pushes from callbacks into an async iterator. */
class EventQueue<T> {
	private items: T[] = [];
	private wake?: () => void;
	private closed = false;
	push(item: T): void {
		this.items.push(item);
		this.wake?.();
	}
	close(): void {
		this.closed = true;
		this.wake?.();
	}
	async *drain(): AsyncGenerator<T> {
		for (;;) {
			if (this.items.length > 0) {
				const items = this.items;
				this.items = [];
				yield* items;
				continue;
			}
			if (this.closed) return;
			await new Promise<void>((resolve) => {
				this.wake = resolve;
			});
			this.wake = undefined;
		}
	}
}

function startWorker(job: WorkerJob): Worker {
	if (!import.meta.url.endsWith('.ts'))
		return new Worker(new URL('./worker.js', import.meta.url), {workerData: job});
	// Under tsx (tests, bench) the sources are .ts, and tsx's loader is not
	// inherited by workers: register it in the worker before loading.
	const url = new URL('./worker.ts', import.meta.url).href;
	const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}); });`;
	return new Worker(bootstrap, {eval: true, workerData: job});
}

/** The hosts to probe, each with every port (TCP engines share them out as they go, see SharedWork). */
function jobHosts(
	options: ScanOptions,
	hosts: number[],
): Array<{address: string; family: 4 | 6; ports: number[]}> {
	return hosts.map((host) => ({
		address: options.targets[host].address,
		family: options.targets[host].family,
		ports: options.ports,
	}));
}

export async function* scan(options: ScanOptions): AsyncGenerator<ScanEvent> {
	const startedAt = new Date();
	const start = performance.now();
	const signal = options.signal;
	const protocol: Protocol = options.technique === 'udp' ? 'udp' : 'tcp';
	yield {
		type: 'start',
		targets: options.targets,
		ports: options.ports.length,
		technique: options.technique,
		startedAt: startedAt.toISOString(),
	};

	const counts: StateCounts[] = options.targets.map(() => emptyCounts());
	const hostDone = options.targets.map(() => 0);
	const hostOpen = options.targets.map(() => 0);
	const live = options.targets
		.map((target, index) => (target.error ? -1 : index))
		.filter((index) => index >= 0);
	for (const [index, target] of options.targets.entries()) {
		if (target.error) yield {type: 'host-error', host: index, error: target.error};
	}
	const total = live.length * options.ports.length;
	const queue = new EventQueue<ScanEvent>();
	const progress = (): ScanProgress => {
		const elapsedMs = performance.now() - start;
		const done = hostDone.reduce((sum, value) => sum + value, 0);
		const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
		return {
			hosts: options.targets.map((target, index) => ({
				done: hostDone[index],
				total: target.error ? 0 : options.ports.length,
				open: hostOpen[index],
			})),
			done,
			total,
			open: hostOpen.reduce((sum, value) => sum + value, 0),
			rate,
			elapsedMs,
			etaMs: rate > 0 ? ((total - done) * 1000) / rate : undefined,
		};
	};
	const pendingBanners = new Set<Promise<void>>();
	const addResult = (result: PortResult): void => {
		counts[result.host][result.state]++;
		if (result.state === 'open') hostOpen[result.host]++;
		if (result.state === 'open' && options.banner && protocol === 'tcp') {
			const target = options.targets[result.host];
			const task = grabBanner(target.address, result.port, {signal}).then((banner) => {
				pendingBanners.delete(task);
				queue.push({type: 'result', result: banner ? {...result, banner} : result});
			});
			pendingBanners.add(task);
			return;
		}
		queue.push({type: 'result', result});
	};
	const ticker = setInterval(
		() => queue.push({type: 'progress', progress: progress()}),
		PROGRESS_MS,
	);
	let cancelled = false;

	const run = async (): Promise<void> => {
		if (live.length === 0 || options.ports.length === 0 || signal?.aborted) return;
		if (options.technique === 'syn') {
			await runNmap({
				targets: live.map((host) => options.targets[host].address),
				ports: options.ports,
				signal,
				timeoutMs: options.timeoutMs,
				retries: options.retries,
				rate: options.rate,
				onResult: (hostIndex, port, state, reason) => {
					const host = live[hostIndex];
					if (state !== 'closed' || options.reportClosed)
						addResult({host, port, protocol, state, reason});
					else counts[host].closed++;
				},
				onProgress: (fraction) => {
					// nmap reports a percentage for the whole scan, not per host.
					const done = Math.floor(fraction * options.ports.length);
					for (const host of live) hostDone[host] = Math.max(hostDone[host], done);
				},
				onHostError: (hostIndex, error) =>
					queue.push({type: 'host-error', host: live[hostIndex], error}),
			});
			for (const host of live) hostDone[host] = options.ports.length;
			return;
		}
		const workerCount =
			options.technique === 'udp'
				? 1
				: (options.workers ?? (total >= 4096 ? Math.min(2, availableParallelism()) : 1));
		const budget = probeBudget(options.concurrency);
		const perWorker = Math.max(1, Math.floor(budget / workerCount));
		const maxTimeoutMs = options.timeoutMs ?? 1000;
		const common = {
			concurrency: options.technique === 'udp' ? Math.min(perWorker, 256) : perWorker,
			maxTimeoutMs,
			minTimeoutMs: Math.min(MIN_TIMEOUT_MS, maxTimeoutMs),
			retries: options.retries ?? (options.technique === 'udp' ? 1 : 1),
			rate: options.rate ? options.rate / workerCount : undefined,
			fixedTimeout: options.fixedTimeout ?? false,
		};
		const hosts = jobHosts(options, live);
		// TCP engines take chunks of ports from one shared cursor: the one on
		// this thread starts at once, a worker after its start-up, and neither
		// waits for the other at the end. (UDP runs one engine.)
		const work = createSharedWork(hosts);
		// The first share on this thread (for printing commands, whose thread
		// has nothing else to do): no worker start-up before the first probe.
		const runHere = async (job: WorkerJob): Promise<void> => {
			const sink = {
				result(index: number, port: number, state: PortState, reason: string): void {
					const host = live[index];
					hostDone[host]++;
					if (state !== 'closed' || options.reportClosed)
						addResult({host, port, protocol, state, reason});
					else counts[host].closed++;
				},
				hostError(index: number, error: string): void {
					queue.push({type: 'host-error', host: live[index], error});
				},
			};
			const engine =
				job.kind === 'tcp'
					? new TcpEngine(job.hosts, job.options, sink, job.work)
					: new UdpEngine(job.hosts, job.options, sink);
			const onAbort = (): void => engine.stop();
			signal?.addEventListener('abort', onAbort, {once: true});
			try {
				engine.start();
				await engine.done;
			} finally {
				signal?.removeEventListener('abort', onAbort);
			}
		};
		await Promise.all(
			Array.from({length: workerCount}, async (_, share) => {
				const job: WorkerJob =
					options.technique === 'udp'
						? {
								kind: 'udp',
								hosts,
								options: common,
								reportClosed: options.reportClosed ?? false,
							}
						: {
								kind: 'tcp',
								hosts,
								work,
								options: {...common, backend: options.backend ?? 'bare'},
								reportClosed: options.reportClosed ?? false,
							};
				if (share === 0 && options.inProcess) {
					await runHere(job);
					return;
				}
				const worker = startWorker(job);
				const onAbort = (): void => {
					worker.postMessage({type: 'stop'});
					// A worker that does not wind down promptly is ended outright.
					setTimeout(() => void worker.terminate(), 1000).unref();
				};
				signal?.addEventListener('abort', onAbort, {once: true});
				try {
					await new Promise<void>((resolve, reject) => {
						worker.on('message', (message: WorkerMessage) => {
							if (message.type !== 'batch') return;
							for (const [index, count] of message.done.entries())
								hostDone[live[index]] += count;
							for (const [index, port, state, reason] of message.results) {
								addResult({host: live[index], port, protocol, state, reason});
							}
							for (const [index, error] of message.hostErrors)
								queue.push({type: 'host-error', host: live[index], error});
							const closedOnly = message.done.map(
								(count, index) =>
									count - message.results.filter((entry) => entry[0] === index).length,
							);
							if (!options.reportClosed)
								for (const [index, count] of closedOnly.entries())
									counts[live[index]].closed += count;
						});
						worker.once('error', reject);
						worker.once('exit', () => resolve());
					});
				} finally {
					signal?.removeEventListener('abort', onAbort);
				}
			}),
		);
	};

	const finished = run().finally(async () => {
		await Promise.all(pendingBanners);
		clearInterval(ticker);
		cancelled = signal?.aborted ?? false;
		queue.push({type: 'progress', progress: progress()});
		queue.close();
	});
	// Surfaces a failure of the run after the queue drains (errors stay values until then).
	let failure: unknown;
	finished.catch((error: unknown) => {
		failure = error;
	});
	try {
		yield* queue.drain();
	} finally {
		clearInterval(ticker);
	}
	await finished.catch(() => undefined);
	if (failure) throw failure;
	yield {
		type: 'done',
		counts,
		durationMs: Math.round(performance.now() - start),
		cancelled,
	};
}
