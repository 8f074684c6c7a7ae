import {test} from 'node:test';
import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {
	ContainerUnavailableError,
	createContainerCli,
	dockerCli,
	matchProxyContainer,
	parseDockerProxyArgs,
	parseInspect,
} from '../../../source/core/processes/containers.js';
import {PortuiError} from '../../../source/core/errors.js';

const fixturePath = (name: string) =>
	fileURLToPath(new URL(`../../fixtures/processes/containers/${name}`, import.meta.url));
const fixture = (name: string) => readFileSync(fixturePath(name), 'utf8');
const WEB = '3f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3';

test('parses docker inspect: name without slash, image, ports, addresses', () => {
	const [web, db] = parseInspect(fixture('docker-inspect.json'), 'docker');
	assert.deepEqual(web, {
		runtime: 'docker',
		id: WEB,
		name: 'web',
		image: 'nginx:1.27',
		status: 'running',
		pid: 4242,
		restartPolicy: 'unless-stopped',
		ipAddresses: ['172.17.0.2'],
		ports: [
			{containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080},
			{containerPort: 80, protocol: 'tcp', hostIp: '::', hostPort: 8080},
		],
	});
	assert.equal(db?.name, 'db');
	assert.deepEqual(db?.ipAddresses, ['172.18.0.3']);
	assert.equal(parseInspect('[]', 'docker').length, 0);
	assert.equal(parseInspect('not json', 'docker').length, 0);
});

test('parses podman inspect', () => {
	const [cache] = parseInspect(fixture('podman-inspect.json'), 'podman');
	assert.equal(cache?.name, 'cache');
	assert.equal(cache?.image, 'docker.io/library/redis:7');
	assert.equal(cache?.restartPolicy, 'always');
	assert.deepEqual(cache?.ports, [
		{containerPort: 6379, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 6379},
	]);
});

test('a docker-proxy is attributed to the container publishing its port', () => {
	const containers = parseInspect(fixture('docker-inspect.json'), 'docker');
	const argv = [
		'/usr/bin/docker-proxy',
		'-proto',
		'tcp',
		'-host-ip',
		'0.0.0.0',
		'-host-port',
		'8080',
		'-container-ip',
		'172.17.0.2',
		'-container-port',
		'80',
		'-use-listen-fd',
	];
	const target = parseDockerProxyArgs(argv);
	assert.deepEqual(target, {
		protocol: 'tcp',
		hostIp: '0.0.0.0',
		hostPort: 8080,
		containerIp: '172.17.0.2',
		containerPort: 80,
	});
	assert.equal(matchProxyContainer(target!, containers)?.name, 'web');
	const db = parseDockerProxyArgs([
		'docker-proxy',
		'--proto=tcp',
		'--host-ip=127.0.0.1',
		'--host-port=5432',
		'--container-ip=172.18.0.3',
		'--container-port=5432',
	]);
	assert.equal(matchProxyContainer(db!, containers)?.name, 'db');
	assert.equal(
		matchProxyContainer({...target!, hostPort: 9999}, containers),
		undefined,
		'no container publishes 9999',
	);
	assert.equal(parseDockerProxyArgs(['nginx', '-g', 'daemon off;']), undefined);
});

test('the real docker CLI: inspects when its engine answers, "unavailable" otherwise', async () => {
	const installed = await execa('docker', ['--version'], {reject: false});
	const engine = await execa('docker', ['info'], {reject: false});
	const available = await dockerCli.available();
	assert.equal(available, installed.exitCode === 0 && engine.exitCode === 0);
	if (available) {
		assert.deepEqual(await dockerCli.inspect(['portui-no-such-container']), []);
		assert.ok(Array.isArray(await dockerCli.running()));
	} else {
		await assert.rejects(dockerCli.running(), ContainerUnavailableError);
		await assert.rejects(dockerCli.inspect([WEB]), ContainerUnavailableError);
	}
	const missing = createContainerCli('podman', {command: '/nonexistent/podman'});
	assert.equal(await missing.available(), false);
	await assert.rejects(
		missing.inspect([WEB]),
		(error: unknown) =>
			error instanceof ContainerUnavailableError && /not installed/.test(error.message),
	);
});

test('the adapter drives a docker-compatible binary: inspect, ps, stop, no engine', async (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'portui-docker-'));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	const log = join(dir, 'calls.log');
	const fake = join(dir, 'docker');
	writeFileSync(
		fake,
		`#!/bin/sh
echo "$*" >> '${log}'
case "$1" in
version) echo 28.2.2 ;;
ps) echo ${WEB} ;;
inspect) cat '${fixturePath('docker-inspect.json')}' ;;
stop) if [ "$2" = stuck ]; then echo "Error response from daemon: No such container: stuck" >&2; exit 1; fi; echo "$2" ;;
esac
`,
	);
	chmodSync(fake, 0o755);
	const cli = createContainerCli('docker', {command: fake});
	assert.equal(await cli.available(), true);
	const running = await cli.running();
	assert.deepEqual(
		running.map((container) => container.name),
		['web', 'db'],
	);
	await cli.stop(WEB);
	await assert.rejects(
		cli.stop('stuck'),
		(error: unknown) =>
			error instanceof PortuiError && /No such container/.test(error.message),
	);
	assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
		'version --format {{.Server.Version}}',
		'ps -q --no-trunc',
		`inspect --type container ${WEB}`,
		`stop ${WEB}`,
		'stop stuck',
	]);

	const noEngine = join(dir, 'docker-no-engine');
	writeFileSync(
		noEngine,
		`#!/bin/sh
cat '${fixturePath('docker-no-engine.txt')}' >&2
exit 1
`,
	);
	chmodSync(noEngine, 0o755);
	const down = createContainerCli('docker', {command: noEngine});
	assert.equal(await down.available(), false);
	await assert.rejects(down.inspect([WEB]), ContainerUnavailableError);
});
