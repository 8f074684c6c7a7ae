/**
 * Apache httpd, Debian layout (/etc/apache2): `Listen` in ports.conf and
 * `<VirtualHost addr:port>` in sites-enabled, reached by following
 * Include/IncludeOptional from apache2.conf (relative to the server root).
 */
import path from 'node:path';
import {
	configWalker,
	declaration,
	expandGlob,
	filesIn,
	isDirectory,
	isFile,
	rootOf,
	splitHostPort,
	stripHashComment,
	underRoot,
	nonEmpty,
	linesOf,
} from './common.js';
import type {AdapterOptions, ConfigAdapter, ScanResult} from './types.js';

function scanApache(entry: string, serverRoot: string, root: string): ScanResult {
	const result: ScanResult = {declarations: [], files: [], entry, includeGlobs: []};
	const visit = configWalker(result.files, 16, (real, text, follow) => {
		const lines = linesOf(text);
		lines.forEach((raw, index) => {
			const line = stripHashComment(raw);
			const include = /^\s*Include(?:Optional)?\s+"?([^"\s]+)"?/i.exec(line);
			if (include) {
				const target = underRoot(root, include[1]!, serverRoot);
				result.includeGlobs.push(target);
				for (const found of expandGlob(target)) {
					if (isDirectory(found)) for (const child of filesIn(found)) follow(child);
					else if (isFile(found)) follow(found);
				}
				return;
			}
			const listen = /^(\s*Listen\s+)(\S+)/i.exec(line);
			if (listen) {
				const split = splitHostPort(listen[2]!);
				if (!split) return;
				const found = declaration(
					'apache',
					real,
					index + 1,
					raw,
					listen[1]!.length + split.portOffset,
					split.portText,
					split.address === undefined ? {} : {address: split.address},
				);
				if (found) result.declarations.push(found);
				return;
			}
			const vhost = /^(\s*<VirtualHost\s+)([^>]*)>/i.exec(line);
			if (vhost) {
				let offset = vhost[1]!.length;
				for (const part of vhost[2]!.split(/(\s+)/)) {
					const split = /^\s*$/.test(part) ? undefined : splitHostPort(part);
					if (split?.address !== undefined) {
						const found = declaration(
							'apache',
							real,
							index + 1,
							raw,
							offset + split.portOffset,
							split.portText,
							{address: split.address},
						);
						if (found) result.declarations.push(found);
					}
					offset += part.length;
				}
			}
		});
	});
	visit(entry);
	// A tree without apache2.conf (a copied fragment): read what Debian would include.
	if (result.files.length === 0 && entry.endsWith('/apache2.conf')) {
		result.entry = undefined;
		for (const file of [
			path.join(serverRoot, 'ports.conf'),
			...expandGlob(path.join(serverRoot, 'sites-enabled/*.conf')),
		])
			visit(file, 1);
	}
	return result;
}

export const apacheAdapter: ConfigAdapter = {
	name: 'apache',
	title: 'Apache httpd',
	processNames: ['apache2', 'httpd'],
	scan(options?: AdapterOptions): ScanResult[] {
		const root = rootOf(options);
		if (options?.file) {
			const file = path.resolve(options.file);
			// Relative includes resolve against the server root: /etc/apache2 for a file inside it.
			const serverRoot = file.includes('/apache2/')
				? file.slice(0, file.indexOf('/apache2/') + '/apache2'.length)
				: path.dirname(file);
			return nonEmpty(scanApache(file, serverRoot, root));
		}
		const serverRoot = underRoot(root, '/etc/apache2');
		return nonEmpty(scanApache(path.join(serverRoot, 'apache2.conf'), serverRoot, root));
	},
	claims(file, text) {
		if (/apache|httpd|ports\.conf$/.test(file)) return true;
		return /^\s*(Listen\s+\S+|<VirtualHost\s)/im.test(text);
	},
	checkCommand(scan) {
		if (!scan.entry?.endsWith('/apache2.conf')) return ['apachectl', 'configtest'];
		const serverRoot = path.dirname(scan.entry);
		if (serverRoot === '/etc/apache2') return ['apachectl', 'configtest'];
		return ['apachectl', '-t', '-d', serverRoot, '-f', scan.entry];
	},
	unit(scan) {
		return scan.files.some((file) => file.startsWith('/etc/apache2/'))
			? 'apache2.service'
			: undefined;
	},
	restartHint() {
		return 'apachectl graceful';
	},
};
