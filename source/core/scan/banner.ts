/**
 * Light banner grab for an open TCP port: read what the service says first
 * (SSH, SMTP, FTP greet), else send an HTTP HEAD and keep the Server header
 * (or the status line). Short timeouts: this is a hint, not version detection.
 */
import net from 'node:net';

export type BannerOptions = {greetingMs?: number; totalMs?: number; signal?: AbortSignal};

const MAX_LENGTH = 120;

/**
 * The first line, as the service sent it: every output shows it through the
 * one sanitiser (controls as visible escapes), so a hostile greeting is seen
 * for what it is rather than silently tidied; JSON keeps it exact.
 */
function clean(text: string): string {
	const firstLine = text.split(/\r?\n/)[0] ?? '';
	return firstLine.trim().slice(0, MAX_LENGTH);
}

/** Extracts the one-line hint from what the service sent (exported for tests). */
export function bannerFromResponse(data: string): string | undefined {
	if (data.startsWith('HTTP/')) {
		const server = /^server:\s*(.+)$/im.exec(data);
		return clean(server ? server[1] : data) || undefined;
	}
	return clean(data) || undefined;
}

/** Resolves to the banner, or undefined when the service said nothing in time. */
export async function grabBanner(
	address: string,
	port: number,
	options: BannerOptions = {},
): Promise<string | undefined> {
	const greetingMs = options.greetingMs ?? 700;
	const totalMs = options.totalMs ?? 2000;
	return new Promise((resolve) => {
		let data = '';
		let sentHead = false;
		const socket = net.connect({host: address, port});
		const finish = (): void => {
			clearTimeout(greeting);
			clearTimeout(overall);
			options.signal?.removeEventListener('abort', finish);
			socket.destroy();
			resolve(bannerFromResponse(data));
		};
		const greeting = setTimeout(() => {
			if (data === '' && !socket.destroyed) {
				sentHead = true;
				socket.write(
					`HEAD / HTTP/1.0\r\nHost: ${address.includes(':') ? `[${address}]` : address}\r\n\r\n`,
				);
			}
		}, greetingMs);
		const overall = setTimeout(finish, totalMs);
		socket.setEncoding('latin1');
		socket.on('data', (chunk: string) => {
			data += chunk;
			// A greeting is one line; an HTTP answer is complete at the blank line.
			if (
				(!sentHead && data.includes('\n')) ||
				data.includes('\r\n\r\n') ||
				data.length > 4096
			)
				finish();
		});
		socket.on('error', finish);
		socket.on('end', finish);
		if (options.signal?.aborted) finish();
		else options.signal?.addEventListener('abort', finish, {once: true});
	});
}
