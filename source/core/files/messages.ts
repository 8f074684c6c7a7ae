/**
 * How a failed file operation reads: one line that names the file, says what
 * went wrong in words (not an errno code), and that the original is as it was.
 */
import process from 'node:process';
import {safeText} from '../../format/safe-text.js';
import {PermissionError, PortuiError} from '../errors.js';

export function errorCode(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | undefined)?.code;
}

export const isRoot = () => process.geteuid?.() === 0;

const REASONS: Record<string, string> = {
	EACCES: 'permission denied',
	EPERM: 'operation not permitted',
	EROFS: 'read-only file system',
	ENOSPC: 'no space left on device',
	EDQUOT: 'disk quota exceeded',
	EIO: 'input/output error',
	EFBIG: 'file too large',
	ENOENT: 'no such file or directory',
};

export function reason(error: unknown): string {
	const known = REASONS[errorCode(error) ?? ''];
	if (known) return known;
	// Node's "CODE: text, syscall 'path'" without the code and the call.
	const message = (error as Error).message ?? String(error);
	return message.replace(/^E[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '');
}

/** A failure before the file was replaced, as one line: the original is as it was. */
export function untouched(error: unknown, target: string, what: string): PortuiError {
	if (error instanceof PortuiError) return error;
	const code = errorCode(error);
	const message = `cannot ${what} ${safeText(target)}: ${reason(error)}; the original is untouched${
		code === 'EACCES' && !isRoot() ? ' (run with sudo)' : ''
	}`;
	return code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
		? new PermissionError(message, {cause: error})
		: new PortuiError(message, {cause: error});
}
