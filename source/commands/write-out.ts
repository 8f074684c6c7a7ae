/**
 * Writing a command's output straight to a file descriptor, synchronously.
 * `process.stdout.write` may keep a reference to the bytes until a full pipe
 * drains, so a caller could not reuse its buffer; writeSync hands them to the
 * kernel before it returns.
 */
import {writeSync} from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes every byte of `bytes` to `fd`. A descriptor someone made
 * non-blocking (Node does so to stdout once `process.stdout` is touched)
 * answers EAGAIN when a pipe is full: wait a millisecond and go on. Other
 * errors (EPIPE: the reader went away) are thrown.
 */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
	let offset = 0;
	while (offset < bytes.length) {
		try {
			offset += writeSync(fd, bytes, offset, bytes.length - offset);
		} catch (error: unknown) {
			if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
			Atomics.wait(pause, 0, 0, 1);
		}
	}
}
