/**
 * OpenSSH server: `Port` (and `ListenAddress host:port`) in sshd_config and
 * the files its `Include` globs name (Debian: /etc/ssh/sshd_config.d/*.conf,
 * included at the top). Unlike most sshd keywords, where the first value
 * wins, every `Port` line adds a port: each one found is a port sshd listens on.
 */
import {
	configWalker,
	declaration,
	expandGlob,
	isFile,
	entryFile,
	rootOf,
	splitHostPort,
	stripHashComment,
	underRoot,
	nonEmpty,
	linesOf,
} from './common.js';
import type {AdapterOptions, ConfigAdapter, ScanResult} from './types.js';

function scanSshd(entry: string, root: string): ScanResult {
	const result: ScanResult = {declarations: [], files: [], entry, includeGlobs: []};
	const visit = configWalker(result.files, 16, (real, text, follow) => {
		linesOf(text).forEach((raw, index) => {
			const line = stripHashComment(raw);
			const include = /^\s*Include\s*[\s=]\s*(.+)$/i.exec(line);
			if (include) {
				for (const word of include[1]!.trim().split(/\s+/)) {
					// sshd resolves relative Include paths against /etc/ssh.
					const glob = underRoot(root, word, underRoot(root, '/etc/ssh'));
					result.includeGlobs.push(glob);
					for (const found of expandGlob(glob)) if (isFile(found)) follow(found);
				}
				return;
			}
			const port = /^(\s*Port\s*[\s=]\s*)(\d+)\s*$/i.exec(line);
			if (port) {
				const found = declaration(
					'sshd',
					real,
					index + 1,
					raw,
					port[1]!.length,
					port[2]!,
				);
				if (found) result.declarations.push(found);
				return;
			}
			const listen = /^(\s*ListenAddress\s*[\s=]\s*)(\S+)/i.exec(line);
			if (listen) {
				const split = splitHostPort(listen[2]!);
				if (!split?.address) return;
				const found = declaration(
					'sshd',
					real,
					index + 1,
					raw,
					listen[1]!.length + split.portOffset,
					split.portText,
					{address: split.address},
				);
				if (found) result.declarations.push(found);
			}
		});
	});
	visit(entry);
	return result;
}

export const sshdAdapter: ConfigAdapter = {
	name: 'sshd',
	title: 'OpenSSH server',
	processNames: ['sshd'],
	scan(options?: AdapterOptions): ScanResult[] {
		const root = rootOf(options);
		return nonEmpty(scanSshd(entryFile(options, root, '/etc/ssh/sshd_config'), root));
	},
	claims(file, text) {
		if (/sshd_config/.test(file)) return true;
		return /^\s*(PermitRootLogin|PasswordAuthentication|PubkeyAuthentication|Subsystem)\s/im.test(
			text,
		);
	},
	checkCommand(scan) {
		// Check the main file even when the port sits in a drop-in: the drop-in is only valid in context.
		return scan.entry ? ['sshd', '-t', '-f', scan.entry] : undefined;
	},
	unit(scan) {
		return scan.entry === '/etc/ssh/sshd_config' ? 'ssh.service' : undefined;
	},
	restartHint() {
		return 'systemctl restart ssh.service (with socket activation: systemctl daemon-reload && systemctl restart ssh.socket)';
	},
};
