/**
 * The one writer of the printing commands' output. Everything a command
 * shows a person goes through `stdout` or `stderr` here, and is made safe on
 * the way (`safeText`): a line is escaped whole (a newline in it is shown as
 * `\n`), a block portui laid out keeps its newlines and tabs and loses every
 * other control. portui's own control sequences (the progress line's erase)
 * are named in `CONTROL` and written by name, so no untrusted text can pass
 * as one. JSON goes out through `stringifySafe`. The lint config forbids
 * `process.stdout`, `process.stderr` and `console` anywhere else.
 *
 * `stdoutBytes` is the cold `list`'s path to fd 1: it writes bytes the text
 * table and the JSON encoder made safe cell by cell.
 */
import {writeSync} from 'node:fs';
import process from 'node:process';
import {safeText, stringifySafe} from '../format/safe-text.js';

/** portui's own control sequences: the only ones it writes outside the UI. */
export const CONTROL = {
	/** Back to the start of the line and erase it: a progress line redrawn in place. */
	clearLine: '\r\u001b[2K',
} as const;

export type ControlName = keyof typeof CONTROL;

export type TextOut = {
	/** One line of text, then a newline: every control in it, newlines too, shown as an escape. */
	line(text: string): void;
	/** A block of lines portui laid out: newlines and tabs kept, any other control escaped. */
	block(text: string): void;
	/** Text with no newline after it (a progress line): escaped as `line` escapes. */
	text(text: string): void;
	/** One of portui's own control sequences. */
	control(name: ControlName): void;
	readonly isTTY: boolean;
	/** The terminal's width, when it is one. */
	readonly columns: number | undefined;
};

type Stream = {write(text: string): unknown; isTTY?: boolean; columns?: number};

/** A TextOut over any stream (the UI's error line writes to the stream it was given). */
export function textOut(stream: () => Stream): TextOut {
	return {
		line: (text) => stream().write(`${safeText(text)}\n`),
		block: (text) => stream().write(safeText(text, {lines: true})),
		text: (text) => stream().write(safeText(text)),
		control: (name) => stream().write(CONTROL[name]),
		get isTTY() {
			return stream().isTTY === true;
		},
		get columns() {
			const {columns} = stream();
			return stream().isTTY === true && columns ? columns : undefined;
		},
	};
}

export const stdout = textOut(() => process.stdout);
export const stderr = textOut(() => process.stderr);

/** `value` as JSON on stdout, exact when parsed and safe to `cat`. */
export function writeJson(value: unknown, indent?: number): void {
	process.stdout.write(`${stringifySafe(value, undefined, indent)}\n`);
}

/** The `portui: …` line every error ends in. */
export function errorLine(message: string): void {
	stderr.line(`portui: ${message}`);
}

/**
 * `portui scan … | head`: a reader that stops early ends the command
 * quietly, as it ends `ss`. (list writes with writeSync and handles it.)
 */
export function exitQuietlyOnClosedPipe(): void {
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (changesUnderWay > 0) return;
		if (error.code === 'EPIPE') process.exit(0);
		throw error;
	});
}

let changesUnderWay = 0;
const dropError = () => {};

/**
 * While a change runs (a move between its write and its audit log entry),
 * a terminal that hung up or a reader that went away must not end portui:
 * writes that fail are dropped, and the change goes on to its end. Returns
 * the call that ends this.
 */
export function keepRunningOnClosedOutput(): () => void {
	changesUnderWay++;
	process.stderr.on('error', dropError);
	if (changesUnderWay === 1) process.stdout.on('error', dropError);
	let released = false;
	return () => {
		if (released) return;
		released = true;
		changesUnderWay--;
		process.stderr.removeListener('error', dropError);
		if (changesUnderWay === 0) process.stdout.removeListener('error', dropError);
	};
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes every byte of `bytes` to `fd`, synchronously: `process.stdout.write`
 * may keep a reference to the bytes until a full pipe drains, so a caller
 * could not reuse its buffer; writeSync hands them to the kernel before it
 * returns. A descriptor someone made non-blocking (Node does so to stdout
 * once `process.stdout` is touched) answers EAGAIN when a pipe is full: wait
 * a millisecond and go on. Other errors (EPIPE: the reader went away) are
 * thrown.
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

/**
 * Bytes straight to fd 1, synchronously, for the cold `list`: what the text
 * table (format/text-table.ts, safe cell by cell) or the JSON encoder
 * (core/sockets/json.ts, safe field by field) made, never text of its own.
 */
export function stdoutBytes(bytes: Uint8Array): void {
	writeAllSync(1, bytes);
}
