/**
 * Typed errors thrown by the core. The CLI turns them into one line on stderr
 * and an exit code; the UI turns them into a status message. Nothing outside
 * the core should need to parse an error message to decide what happened.
 */
export class PortuiError extends Error {
	/** Exit code the CLI uses when this error ends a command. */
	readonly exitCode: number = 1;
	constructor(message: string, options?: {cause?: unknown}) {
		super(message, options);
		this.name = new.target.name;
	}
}

/** Bad command-line usage: unknown flag, missing argument, malformed value. */
export class UsageError extends PortuiError {
	override readonly exitCode = 2;
}

/** A port or port range that does not parse or is out of 1-65535. */
export class PortSpecError extends UsageError {}

/** A scan target (address, range, name) that does not parse. */
export class TargetSpecError extends UsageError {}

/** The operation needs privileges portui does not have (EPERM/EACCES). */
export class PermissionError extends PortuiError {}

/** A file is not what the preview showed any more: nothing was written. */
export class FileChangedError extends PortuiError {}

/** Another portui run holds the lock on a config file: nothing was written. */
export class FileLockedError extends PortuiError {}

/** The process went away (or its pid was reused) while portui was looking at it. */
export class ProcessGoneError extends PortuiError {}

/** Turns an unknown thrown value into a one-line message. */
export function describeError(error: unknown): string {
	if (error instanceof Error) return error.message.split('\n')[0] ?? String(error);
	return String(error);
}
