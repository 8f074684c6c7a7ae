/**
 * After a move, the new port may be closed in the host firewall. portui only
 * suggests the rule (ufw when it is active); it never changes the firewall
 * itself.
 */
import {execa} from 'execa';

/** Whether `ufw status` output says the firewall is active. */
export function ufwIsActive(statusText: string): boolean {
	return /^Status:\s*active\b/m.test(statusText);
}

/** Whether the active rules already allow this port (`8080/tcp ALLOW`, `8080 ALLOW`). */
export function ufwAllows(
	statusText: string,
	port: number,
	protocol: 'tcp' | 'udp',
): boolean {
	return new RegExp(`^${port}(/${protocol})?(\\s+\\(v6\\))?\\s+ALLOW\\b`, 'm').test(
		statusText,
	);
}

/** The command that opens the port: `ufw allow 8080/tcp`. */
export function ufwAllowCommand(port: number, protocol: 'tcp' | 'udp'): string {
	return `ufw allow ${port}/${protocol}`;
}

/**
 * The ufw command to suggest for a port that was just moved to, or undefined
 * when ufw is absent, inactive, unreadable, or already allows it.
 */
export async function firewallSuggestion(
	port: number,
	protocol: 'tcp' | 'udp',
	ufw = 'ufw',
): Promise<string | undefined> {
	const result = await execa(ufw, ['status'], {
		reject: false,
		stdin: 'ignore',
		timeout: 10_000,
	});
	if (result.exitCode !== 0) return undefined;
	const text = String(result.stdout);
	if (!ufwIsActive(text) || ufwAllows(text, port, protocol)) return undefined;
	return ufwAllowCommand(port, protocol);
}
