/**
 * One TCP connect probe, behind a small interface with two backends:
 *
 * - `bare`: libuv TCP handles through Node's internal `tcp_wrap` binding, with
 *   no stream objects around them. FACTS.md: a full 1-65535 loopback scan takes
 *   0.6-0.7 s this way over two workers, against 2-3.4 s with one `net.Socket`
 *   per probe (~45 µs of JavaScript each). The binding is internal and
 *   deprecated, so it is confined to this module and checked at load.
 * - `socket`: `net.Socket`, the public API; the fallback when the binding is
 *   missing or has changed shape.
 *
 * Both close an accepted connection with a reset (SO_LINGER 0), as nmap does,
 * so open ports leave no TIME_WAIT behind, and both report a connection that
 * the kernel made to itself (simultaneous open on a closed port in the
 * ephemeral range: local address:port == remote address:port) as `self`, never
 * as open.
 */
import net from 'node:net';
import {constants as osConstants} from 'node:os';

export type ProbeOutcome =
	/** Connected to a listener. */
	| 'open'
	/** Refused (RST). */
	| 'closed'
	/** Connected to itself: the port is not listening. */
	| 'self'
	/** ICMP unreachable / no route: nothing to learn about the port. */
	| 'unreachable'
	/** Local resource shortage (EMFILE, EADDRNOTAVAIL, ENOBUFS…): try again later. */
	| 'resource';

export type ProbeCallback = (outcome: ProbeOutcome) => void;

/** Starts a probe; the returned function aborts it (no callback afterwards). */
export type Prober = (
	address: string,
	family: 4 | 6,
	port: number,
	done: ProbeCallback,
) => () => void;

export type Backend = 'bare' | 'socket';

const errno = osConstants.errno;
const RESOURCE = new Set([
	errno.EMFILE,
	errno.ENFILE,
	errno.EADDRNOTAVAIL,
	errno.ENOBUFS,
	errno.EAGAIN,
	errno.ENOMEM,
	errno.EADDRINUSE,
]);
const UNREACHABLE = new Set([errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN]);

function classifyErrno(code: number): ProbeOutcome {
	const positive = Math.abs(code);
	if (positive === errno.ECONNREFUSED || positive === errno.ECONNRESET) return 'closed';
	if (RESOURCE.has(positive)) return 'resource';
	if (UNREACHABLE.has(positive)) return 'unreachable';
	// ETIMEDOUT and anything odd: treat as no answer rather than invent a state.
	return 'unreachable';
}

function classifyCode(code: string | undefined): ProbeOutcome {
	const number = code ? (errno as Record<string, number>)[code] : undefined;
	return number === undefined ? 'unreachable' : classifyErrno(number);
}

type TcpHandle = {
	connect(request: object, address: string, port: number): number;
	connect6(request: object, address: string, port: number): number;
	getsockname(out: {address?: string; port?: number}): number;
	reset(callback?: () => void): number;
	close(callback?: () => void): void;
};
type TcpBinding = {
	TCP: new (type: number) => TcpHandle;
	TCPConnectWrap: new () => {
		oncomplete?: (status: number) => void;
		address?: string;
		port?: number;
	};
	constants: {SOCKET: number};
};

function loadBinding(): TcpBinding | undefined {
	try {
		// process.binding is the documented-deprecated route that still exposes
		// tcp_wrap without flags; it warns only under --pending-deprecation.
		const binding = (process as unknown as {binding(name: string): unknown}).binding(
			'tcp_wrap',
		) as Partial<TcpBinding>;
		const proto = binding.TCP?.prototype as Partial<TcpHandle> | undefined;
		if (
			typeof binding.TCP === 'function' &&
			typeof binding.TCPConnectWrap === 'function' &&
			typeof binding.constants?.SOCKET === 'number' &&
			typeof proto?.connect === 'function' &&
			typeof proto.connect6 === 'function' &&
			typeof proto.getsockname === 'function' &&
			typeof proto.reset === 'function'
		) {
			return binding as TcpBinding;
		}
	} catch {
		// Binding gone or refused (e.g. --no-deprecation policies): fall back.
	}
	return undefined;
}

const binding = loadBinding();

/** Whether the bare-handle backend can be used in this Node. */
export const bareAvailable = binding !== undefined;

/** A cancel that has nothing left to do. */
const ignore = (): void => undefined;

// Handles are closed without a callback: with one, Node stores it on the
// handle and calls back into JavaScript for every closed probe, as costly as
// the connect's own completion and with nothing to do.
function bareProber(tcp: TcpBinding): Prober {
	return (address, family, port, done) => {
		const handle = new tcp.TCP(tcp.constants.SOCKET);
		const request = new tcp.TCPConnectWrap();
		let settled = false;
		request.address = address;
		request.port = port;
		request.oncomplete = (status: number) => {
			if (settled) return;
			settled = true;
			if (status !== 0) {
				handle.close();
				done(classifyErrno(status));
				return;
			}
			const local: {address?: string; port?: number} = {};
			handle.getsockname(local);
			if (handle.reset() !== 0) handle.close();
			done(local.port === port && local.address === address ? 'self' : 'open');
		};
		const error =
			family === 4
				? handle.connect(request, address, port)
				: handle.connect6(request, address, port);
		if (error !== 0) {
			settled = true;
			handle.close();
			// Report asynchronously so callers never re-enter their own loop.
			queueMicrotask(() => done(classifyErrno(error)));
			return ignore;
		}
		return () => {
			if (settled) return;
			settled = true;
			handle.close();
		};
	};
}

const socketProber: Prober = (address, family, port, done) => {
	let settled = false;
	const socket = new net.Socket();
	const finish = (outcome: ProbeOutcome): void => {
		if (settled) return;
		settled = true;
		socket.resetAndDestroy();
		done(outcome);
	};
	socket.once('connect', () => {
		finish(
			socket.localPort === port && socket.localAddress === address ? 'self' : 'open',
		);
	});
	socket.once('error', (error: NodeJS.ErrnoException) =>
		finish(classifyCode(error.code)),
	);
	socket.connect({host: address, port, family});
	return () => {
		if (settled) return;
		settled = true;
		socket.destroy();
	};
};

/** The prober for a backend (`bare` falls back to `socket` when unavailable). */
export function createProber(backend: Backend = 'bare'): {
	prober: Prober;
	backend: Backend;
} {
	if (backend === 'bare' && binding)
		return {prober: bareProber(binding), backend: 'bare'};
	return {prober: socketProber, backend: 'socket'};
}
