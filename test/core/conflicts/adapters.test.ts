import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {apacheAdapter} from '../../../source/core/conflicts/adapters/apache.js';
import {
	expandGlob,
	globMatches,
	rewriteDeclaration,
} from '../../../source/core/conflicts/adapters/common.js';
import {composeAdapter} from '../../../source/core/conflicts/adapters/compose.js';
import {envAdapter} from '../../../source/core/conflicts/adapters/env.js';
import {adapterForFile} from '../../../source/core/conflicts/adapters/index.js';
import {mysqlAdapter} from '../../../source/core/conflicts/adapters/mysql.js';
import {
	nginxAdapter,
	runningNginxPrefix,
	tokenizeNginx,
} from '../../../source/core/conflicts/adapters/nginx.js';
import {postgresqlAdapter} from '../../../source/core/conflicts/adapters/postgresql.js';
import {redisAdapter} from '../../../source/core/conflicts/adapters/redis.js';
import {sshdAdapter} from '../../../source/core/conflicts/adapters/sshd.js';
import {systemdAdapter} from '../../../source/core/conflicts/adapters/systemd.js';
import type {
	PortDeclaration,
	ScanResult,
} from '../../../source/core/conflicts/adapters/types.js';
import {copyFixture, removeTree} from '../../helpers/config-fixtures.js';

const roots: string[] = [];
after(() => {
	for (const root of roots) removeTree(root);
});
function fixture(name: string): string {
	const root = copyFixture(name);
	roots.push(root);
	return root;
}

type Short = Pick<PortDeclaration, 'port' | 'line' | 'column' | 'protocol'> & {
	file: string;
	address?: string;
	scope?: string;
};
function short(root: string, found: PortDeclaration): Short {
	return {
		file: path.relative(root, found.file),
		line: found.line,
		column: found.column,
		port: found.port,
		protocol: found.protocol,
		...(found.address === undefined ? {} : {address: found.address}),
		...(found.scope === undefined ? {} : {scope: found.scope}),
	};
}
function only(results: ScanResult[]): ScanResult {
	assert.equal(results.length, 1, 'one config tree');
	return results[0]!;
}
/** The text at a declaration's position is its port: what the rewrite relies on. */
function assertPositions(result: ScanResult): void {
	for (const found of result.declarations) {
		const line = readFileSync(found.file, 'utf8').split('\n')[found.line - 1]!;
		assert.equal(
			line.slice(found.column - 1, found.column - 1 + found.length),
			String(found.port),
		);
		assert.equal(found.context, line.trim());
	}
}

describe('nginx', () => {
	test('finds listen in nginx.conf includes (absolute globs, symlinked sites, snippets)', () => {
		const root = fixture('nginx');
		const result = only(nginxAdapter.scan({root}));
		assert.equal(result.entry, path.join(root, 'etc/nginx/nginx.conf'));
		assert.deepEqual(
			result.declarations.map((found) => short(root, found)),
			[
				{
					file: 'etc/nginx/conf.d/api.conf',
					line: 4,
					column: 19,
					port: 8080,
					protocol: 'tcp',
					address: '127.0.0.1',
					scope: 'api.example.internal',
				},
				{
					file: 'etc/nginx/conf.d/api.conf',
					line: 5,
					column: 14,
					port: 8443,
					protocol: 'tcp',
					address: '[::]',
					scope: 'api.example.internal',
				},
				{
					file: 'etc/nginx/snippets/quic.conf',
					line: 1,
					column: 8,
					port: 8443,
					protocol: 'udp',
					scope: 'api.example.internal',
				},
				{
					file: 'etc/nginx/sites-available/default',
					line: 4,
					column: 9,
					port: 80,
					protocol: 'tcp',
					scope: '_',
				},
				{
					file: 'etc/nginx/sites-available/default',
					line: 5,
					column: 14,
					port: 80,
					protocol: 'tcp',
					address: '[::]',
					scope: '_',
				},
			],
		);
		assertPositions(result);
		// Commented-out listens (`# listen 443 ssl`, the mail block) are not declarations.
		assert.ok(
			!result.declarations.some((found) => found.port === 443 || found.port === 110),
		);
		assert.ok(result.includeGlobs.includes(path.join(root, 'etc/nginx/sites-enabled/*')));
	});

	test('the config check names the file and a prefix', () => {
		const root = fixture('nginx');
		const result = only(nginxAdapter.scan({root}));
		assert.deepEqual(nginxAdapter.checkCommand(result, {prefix: '/srv/p/'}), [
			'nginx',
			'-t',
			'-q',
			'-e',
			'stderr',
			'-c',
			result.entry,
			'-p',
			'/srv/p/',
		]);
		// A config outside /etc/nginx is another instance: no unit is guessed for it.
		assert.equal(nginxAdapter.unit(result, result.declarations[0]!), undefined);
	});

	test('tokenizer keeps quoted strings and positions', () => {
		const tokens = tokenizeNginx('listen "127.0.0.1:80"; # c\n  server_name a;');
		assert.deepEqual(
			tokens.map((token) => [token.text, token.line, token.column]),
			[
				['listen', 1, 1],
				['127.0.0.1:80', 1, 9],
				[';', 1, 22],
				['server_name', 2, 3],
				['a', 2, 15],
				[';', 2, 16],
			],
		);
	});
});

describe('apache', () => {
	test('finds Listen in ports.conf and VirtualHost ports in sites-enabled', () => {
		const root = fixture('apache');
		const result = only(apacheAdapter.scan({root}));
		assert.deepEqual(
			result.declarations.map((found) => short(root, found)),
			[
				{file: 'etc/apache2/ports.conf', line: 5, column: 8, port: 80, protocol: 'tcp'},
				{file: 'etc/apache2/ports.conf', line: 8, column: 9, port: 443, protocol: 'tcp'},
				{file: 'etc/apache2/ports.conf', line: 12, column: 9, port: 443, protocol: 'tcp'},
				{
					file: 'etc/apache2/sites-available/000-default.conf',
					line: 1,
					column: 16,
					port: 80,
					protocol: 'tcp',
					address: '*',
				},
				{
					file: 'etc/apache2/sites-available/intranet.conf',
					line: 1,
					column: 24,
					port: 8081,
					protocol: 'tcp',
					address: '127.0.0.1',
				},
				{
					file: 'etc/apache2/sites-available/intranet.conf',
					line: 1,
					column: 35,
					port: 8081,
					protocol: 'tcp',
					address: '[::1]',
				},
			],
		);
		assertPositions(result);
		// default-ssl.conf is available but not enabled: not read.
		assert.ok(!result.files.some((file) => file.endsWith('default-ssl.conf')));
		assert.deepEqual(apacheAdapter.checkCommand(result), [
			'apachectl',
			'-t',
			'-d',
			path.join(root, 'etc/apache2'),
			'-f',
			result.entry,
		]);
	});
});

describe('sshd', () => {
	test('finds Port in sshd_config and in the Include drop-ins, not in unmatched files', () => {
		const root = fixture('ssh');
		const result = only(sshdAdapter.scan({root}));
		assert.deepEqual(
			result.declarations.map((found) => short(root, found)),
			[
				{
					file: 'etc/ssh/sshd_config.d/10-extra-port.conf',
					line: 2,
					column: 6,
					port: 2222,
					protocol: 'tcp',
				},
				{
					file: 'etc/ssh/sshd_config.d/10-extra-port.conf',
					line: 3,
					column: 25,
					port: 2223,
					protocol: 'tcp',
					address: '127.0.0.1',
				},
				{file: 'etc/ssh/sshd_config', line: 7, column: 6, port: 22, protocol: 'tcp'},
			],
		);
		assertPositions(result);
		assert.deepEqual(sshdAdapter.checkCommand(result), [
			'sshd',
			'-t',
			'-f',
			result.entry,
		]);
	});
});

describe('redis, postgresql, mysql', () => {
	test('redis: the active port line, not the commented one', () => {
		const root = fixture('redis');
		const result = only(redisAdapter.scan({root}));
		assert.deepEqual(
			result.declarations.map((found) => short(root, found)),
			[{file: 'etc/redis/redis.conf', line: 7, column: 6, port: 6379, protocol: 'tcp'}],
		);
		assertPositions(result);
	});

	test('postgresql: port = with a trailing comment, per cluster, with the cluster unit', () => {
		const root = fixture('postgresql');
		const result = only(postgresqlAdapter.scan({root}));
		assert.deepEqual(
			result.declarations.map((found) => short(root, found)),
			[
				{
					file: 'etc/postgresql/15/main/postgresql.conf',
					line: 5,
					column: 8,
					port: 5432,
					protocol: 'tcp',
				},
			],
		);
		assertPositions(result);
		// Only the system's own cluster config names a unit; a copy under a temp root does not.
		assert.equal(postgresqlAdapter.unit(result, result.declarations[0]!), undefined);
		assert.equal(
			postgresqlAdapter.unit(result, {
				...result.declarations[0]!,
				file: '/etc/postgresql/15/main/postgresql.conf',
			}),
			'postgresql@15-main.service',
		);
	});

	test('mysql: port= in server sections through !includedir, never [client]', () => {
		const root = fixture('mysql');
		const result = only(mysqlAdapter.scan({root}));
		assert.deepEqual(
			result.declarations.map((found) => short(root, found)),
			[
				{
					file: 'etc/mysql/mariadb.conf.d/50-server.cnf',
					line: 9,
					column: 6,
					port: 3306,
					protocol: 'tcp',
					scope: 'mysqld',
				},
			],
		);
		assertPositions(result);
		assert.ok(
			result.files.some((file) => file.endsWith('50-client.cnf')),
			'client file read',
		);
	});
});

describe('systemd, compose, env', () => {
	test('systemd: Environment=PORT, EnvironmentFile, ListenStream/ListenDatagram, drop-ins', () => {
		const root = fixture('systemd');
		const results = systemdAdapter.scan({root});
		const all = results.flatMap((result) =>
			result.declarations.map((found) => short(root, found)),
		);
		assert.deepEqual(all, [
			{
				file: 'etc/systemd/system/api.service.d/port.conf',
				line: 2,
				column: 19,
				port: 4000,
				protocol: 'tcp',
				scope: 'api.service',
			},
			{
				file: 'etc/systemd/system/web.service',
				line: 7,
				column: 18,
				port: 3000,
				protocol: 'tcp',
				scope: 'web.service',
			},
			{
				file: 'etc/default/web',
				line: 2,
				column: 6,
				port: 3003,
				protocol: 'tcp',
				scope: 'web.service',
			},
			{
				file: 'etc/systemd/system/web.socket',
				line: 2,
				column: 24,
				port: 3001,
				protocol: 'tcp',
				address: '127.0.0.1',
				scope: 'web.socket',
			},
			{
				file: 'etc/systemd/system/web.socket',
				line: 3,
				column: 21,
				port: 3002,
				protocol: 'udp',
				address: '[::]',
				scope: 'web.socket',
			},
		]);
		for (const result of results) assertPositions(result);
	});

	test('compose: short, quoted, address-bound, flow and long syntax; container-only ports skipped', () => {
		const root = fixture('compose');
		const file = path.join(root, 'srv/shop/compose.yaml');
		const result = only(composeAdapter.scan({file}));
		assert.deepEqual(
			result.declarations.map((found) => [
				found.port,
				found.protocol,
				found.scope,
				found.line,
				found.address,
			]),
			[
				[8080, 'tcp', 'web', 5, undefined],
				[8443, 'tcp', 'web', 6, '127.0.0.1'],
				[5433, 'tcp', 'db', 11, undefined],
				[5353, 'udp', 'dns', 14, undefined],
				[8053, 'tcp', 'dns', 14, undefined],
				[8081, 'tcp', 'admin', 19, undefined],
			],
		);
		assertPositions(result);
		// No default location: compose files are only read when named.
		assert.deepEqual(composeAdapter.scan({root}), []);
	});

	test('env: PORT= only, not PORT_FALLBACK or a port inside a URL', () => {
		const root = fixture('env');
		const file = path.join(root, 'srv/app/.env');
		const result = only(envAdapter.scan({file}));
		assert.deepEqual(
			result.declarations.map((found) => [found.port, found.line, found.column]),
			[[5000, 3, 6]],
		);
	});
});

describe('shared pieces', () => {
	test('adapterForFile picks by name, then by content', () => {
		assert.equal(adapterForFile('/x/sshd_config', '')?.name, 'sshd');
		assert.equal(
			adapterForFile('/x/site.conf', 'server {\n listen 80;\n}\n')?.name,
			'nginx',
		);
		assert.equal(adapterForFile('/x/docker-compose.yml', '')?.name, 'compose');
		assert.equal(adapterForFile('/x/app.env', '')?.name, 'env');
		assert.equal(adapterForFile('/x/vars', 'PORT=1\n')?.name, 'env');
		assert.equal(adapterForFile('/x/web.service.d/port.conf', '')?.name, 'systemd');
		assert.equal(adapterForFile('/x/notes.txt', 'hello\n'), undefined);
	});

	test('rewriteDeclaration changes exactly the port and refuses a stale position', () => {
		const text = 'a\n\tlisten [::]:80 default_server;\n';
		const target = {file: 'f', line: 2, column: 14, length: 2, port: 80};
		assert.equal(
			rewriteDeclaration(text, target, 8080),
			'a\n\tlisten [::]:8080 default_server;\n',
		);
		assert.throws(
			() => rewriteDeclaration(text, {...target, port: 81}, 8080),
			/no longer sets port 81/,
		);
	});

	test('globs: sorted, dotfiles skipped, match agrees with expand', () => {
		const root = fixture('nginx');
		const glob = path.join(root, 'etc/nginx/*/*.conf');
		assert.deepEqual(
			expandGlob(glob).map((file) => path.relative(root, file)),
			['etc/nginx/conf.d/api.conf', 'etc/nginx/snippets/quic.conf'],
		);
		assert.ok(
			globMatches(
				path.join(root, 'etc/nginx/sites-enabled/*'),
				path.join(root, 'etc/nginx/sites-enabled/default.portui-1.bak'),
			),
		);
		assert.ok(
			!globMatches(
				path.join(root, 'etc/nginx/sites-enabled/*'),
				path.join(root, 'etc/nginx/sites-enabled/.default.portui-1.bak'),
			),
		);
		assert.ok(
			!globMatches(
				path.join(root, 'etc/nginx/conf.d/*.conf'),
				path.join(root, 'etc/nginx/conf.d/api.conf.portui-1.bak'),
			),
		);
	});
});

test('adapterForFile does not read hints into temp dir names', () => {
	assert.equal(
		adapterForFile('/tmp/portui-nginx-x/etc/apache2/apache2.conf', '')?.name,
		'apache',
	);
	assert.equal(
		adapterForFile('/tmp/portui-apache-x/etc/nginx/nginx.conf', '')?.name,
		'nginx',
	);
	assert.equal(adapterForFile('/etc/nginx/sites-enabled/default', '')?.name, 'nginx');
	assert.equal(
		adapterForFile('/etc/apache2/sites-enabled/000-default.conf', '')?.name,
		'apache',
	);
	assert.equal(adapterForFile('/etc/ssh/sshd_config.d/port.conf', '')?.name, 'sshd');
});

test('runningNginxPrefix reads -p from a master whose title nginx rewrote', () => {
	const proc = fixture('nginx');
	const write = (pid: string, cmdline: string) => {
		mkdirSync(path.join(proc, pid), {recursive: true});
		writeFileSync(path.join(proc, pid, 'cmdline'), cmdline);
	};
	write('10', 'bash\0-c\0sleep 1\0');
	write('11', 'nginx: worker process\0');
	write(
		'12',
		'nginx: master process /usr/sbin/nginx -e stderr -c /srv/site/nginx.conf -p /srv/site/\0',
	);
	write('13', '/usr/sbin/nginx\0-c\0/srv/other.conf\0-p\0/srv/other/\0');
	assert.equal(runningNginxPrefix('/srv/site/nginx.conf', proc), '/srv/site/');
	assert.equal(runningNginxPrefix('/srv/other.conf', proc), '/srv/other/');
	assert.equal(runningNginxPrefix('/srv/none.conf', proc), undefined);
});
