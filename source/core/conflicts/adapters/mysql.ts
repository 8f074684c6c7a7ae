/**
 * MySQL / MariaDB: `port=N` in the server sections ([mysqld], [mariadb],
 * [server], [mariadbd], [mysqld-8.0]…) of my.cnf and the files its
 * `!include` and `!includedir` lines name (Debian: /etc/mysql/conf.d/,
 * /etc/mysql/mariadb.conf.d/). [client] ports are the client's, not a listener.
 */
import path from 'node:path';
import {
	configWalker,
	declaration,
	filesIn,
	isFile,
	nonEmpty,
	rootOf,
	underRoot,
	linesOf,
} from './common.js';
import type {AdapterOptions, ConfigAdapter, ScanResult} from './types.js';

const serverSection = /^(mysqld|mariadb|mariadbd|server|mysqld-[\d.]+|mariadb-[\d.]+)$/i;

function scanMysql(entry: string, root: string): ScanResult {
	const result: ScanResult = {declarations: [], files: [], entry, includeGlobs: []};
	const visit = configWalker(result.files, 10, (real, text, follow) => {
		let section = '';
		linesOf(text).forEach((raw, index) => {
			const includeDir = /^\s*!includedir\s+(\S+)/.exec(raw);
			if (includeDir) {
				const dir = underRoot(root, includeDir[1]!, path.dirname(real));
				result.includeGlobs.push(path.join(dir, '*.cnf'));
				for (const child of filesIn(dir, '.cnf')) follow(child);
				return;
			}
			const include = /^\s*!include\s+(\S+)/.exec(raw);
			if (include) {
				follow(underRoot(root, include[1]!, path.dirname(real)));
				return;
			}
			const header = /^\s*\[([^\]]+)\]/.exec(raw);
			if (header) {
				section = header[1]!.trim();
				return;
			}
			if (!serverSection.test(section)) return;
			const port = /^(\s*port\s*=\s*)(\d+)\s*(?:[#;].*)?$/i.exec(raw);
			if (port) {
				const found = declaration(
					'mysql',
					real,
					index + 1,
					raw,
					port[1]!.length,
					port[2]!,
					{
						scope: section,
					},
				);
				if (found) result.declarations.push(found);
			}
		});
	});
	visit(entry);
	return result;
}

export const mysqlAdapter: ConfigAdapter = {
	name: 'mysql',
	title: 'MySQL/MariaDB',
	processNames: ['mysqld', 'mariadbd'],
	scan(options?: AdapterOptions): ScanResult[] {
		const root = rootOf(options);
		if (options?.file) return nonEmpty(scanMysql(path.resolve(options.file), root));
		const entry = underRoot(root, '/etc/mysql/my.cnf');
		return isFile(entry) ? nonEmpty(scanMysql(entry, root)) : [];
	},
	claims(file, text) {
		return /\.cnf$|my\.cnf/.test(file) || /^\s*\[(mysqld|mariadb|mariadbd)\]/m.test(text);
	},
	checkCommand() {
		return undefined;
	},
	unit(scan) {
		if (scan.entry !== '/etc/mysql/my.cnf') return undefined;
		return scan.files.some((file) => file.includes('mariadb'))
			? 'mariadb.service'
			: 'mysql.service';
	},
	restartHint(scan) {
		return scan.files.some((file) => file.includes('mariadb'))
			? 'systemctl restart mariadb.service'
			: 'systemctl restart mysql.service';
	},
};
