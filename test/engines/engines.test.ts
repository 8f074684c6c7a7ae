/**
 * The engines themselves, before portui is run against them: each boots here
 * (in CI it must), holds a port, and portui's own listener table sees it.
 * The engine tests of conflict resolution build on these helpers.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {startDocker, dockerImage} from '../helpers/engines/docker.js';
import {imageName} from '../helpers/engines/image.js';
import {startPodman} from '../helpers/engines/podman.js';
import {
	dockerSkipReason,
	engineSkip,
	podmanSkipReason,
	requireEngine,
	systemdSkipReason,
} from '../helpers/engines/rootfs.js';
import {bootSystemd} from '../helpers/engines/systemd.js';

type ListedListener = {port: number; processes: Array<{name: string}>};

function listed(stdout: string, port: number): ListedListener[] {
	return (JSON.parse(stdout) as ListedListener[]).filter((entry) => entry.port === port);
}

test(
	'systemd boots as a container init; portui inside sees a unit holding its port',
	{skip: engineSkip(systemdSkipReason())},
	async () => {
		requireEngine(systemdSkipReason());
		const machine = await bootSystemd();
		try {
			assert.equal(machine.run(['cat', '/proc/1/comm']).stdout.trim(), 'systemd');
			machine.installUnits({
				'portui-hold.service':
					'[Service]\nExecStart=/usr/bin/python3 -c "import socket,time; s=socket.socket(); s.bind((\'127.0.0.1\', 18090)); s.listen(); time.sleep(1e6)"\n',
			});
			machine.must(['systemctl', 'start', 'portui-hold.service']);
			let holders: ListedListener[] = [];
			for (let attempt = 0; attempt < 50 && holders.length === 0; attempt++) {
				const result = machine.portui(['list', '--json']);
				assert.equal(result.status, 0, result.stderr);
				holders = listed(result.stdout, 18090);
				if (holders.length === 0)
					await new Promise((resolve) => setTimeout(resolve, 100));
			}
			assert.equal(holders[0]?.processes[0]?.name, 'python3');
		} finally {
			await machine.stop();
		}
	},
);

test(
	'rootful podman publishes a port in a namespace of the test; portui sees conmon hold it',
	{skip: engineSkip(podmanSkipReason())},
	() => {
		requireEngine(podmanSkipReason());
		const engine = startPodman();
		try {
			engine.podman([
				'run',
				'-d',
				'--name',
				'web',
				'-p',
				'18080:8080',
				imageName,
				'httpd',
				'-f',
				'-p',
				'8080',
			]);
			const result = engine.portui(['list', '--json']);
			assert.equal(result.status, 0, result.stderr);
			assert.equal(listed(result.stdout, 18080)[0]?.processes[0]?.name, 'conmon');
		} finally {
			engine.stop();
		}
	},
);

test(
	'dockerd of the test own publishes a port through two docker-proxy processes',
	{skip: engineSkip(dockerSkipReason())},
	async () => {
		requireEngine(dockerSkipReason());
		const engine = await startDocker();
		try {
			engine.docker([
				'run',
				'-d',
				'--name',
				'web',
				'-p',
				'18081:8080',
				dockerImage,
				'httpd',
				'-f',
				'-p',
				'8080',
			]);
			const result = engine.portui(['list', '--json']);
			assert.equal(result.status, 0, result.stderr);
			const holders = listed(result.stdout, 18081);
			assert.equal(holders.length, 2, result.stdout);
			assert.ok(holders.every((entry) => entry.processes[0]?.name === 'docker-proxy'));
		} finally {
			await engine.stop();
		}
	},
);
