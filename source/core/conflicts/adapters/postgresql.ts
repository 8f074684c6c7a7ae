/**
 * PostgreSQL: `port = N` in postgresql.conf (Debian: one cluster per
 * /etc/postgresql/VERSION/CLUSTER/), following include, include_if_exists
 * and include_dir. Later settings win in PostgreSQL; all are reported.
 */
import path from 'node:path';
import {
	configWalker,
	declaration,
	expandGlob,
	filesIn,
	isFile,
	rootOf,
	stripHashComment,
	underRoot,
	nonEmpty,
	linesOf,
} from './common.js';
import type {AdapterOptions, ConfigAdapter, ScanResult} from './types.js';

function scanPostgres(entries: string[], root: string): ScanResult {
	const result: ScanResult = {
		declarations: [],
		files: [],
		entry: entries[0],
		includeGlobs: [],
	};
	const visit = configWalker(result.files, 10, (real, text, follow) => {
		linesOf(text).forEach((raw, index) => {
			const line = stripHashComment(raw);
			const include = /^\s*(include_dir|include_if_exists|include)\s*=?\s*'([^']+)'/.exec(
				line,
			);
			if (include) {
				const target = underRoot(root, include[2]!, path.dirname(real));
				if (include[1] === 'include_dir') {
					for (const child of filesIn(target, '.conf')) follow(child);
				} else follow(target);
				return;
			}
			const port = /^(\s*port\s*=\s*'?)(\d+)'?\s*$/.exec(line);
			if (port) {
				const found = declaration(
					'postgresql',
					real,
					index + 1,
					raw,
					port[1]!.length,
					port[2]!,
				);
				if (found) result.declarations.push(found);
			}
		});
	});
	for (const entry of entries) visit(entry);
	return result;
}

export const postgresqlAdapter: ConfigAdapter = {
	name: 'postgresql',
	title: 'PostgreSQL',
	processNames: ['postgres', 'postmaster'],
	scan(options?: AdapterOptions): ScanResult[] {
		const root = rootOf(options);
		if (options?.file) return nonEmpty(scanPostgres([path.resolve(options.file)], root));
		const clusters = expandGlob(underRoot(root, '/etc/postgresql/*/*/postgresql.conf'));
		return clusters
			.filter(isFile)
			.flatMap((cluster) => nonEmpty(scanPostgres([cluster], root)));
	},
	claims(file, text) {
		return (
			/postgresql\.conf$/.test(file) ||
			/^\s*(shared_buffers|max_connections|listen_addresses)\s*=/m.test(text)
		);
	},
	checkCommand() {
		return undefined;
	},
	unit(_scan, found) {
		// Debian: /etc/postgresql/15/main/postgresql.conf is postgresql@15-main.service.
		const cluster = /^\/etc\/postgresql\/([^/]+)\/([^/]+)\//.exec(found.file);
		return cluster ? `postgresql@${cluster[1]}-${cluster[2]}.service` : undefined;
	},
	restartHint(_scan, found) {
		const cluster = /\/etc\/postgresql\/([^/]+)\/([^/]+)\//.exec(found.file);
		return cluster
			? `pg_ctlcluster ${cluster[1]} ${cluster[2]} restart`
			: 'pg_ctl restart -D DATADIR';
	},
};
