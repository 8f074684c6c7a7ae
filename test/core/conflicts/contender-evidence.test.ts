import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {
	declarationEvidence,
	describeEvidence,
	environmentEvidence,
	execStartEvidence,
	journalEvidence,
	portsInLine,
} from '../../../source/core/conflicts/contender-evidence.js';
import type {DeclaredPort} from '../../../source/core/conflicts/identify.js';

const fixture = (name: string) =>
	readFileSync(new URL(`../../fixtures/conflicts/${name}`, import.meta.url), 'utf8');

/**
 * "Address in use" lines as the servers print them, and the port each names
 * (undefined: the line names none).
 */
const SERVER_LINES: Array<[string, string, number | undefined]> = [
	['python3 socket', 'OSError: [Errno 98] Address already in use', undefined],
	[
		'python3 asyncio / uvicorn',
		"ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use",
		8000,
	],
	[
		'uvicorn on IPv6',
		"ERROR:    [Errno 98] error while attempting to bind on address ('::', 8000, 0, 0): address already in use",
		8000,
	],
	[
		'gunicorn (with its timestamp)',
		"[2024-05-01 10:22:05 +0000] [1234] [ERROR] Connection in use: ('0.0.0.0', 8000)",
		8000,
	],
	[
		'werkzeug (Flask)',
		'Port 5000 is in use by another program. Either identify and stop that program, or start the server with a different port.',
		5000,
	],
	['Django runserver', 'Error: That port is already in use.', undefined],
	[
		'Node on every address',
		'Error: listen EADDRINUSE: address already in use :::8080',
		8080,
	],
	['Node on IPv4', 'Error: listen EADDRINUSE: address already in use 0.0.0.0:3000', 3000],
	['Node on ::1', 'Error: listen EADDRINUSE: address already in use ::1:3000', 3000],
	[
		'nginx IPv4',
		'nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)',
		80,
	],
	[
		'nginx IPv6',
		'nginx: [emerg] bind() to [::]:443 failed (98: Address already in use)',
		443,
	],
	['Go, every address', 'listen tcp :8080: bind: address already in use', 8080],
	['Go, IPv4', 'listen tcp4 127.0.0.1:9090: bind: address already in use', 9090],
	['Go, IPv6', 'listen tcp [::1]:8443: bind: address already in use', 8443],
	[
		'Caddy',
		'Error: loading initial config: loading new config: http app module: start: listening on :2015: listen tcp :2015: bind: address already in use',
		2015,
	],
	['Java', 'Caused by: java.net.BindException: Address already in use', undefined],
	['Spring Boot', 'Web server failed to start. Port 8080 was already in use.', 8080],
	[
		'Redis 7 (with its pid and timestamp)',
		'1234:M 01 May 2024 10:22:05.123 # Warning: Could not create server TCP listening socket *:6379: bind: Address already in use',
		6379,
	],
	[
		'Redis on ::1',
		'1234:M 01 May 2024 10:22:05.123 # Warning: Could not create server TCP listening socket ::1:6379: bind: Address already in use',
		6379,
	],
	['sshd', 'error: Bind to port 2222 on 0.0.0.0 failed: Address already in use.', 2222],
	[
		'PostgreSQL (the port is on its HINT line)',
		'2024-05-01 10:22:05.123 UTC [1234] LOG:  could not bind IPv4 address "127.0.0.1": Address already in use',
		undefined,
	],
	[
		'Apache',
		'(98)Address already in use: AH00072: make_sock: could not bind to address [::]:80',
		80,
	],
	[
		'HAProxy',
		'[ALERT]    (1) : Starting frontend web: cannot bind socket (Address already in use) [0.0.0.0:8081]',
		8081,
	],
	[
		'Kestrel (.NET)',
		'Failed to bind to address http://127.0.0.1:5000: address already in use.',
		5000,
	],
	[
		'Rust',
		'Error: Os { code: 98, kind: AddrInUse, message: "Address already in use" }',
		undefined,
	],
];

test('journal lines in the forms real servers print name their port, and timestamps are no ports', () => {
	for (const [server, line, port] of SERVER_LINES) {
		assert.deepEqual(portsInLine(line), port === undefined ? [] : [port], server);
		// Every one of them is an "address in use" line, named or not.
		const found = journalEvidence(line, port ?? 1, 'x.service');
		assert.ok(
			found.named.length + found.unnamed.length === 1,
			`${server}: ${JSON.stringify(found)}`,
		);
	}
	assert.deepEqual(portsInLine('port 70000'), []);
	assert.deepEqual(portsInLine('at Server.listen (node:net:2067:7)'), []);
	assert.deepEqual(portsInLine('at /srv/app.js:12:5'), []);
	assert.deepEqual(portsInLine('2024-05-01T10:22:05 started'), []);
});

test('journal evidence: the lines naming the port, lines naming none marked unnamed, other ports apart', () => {
	const nginx = journalEvidence(fixture('journal-nginx.txt'), 80, 'nginx.service');
	assert.deepEqual(
		nginx.named.map((evidence) => [evidence.kind, evidence.port]),
		[
			['journal', 80],
			['journal', 80],
		],
	);
	assert.match(nginx.named[0]!.text, /0\.0\.0\.0:80/);
	assert.equal(nginx.named[0]!.source, 'journalctl -u nginx.service');
	const nginxOther = journalEvidence(fixture('journal-nginx.txt'), 8080, 'nginx.service');
	assert.deepEqual(nginxOther.named, []);
	assert.equal(nginxOther.otherPorts, true);

	// A PostgreSQL HINT on the next line names the port of the line before it.
	const postgres = journalEvidence(
		fixture('journal-postgres.txt'),
		5432,
		'postgresql.service',
	);
	assert.equal(postgres.named.length, 1);
	assert.equal(
		journalEvidence(fixture('journal-postgres.txt'), 5433, 'p').otherPorts,
		true,
	);
	// MySQL puts it on the next line too, as "port: N".
	const mysql = journalEvidence(
		"[ERROR] [MY-010262] [Server] Can't start server: Bind on TCP/IP port: Address already in use\n[ERROR] [MY-010257] [Server] Do you already have another mysqld server running on port: 3306 ?\n",
		3306,
		'mysql.service',
	);
	assert.equal(mysql.named.length, 1);

	const bare = journalEvidence(fixture('journal-bare.txt'), 9000, 'worker.service');
	assert.deepEqual(bare, {
		named: [],
		unnamed: [
			{
				kind: 'unnamed',
				text: 'bind failed: Address already in use',
				source: 'journalctl -u worker.service',
			},
		],
		otherPorts: false,
	});
	assert.deepEqual(journalEvidence(fixture('journal-clean.txt'), 8080, 'api.service'), {
		named: [],
		unnamed: [],
		otherPorts: false,
	});
});

/** ExecStart= command lines (argv joined by spaces, as `systemctl show` prints them) and the ports each declares. */
const EXEC_STARTS: Array<[string, Array<[number, string]>]> = [
	['/usr/bin/python3 /srv/app.py --port 8080', [[8080, '--port 8080']]],
	['/usr/bin/node server.js --port=3000', [[3000, '--port=3000']]],
	['/usr/local/bin/app -p 9000 --verbose', [[9000, '-p 9000']]],
	['/usr/local/bin/goapp -addr :8080', [[8080, '-addr :8080']]],
	['/usr/bin/caddy file-server --listen :2015 --root /srv', [[2015, '--listen :2015']]],
	['/usr/local/bin/api --listen=0.0.0.0:8081', [[8081, '--listen=0.0.0.0:8081']]],
	['/usr/local/bin/api --bind [::]:8443', [[8443, '--bind [::]:8443']]],
	['/usr/bin/gunicorn -b 127.0.0.1:8000 app:wsgi', [[8000, '-b 127.0.0.1:8000']]],
	['/usr/bin/python3 manage.py runserver 0.0.0.0:8000', [[8000, '0.0.0.0:8000']]],
	['/usr/bin/java -Dserver.port=8082 -jar /srv/app.jar', [[8082, '-Dserver.port=8082']]],
	['/usr/bin/java -jar /srv/app.jar --server.port=8083', [[8083, '--server.port=8083']]],
	['/usr/bin/redis-server /etc/redis/redis.conf --port 6380', [[6380, '--port 6380']]],
	[
		'/usr/bin/prometheus --web.listen-address=:9090 --storage.tsdb.path=/var/lib/p',
		[[9090, '--web.listen-address=:9090']],
	],
	['/usr/bin/app --http-port 8084', [[8084, '--http-port 8084']]],
	['/bin/sh -c exec /srv/app --port 8085', [[8085, '--port 8085']]],
	// Ports the service connects to, or numbers that are no ports: no claim.
	['/usr/bin/app --db-port 5432 --upstream 127.0.0.1:9000 --redis localhost:6379', []],
	['/usr/bin/sleep 8080', []],
	['/usr/bin/app --timeout 8080 --workers 4', []],
	['/usr/bin/docker run -p 8080:80 nginx', []],
];

test('ExecStart= declares a port in the forms services are started with, and only those', () => {
	for (const [commandLine, expected] of EXEC_STARTS) {
		const found = execStartEvidence([commandLine], 'app.service');
		assert.deepEqual(
			found.map((evidence) => [evidence.port, evidence.text]),
			expected,
			commandLine,
		);
		for (const evidence of found) {
			assert.equal(evidence.kind, 'exec-start');
			assert.equal(evidence.source, 'ExecStart= of app.service');
		}
	}
});

test('Environment= and EnvironmentFile= set the port through PORT and its listening kin', () => {
	const found = environmentEvidence(
		{
			execStart: [],
			environment: [
				'GREETING=hello world',
				'PORT=8080',
				'DB_PORT=5432',
				'REDIS_URL=redis://h:6379',
			],
			environmentFiles: [
				{
					file: '/etc/default/app',
					text: '# comment\nexport HTTP_PORT="8081"\nLISTEN_ADDR=0.0.0.0:8082\n#PORT=9999\nDATABASE_PORT=5433\n',
				},
				{file: '/etc/default/missing'},
			],
		},
		'app.service',
	);
	assert.deepEqual(found, [
		{
			kind: 'environment',
			port: 8080,
			text: 'PORT=8080',
			source: 'Environment= of app.service',
		},
		{
			kind: 'environment',
			port: 8081,
			text: 'export HTTP_PORT="8081"',
			source: '/etc/default/app:2',
		},
		{
			kind: 'environment',
			port: 8082,
			text: 'LISTEN_ADDR=0.0.0.0:8082',
			source: '/etc/default/app:3',
		},
	]);
});

test('a config declaration of the unit is config evidence; the systemd adapter`s PORT= lines are environment', () => {
	const declared = (more: Partial<DeclaredPort>): DeclaredPort => ({
		adapter: 'redis',
		title: 'Redis',
		processNames: ['redis-server'],
		unit: 'redis-server.service',
		file: '/etc/redis/redis.conf',
		line: 2,
		port: 6379,
		protocol: 'tcp',
		context: 'port 6379',
		...more,
	});
	assert.deepEqual(
		declarationEvidence([
			declared({}),
			declared({
				adapter: 'systemd',
				file: '/etc/systemd/system/api.service',
				line: 3,
				context: 'Environment=PORT=6379',
			}),
			declared({adapter: 'env', file: '/etc/default/api', line: 1, context: 'PORT=6379'}),
		]),
		[
			{kind: 'config', port: 6379, text: 'port 6379', source: '/etc/redis/redis.conf:2'},
			{
				kind: 'environment',
				port: 6379,
				text: 'Environment=PORT=6379',
				source: '/etc/systemd/system/api.service:3',
			},
			{kind: 'environment', port: 6379, text: 'PORT=6379', source: '/etc/default/api:1'},
		],
	);
});

test('each kind of evidence reads as one line, the port-less kind saying so', () => {
	assert.equal(
		describeEvidence({
			kind: 'unnamed',
			text: 'OSError: [Errno 98] Address already in use',
			source: 'journalctl -u a',
		}),
		'journal, port not named: OSError: [Errno 98] Address already in use',
	);
	assert.equal(
		describeEvidence({
			kind: 'journal',
			port: 80,
			text: 'bind() to 0.0.0.0:80 failed',
			source: 'journalctl -u a',
		}),
		'journal: bind() to 0.0.0.0:80 failed',
	);
	assert.equal(
		describeEvidence({
			kind: 'exec-start',
			port: 8080,
			text: '--port 8080',
			source: 'ExecStart= of a',
		}),
		'ExecStart names 8080: --port 8080',
	);
	assert.equal(
		describeEvidence({
			kind: 'environment',
			port: 8080,
			text: 'PORT=8080',
			source: '/etc/default/a:3',
		}),
		'/etc/default/a:3: PORT=8080',
	);
	assert.equal(
		describeEvidence({
			kind: 'config',
			port: 6379,
			text: 'port 6379',
			source: '/etc/redis/redis.conf:2',
		}),
		'/etc/redis/redis.conf:2: port 6379',
	);
});
