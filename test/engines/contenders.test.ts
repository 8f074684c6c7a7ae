/**
 * Contenders on a real systemd (issue 10, gap 2): units fail with
 * EADDRINUSE the way real servers do (python3's traceback names no port,
 * Node's error names it), a unit holds 8080 and another 8081, and portui's
 * identification inside the container, where PID 1 is systemd, lists a
 * failed unit for 8080 only on evidence that names 8080 (its journal line,
 * ExecStart=, Environment=, EnvironmentFile=, its config), never for 8081,
 * and never above the holder on a failure that names no port. The resolve
 * screen, in a real terminal, shows that evidence as such.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {setTimeout as delay} from 'node:timers/promises';
import {
	engineSkip,
	repoRoot,
	requireEngine,
	systemdSkipReason,
} from '../helpers/engines/rootfs.js';
import {bootSystemd, type SystemdMachine} from '../helpers/engines/systemd.js';
import {childrenOf, hasTmux, Terminal} from '../helpers/tmux.js';

/** A server the way a small python3 service is written: the port from --port, --config or $PORT. */
const SERVER_PY = `import os, socket, sys, time
def port():
    if '--port' in sys.argv:
        return int(sys.argv[sys.argv.index('--port') + 1])
    if '--config' in sys.argv:
        for line in open(sys.argv[sys.argv.index('--config') + 1]):
            if line.startswith('port '):
                return int(line.split()[1])
    if 'PORT' in os.environ:
        return int(os.environ['PORT'])
    return 8080
server = socket.socket()
server.bind(('0.0.0.0', port()))
server.listen()
while True:
    time.sleep(3600)
`;

const python = (args: string) => `/usr/bin/python3 /srv/server.py${args}`;
const service = (execStart: string, more = '') =>
	`[Service]\nExecStart=${execStart}\n${more}[Install]\nWantedBy=multi-user.target\n`;

/** Units that fail on 8080, each with the evidence it gives (or does not). */
const FAILING: Record<string, string> = {
	// Enabled at boot: without the fix its port-less failure outranks the holder.
	'pyapp.service': service(python(' --port 8080')),
	// Node's own error names the address.
	'nodeapp.service': service(
		`/usr/local/bin/node -e "require('net').createServer().listen(8080)"`,
	),
	'envfileapp.service': service(python(''), 'EnvironmentFile=/etc/default/envfileapp\n'),
	// Takes its port from /etc/redis/redis.conf, which the Redis adapter reads.
	'redis-server.service': service(python(' --config /etc/redis/redis.conf')),
	// Fails on 8080 but nothing about it says so: a contender for no port.
	'bare.service': service(python('')),
	// Its environment file becomes a FIFO once it has failed: reading it must not hang portui.
	'fifoapp.service': service(python(''), 'EnvironmentFile=/etc/default/fifoapp\n'),
};

type Evidence = {kind: string; port?: number; text: string; source: string};
type Party = {
	id: string;
	kind: string;
	label: string;
	unit?: string;
	evidence?: Evidence[];
};
type Found = {
	identification: {parties: Party[]; systemdAvailable: boolean};
	priority: {ranking: Array<{party: Party; score: number}>; suggestion?: string};
};

/** The core identification and ranking the resolve screen is fed, run inside the container. */
function identifyInside(machine: SystemdMachine, port: number): Found {
	const core = `${repoRoot}dist/core/conflicts`;
	const script = `
		const {identify} = await import('${core}/identify.js');
		const {systemSources} = await import('${core}/identify-sources.js');
		const {prioritise} = await import('${core}/prioritise.js');
		const identification = await identify({port: ${port}}, systemSources());
		process.stdout.write(JSON.stringify({identification, priority: prioritise(identification)}));
	`;
	const result = machine.run(['node', '--input-type=module', '-e', script]);
	assert.equal(result.status, 0, result.stderr);
	return JSON.parse(result.stdout) as Found;
}

async function until(what: string, check: () => boolean): Promise<void> {
	for (let attempt = 0; attempt < 150; attempt++) {
		if (check()) return;
		await delay(100);
	}
	throw new Error(`never: ${what}`);
}

const unitParties = (found: Found) =>
	found.identification.parties.filter((party) => party.kind === 'unit');

test(
	'a failed unit is a contender for 8080 only on evidence that names 8080 (real systemd)',
	{skip: engineSkip(systemdSkipReason()), timeout: 180_000},
	async (t) => {
		requireEngine(systemdSkipReason());
		const machine = await bootSystemd();
		t.after(() => machine.stop());
		machine.writeFile('/srv/server.py', SERVER_PY);
		machine.writeFile('/etc/default/envfileapp', '# the app\nNAME=demo\nPORT=8080\n');
		machine.writeFile('/etc/default/fifoapp', 'PORT=8080\n');
		machine.writeFile('/etc/redis/redis.conf', 'bind 127.0.0.1\nport 8080\n');
		// Under /run, where only systemd's own view of the unit (not a config scan of /etc) finds it.
		machine.writeFile(
			'/run/systemd/system/envapp.service',
			service(python(''), 'Environment="GREETING=hello world" PORT=8080\n'),
		);
		machine.installUnits({
			'hold8080.service': service(python(' --port 8080')),
			'hold8081.service': service(python(' --port 8081')),
			...FAILING,
		});
		machine.must(['systemctl', 'enable', 'pyapp.service']);
		machine.must(['systemctl', 'start', 'hold8080.service', 'hold8081.service']);
		await until('8080 and 8081 listening', () => {
			const ss = machine.run(['ss', '-Htln']).stdout;
			return /:8080\b/.test(ss) && /:8081\b/.test(ss);
		});
		const failing = [...Object.keys(FAILING), 'envapp.service'];
		for (const unit of failing) machine.run(['systemctl', 'start', unit]);
		for (const unit of failing) {
			await until(`${unit} failed with its error in the journal`, () => {
				const state = machine.run(['systemctl', 'show', '-p', 'ActiveState', unit]);
				const journal = machine.run([
					'journalctl',
					'-u',
					unit,
					'--no-pager',
					'-o',
					'cat',
				]);
				return (
					state.stdout.trim() === 'ActiveState=failed' && /in use/i.test(journal.stdout)
				);
			});
		}

		machine.must(['sh', '-c', 'rm /etc/default/fifoapp && mkfifo /etc/default/fifoapp']);

		await t.test(
			'8080 lists each unit whose evidence names 8080, with that evidence',
			() => {
				const found = identifyInside(machine, 8080);
				assert.equal(found.identification.systemdAvailable, true);
				const units = new Map(unitParties(found).map((party) => [party.unit, party]));
				assert.deepEqual(
					[...units.keys()].sort(),
					[
						'envapp.service',
						'envfileapp.service',
						'nodeapp.service',
						'pyapp.service',
						'redis-server.service',
					],
					JSON.stringify(found.identification.parties, null, 1),
				);
				const kinds = (unit: string) =>
					units.get(unit)!.evidence!.map((evidence) => [evidence.kind, evidence.port]);
				// Node names the port in its error: the failure itself is the evidence.
				assert.deepEqual(kinds('nodeapp.service')[0], ['journal', 8080]);
				assert.match(
					units.get('nodeapp.service')!.evidence![0]!.text,
					/EADDRINUSE.*:8080/,
				);
				// python3 does not: its failure is shown as naming no port, beside what does name it.
				const py = units.get('pyapp.service')!.evidence!;
				assert.deepEqual(
					py.map((evidence) => [evidence.kind, evidence.port]),
					[
						['unnamed', undefined],
						['exec-start', 8080],
					],
				);
				assert.match(py[0]!.text, /OSError: \[Errno 98\] Address already in use/);
				assert.match(py[0]!.source, /pyapp\.service/);
				assert.equal(py[1]!.text, '--port 8080');
				assert.match(units.get('pyapp.service')!.label, /port not named/);
				assert.deepEqual(kinds('envapp.service'), [
					['unnamed', undefined],
					['environment', 8080],
				]);
				assert.equal(units.get('envapp.service')!.evidence![1]!.text, 'PORT=8080');
				const envFile = units.get('envfileapp.service')!.evidence!;
				assert.deepEqual(envFile.at(-1), {
					kind: 'environment',
					port: 8080,
					text: 'PORT=8080',
					source: '/etc/default/envfileapp:3',
				});
				const redis = units.get('redis-server.service')!.evidence!;
				assert.deepEqual(redis.at(-1), {
					kind: 'config',
					port: 8080,
					text: 'port 8080',
					source: '/etc/redis/redis.conf:2',
				});
			},
		);

		await t.test('the holder ranks first where the evidence names no port', () => {
			const {priority} = identifyInside(machine, 8080);
			const order = priority.ranking.map((ranked) => ranked.party.label);
			assert.match(order[0]!, /hold8080\.service/, order.join('\n'));
			assert.equal(priority.suggestion, priority.ranking[0]!.party.id);
			const holderScore = priority.ranking[0]!.score;
			for (const ranked of priority.ranking.slice(1)) {
				if (ranked.party.kind === 'unit' && /port not named/.test(ranked.party.label))
					assert.ok(ranked.score < holderScore, `${ranked.party.label}: ${ranked.score}`);
			}
		});

		await t.test('8081 lists none of the units that failed on 8080', () => {
			const found = identifyInside(machine, 8081);
			assert.deepEqual(
				unitParties(found).map((party) => party.unit),
				[],
				JSON.stringify(found.identification.parties, null, 1),
			);
			assert.match(found.identification.parties[0]!.label, /hold8081\.service/);
			assert.equal(found.priority.suggestion, found.identification.parties[0]!.id);
		});

		await t.test(
			'portui resolve 8080 in a real terminal shows the port-less failure as such',
			{
				skip:
					hasTmux || process.env.CI ? false : 'tmux is not installed (CI installs it)',
			},
			async () => {
				const terminal = new Terminal(140, 60);
				try {
					terminal.start();
					terminal.type(
						[
							'nsenter',
							'-t',
							String(machine.leader),
							'-a',
							'env',
							'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
							'HOME=/root',
							'LANG=C.UTF-8',
							'TERM=xterm-256color',
							'CI=false',
							'node',
							`${repoRoot}dist/cli.js`,
							'resolve',
							'8080',
						].join(' '),
					);
					terminal.key('Enter');
					const identifyScreen = await terminal.waitFor(
						(screen) =>
							screen.includes('pyapp.service') && screen.includes('nodeapp.service'),
						'the identify step with the failed units',
					);
					assert.match(
						identifyScreen,
						/pyapp\.service \(failed with EADDRINUSE, port not named\)/,
					);
					assert.match(
						identifyScreen,
						/port not named: OSError: \[Errno 98\] Address already in use/,
					);
					assert.match(identifyScreen, /ExecStart names 8080: --port 8080/);
					assert.match(
						identifyScreen,
						/journal: Error: listen EADDRINUSE: address already in use :::8080/,
					);
					assert.doesNotMatch(identifyScreen, /bare\.service/);
					terminal.key('Enter');
					const prioritiseScreen = await terminal.waitFor(
						(screen) => screen.includes('Who keeps'),
						'the prioritise step',
					);
					assert.match(prioritiseScreen, /★ python3 \(pid \d+\) hold8080\.service/);
					terminal.key('Escape');
					await terminal.waitFor(
						(screen) => screen.includes('pyapp.service'),
						'identify again',
					);
					terminal.key('Escape');
					await until(
						'portui to exit',
						() => childrenOf(terminal.panePid()).length === 0,
					);
				} finally {
					terminal.stop();
				}
			},
		);
	},
);
