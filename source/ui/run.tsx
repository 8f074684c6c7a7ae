/**
 * Runs an Ink element full screen: the alternate screen and a hidden cursor
 * for as long as it runs, and the user's terminal back exactly as it was on
 * every way out: the app exiting (q), Ctrl-C, SIGTERM, SIGHUP, SIGINT, an
 * uncaught exception, an unhandled rejection or a component that throws
 * (restored first, then reported in one line made safe).
 */
import {Component, type ReactElement, type ReactNode} from 'react';
import {render} from 'ink';
import {describeError} from '../core/errors.js';
import {safeText} from '../format/safe-text.js';

export const ENTER_ALT_SCREEN = '\u001B[?1049h';
export const LEAVE_ALT_SCREEN = '\u001B[?1049l';
export const HIDE_CURSOR = '\u001B[?25l';
export const SHOW_CURSOR = '\u001B[?25h';

const signals = {SIGTERM: 15, SIGHUP: 1, SIGINT: 2} as const;

export type FullScreenOptions = {
	stdout?: NodeJS.WriteStream;
	stdin?: NodeJS.ReadStream;
	stderr?: NodeJS.WriteStream;
};

/** Resolves with the exit code (0 when the app exits normally); rejects with the app's error after restoring. */
export async function runFullScreen(
	element: ReactElement,
	options: FullScreenOptions = {},
): Promise<number> {
	const stdout = options.stdout ?? process.stdout;
	const stderr = options.stderr ?? process.stderr;
	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
	};

	stdout.write(ENTER_ALT_SCREEN + HIDE_CURSOR);
	let instance: ReturnType<typeof render> | undefined;
	const unmount = () => {
		try {
			instance?.unmount();
		} catch {
			// Already failing: restoring the terminal matters more than a clean unmount.
		}
	};

	const onSignal = (signal: NodeJS.Signals) => {
		unmount();
		restore();
		process.exit(128 + signals[signal as keyof typeof signals]);
	};
	const onFatal = (error: unknown) => {
		unmount();
		restore();
		stderr.write(`portui: ${safeText(describeError(error))}\n`);
		if (process.env.PORTUI_DEBUG && error instanceof Error)
			stderr.write(`${safeText(error.stack ?? '', {lines: true})}\n`);
		process.exit(1);
	};
	for (const signal of Object.keys(signals)) process.on(signal, onSignal);
	process.on('uncaughtException', onFatal);
	process.on('unhandledRejection', onFatal);

	try {
		instance = render(
			<RenderErrorBoundary onError={onFatal}>{element}</RenderErrorBoundary>,
			{
				stdout,
				stdin: options.stdin ?? process.stdin,
				stderr,
				// Ctrl-C is a key binding: the app quits through its own exit path.
				exitOnCtrlC: false,
				// Console output would tear the full-screen frame; there should be none.
				patchConsole: true,
				// Not incrementalRendering: in Ink 6.8 it moves the cursor one line short when the
				// frame ends in a newline (ours does, being one line shorter than the terminal), so
				// every frame lands a line lower. Whole frames go out inside synchronized-output
				// brackets, which terminals that support them paint without flicker.
				incrementalRendering: false,
			},
		);
		await instance.waitUntilExit();
		return 0;
	} finally {
		unmount();
		restore();
		for (const signal of Object.keys(signals)) process.off(signal, onSignal);
		process.off('uncaughtException', onFatal);
		process.off('unhandledRejection', onFatal);
	}
}

/**
 * A component that throws is fatal like an uncaught exception: the terminal
 * restored, then one safe `portui: …` line. Without this Ink would draw its
 * own error screen, message and stack as they are, with its own Text: a
 * message carrying a hostile name would reach the terminal raw.
 */
class RenderErrorBoundary extends Component<
	{onError: (error: Error) => void; children: ReactNode},
	{failed: boolean}
> {
	override state = {failed: false};

	static getDerivedStateFromError(): {failed: boolean} {
		return {failed: true};
	}

	override componentDidCatch(error: Error): void {
		this.props.onError(error);
	}

	override render(): ReactNode {
		return this.state.failed ? null : this.props.children;
	}
}
