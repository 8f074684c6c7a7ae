/** Every config adapter, in the order a search tries them. */
import {apacheAdapter} from './apache.js';
import {composeAdapter} from './compose.js';
import {envAdapter} from './env.js';
import {mysqlAdapter} from './mysql.js';
import {nginxAdapter} from './nginx.js';
import {postgresqlAdapter} from './postgresql.js';
import {redisAdapter} from './redis.js';
import {sshdAdapter} from './sshd.js';
import {systemdAdapter} from './systemd.js';
import type {AdapterName, ConfigAdapter} from './types.js';

export const adapters: ConfigAdapter[] = [
	nginxAdapter,
	apacheAdapter,
	sshdAdapter,
	redisAdapter,
	postgresqlAdapter,
	mysqlAdapter,
	systemdAdapter,
	composeAdapter,
	envAdapter,
];

export function adapterNamed(name: AdapterName): ConfigAdapter {
	return adapters.find((adapter) => adapter.name === name)!;
}

/**
 * The adapter for a file the user names: by file name first (sshd_config,
 * nginx.conf, compose.yaml…), then by content. Order matters: the env adapter
 * matches any `PORT=` line, so it is asked last.
 */
export function adapterForFile(file: string, text: string): ConfigAdapter | undefined {
	// Names and directory names only: a temp dir called portui-nginx-x is not a hint.
	const byName: Array<[RegExp, AdapterName]> = [
		[/(^|\/)sshd_config(\.d\/[^/]+)?$/, 'sshd'],
		[
			/(^|\/)nginx[^/]*\.conf$|\/nginx\/[^/]+$|\/nginx\/(sites|conf)[^/]*\/[^/]+$/,
			'nginx',
		],
		[/(^|\/)(apache2|httpd|ports)\.conf$|\/(apache2|httpd)\/.*[^/]$/, 'apache'],
		[/(^|\/)redis[^/]*\.conf$/, 'redis'],
		[/(^|\/)postgresql[^/]*\.conf$/, 'postgresql'],
		[/\.cnf$/, 'mysql'],
		[/(^|\/)(docker-)?compose[^/]*\.ya?ml$/, 'compose'],
		[/\.(service|socket)$|\.(service|socket)\.d\/[^/]+\.conf$/, 'systemd'],
		[/(^|\/)\.env[^/]*$|\.env$/, 'env'],
	];
	for (const [pattern, name] of byName) if (pattern.test(file)) return adapterNamed(name);
	return adapters.find((adapter) => adapter.claims(file, text));
}
