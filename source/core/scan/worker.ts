/**
 * Worker thread entry: runs one engine over its share of the work and streams
 * results back in batches (a message per probe would cost more than the
 * probe). `closed` results are only counted, per host, since a full range
 * holds tens of thousands of them.
 */
import {parentPort, workerData} from 'node:worker_threads';
import type {PortState} from './model.js';
import {
	TcpEngine,
	type SharedWork,
	type TcpEngineOptions,
	type TcpJobHost,
} from './tcp-engine.js';
import {UdpEngine, type UdpEngineOptions} from './udp-engine.js';

export type WorkerJob =
	| {
			kind: 'tcp';
			hosts: TcpJobHost[];
			/** Shared with the scan's other engines. */
			work: SharedWork;
			options: TcpEngineOptions;
			reportClosed: boolean;
	  }
	| {kind: 'udp'; hosts: TcpJobHost[]; options: UdpEngineOptions; reportClosed: boolean};

export type WorkerMessage =
	| {
			type: 'batch';
			/** [host, port, state, reason] for every state but closed. */
			results: Array<[number, number, PortState, string]>;
			/** Per host: probes finished since the last batch (closed included). */
			done: number[];
			hostErrors: Array<[number, string]>;
	  }
	| {type: 'started'; backend: string}
	| {type: 'finished'};

const FLUSH_MS = 50;

function main(): void {
	const port = parentPort;
	if (!port) return;
	const job = workerData as WorkerJob;
	let results: Array<[number, number, PortState, string]> = [];
	let done = job.hosts.map(() => 0);
	let hostErrors: Array<[number, string]> = [];
	const flush = (): void => {
		if (
			results.length === 0 &&
			hostErrors.length === 0 &&
			done.every((count) => count === 0)
		)
			return;
		port.postMessage({type: 'batch', results, done, hostErrors} satisfies WorkerMessage);
		results = [];
		done = job.hosts.map(() => 0);
		hostErrors = [];
	};
	const sink = {
		result(host: number, portNumber: number, state: PortState, reason: string): void {
			done[host]++;
			if (state !== 'closed' || job.reportClosed)
				results.push([host, portNumber, state, reason]);
		},
		hostError(host: number, error: string): void {
			hostErrors.push([host, error]);
		},
	};
	const engine =
		job.kind === 'tcp'
			? new TcpEngine(job.hosts, job.options, sink, job.work)
			: new UdpEngine(job.hosts, job.options, sink);
	const timer = setInterval(flush, FLUSH_MS);
	port.on('message', (message: {type: 'stop'}) => {
		if (message.type === 'stop') engine.stop();
	});
	port.postMessage({
		type: 'started',
		backend: 'backend' in engine ? engine.backend : 'dgram',
	} satisfies WorkerMessage);
	engine.start();
	void engine.done.then(() => {
		clearInterval(timer);
		flush();
		port.postMessage({type: 'finished'} satisfies WorkerMessage);
		port.close();
	});
}

main();
