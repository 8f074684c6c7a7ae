/** Redis: `port N` in redis.conf (and files named by `include`). */
import path from 'node:path';
import {
	configWalker,
	declaration,
	entryFile,
	rootOf,
	stripHashComment,
	underRoot,
	nonEmpty,
	linesOf,
} from './common.js';
import type {AdapterOptions, ConfigAdapter, ScanResult} from './types.js';

function scanRedis(entry: string, root: string): ScanResult {
	const result: ScanResult = {declarations: [], files: [], entry, includeGlobs: []};
	const visit = configWalker(result.files, 8, (real, text, follow) => {
		linesOf(text).forEach((raw, index) => {
			const line = stripHashComment(raw);
			const include = /^\s*include\s+(\S+)/i.exec(line);
			if (include) {
				follow(underRoot(root, include[1]!, path.dirname(real)));
				return;
			}
			const port = /^(\s*port\s+)(\d+)\s*$/i.exec(line);
			if (port) {
				const found = declaration(
					'redis',
					real,
					index + 1,
					raw,
					port[1]!.length,
					port[2]!,
				);
				// Redis: `port 0` disables TCP; declaration() drops it since 0 is no port.
				if (found) result.declarations.push(found);
			}
		});
	});
	visit(entry);
	return result;
}

export const redisAdapter: ConfigAdapter = {
	name: 'redis',
	title: 'Redis',
	processNames: ['redis-server'],
	scan(options?: AdapterOptions): ScanResult[] {
		const root = rootOf(options);
		return nonEmpty(scanRedis(entryFile(options, root, '/etc/redis/redis.conf'), root));
	},
	claims(file, text) {
		return (
			/redis/.test(path.basename(file)) ||
			/^\s*(appendonly|maxmemory|databases)\s/m.test(text)
		);
	},
	checkCommand() {
		return undefined;
	},
	unit(scan) {
		return scan.entry === '/etc/redis/redis.conf' ? 'redis-server.service' : undefined;
	},
	restartHint(scan) {
		return `redis-server ${scan.entry ?? 'redis.conf'} (restart the running instance)`;
	},
};
