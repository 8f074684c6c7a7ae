import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {
	executeTermination,
	isTargetAllowed,
	parseSignal,
	planTermination,
	terminatePort,
	type TerminateAction,
	type TerminateEvent,
	type TerminatePlan,
	type TerminateSystem,
} from '../../../source/core/conflicts/terminate.js';
import {
	defaultTerminateSystem,
	multiplexerPids,
	unitStopperFrom,
} from '../../../source/core/conflicts/terminate-system.js';
import {
	createSystemctlManager,
	ServiceManagerUnavailableError,
} from '../../../source/core/processes/systemd.js';
import {readProcessStat} from '../../../source/core/processes/identity.js';
import {PermissionError} from '../../../source/core/errors.js';
import {readListeners} from '../../../source/core/sockets/reader.js';
import type {Listener} from '../../../source/core/sockets/listener.js';
import {
	alive,
	cleanupListeners,
	startListener,
	waitGone,
	type Fixture,
} from '../../helpers/terminate-fixtures.js';
import {namespacesUnavailable, startPidNamespace} from '../../helpers/pid-namespace.js';

// Stands in for portui: the fixtures are children of the test process, so the
// test process itself must not be "portui" (it would own them, and be refused).
let standIn: ChildProcess;
let bystander: Fixture;
const recorded: TerminateAction[] = [];
const signalled: Array<[number, NodeJS.Signals]> = [];

function system(overrides: Partial<TerminateSystem> = {}): Partial<TerminateSystem> {
	const real = defaultTerminateSystem();
	return {
		selfPid: standIn.pid!,
		record: (action) => recorded.push(action),
		kill: (pid, signal) => {
			signalled.push([pid, signal]);
			real.kill(pid, signal);
		},
		...overrides,
	};
}

async function collect(
	run: AsyncGenerator<TerminateEvent, unknown>,
): Promise<TerminateEvent[]> {
	const events: TerminateEvent[] = [];
	for await (const event of run) events.push(event);
	return events;
}

function done(events: TerminateEvent[]) {
	const last = events.at(-1);
	assert.equal(last?.type, 'done');
	return (last as Extract<TerminateEvent, {type: 'done'}>).result;
}

function portListeners(port: number): Listener[] {
	return readListeners().listeners.filter((listener) => listener.port === port);
}

before(async () => {
	standIn = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
		stdio: 'ignore',
	});
	await once(standIn, 'spawn');
	bystander = await startListener('plain');
});

after(() => {
	standIn.kill('SIGKILL');
	cleanupListeners();
});

test('parseSignal takes names with or without SIG, any case, and numbers', () => {
	assert.equal(parseSignal('TERM'), 'SIGTERM');
	assert.equal(parseSignal('sigkill'), 'SIGKILL');
	assert.equal(parseSignal('15'), 'SIGTERM');
	assert.equal(parseSignal('hup'), 'SIGHUP');
	assert.equal(parseSignal('FOO'), undefined);
	assert.equal(parseSignal('999'), undefined);
});

test('a plain server: SIGTERM, gone, port free, and nothing else signalled', async () => {
	const server = await startListener('plain');
	signalled.length = 0;
	const plan = await planTermination(server.port, {system: system()});
	assert.equal(plan.targets.length, 1);
	assert.equal(plan.targets[0]!.kind, 'process');
	assert.equal(plan.targets[0]!.refusal, undefined);
	assert.deepEqual(
		plan.targets[0]!.holders.map((holder) => holder.pid),
		server.pids,
	);
	const events = await collect(executeTermination(plan, {system: system()}));
	const result = done(events);
	assert.equal(result.free, true);
	assert.equal(await server.exited, 'SIGTERM');
	assert.deepEqual(signalled, [[server.pids[0], 'SIGTERM']]);
	assert.deepEqual(portListeners(server.port), []);
	assert.equal(alive(bystander.pids[0]!), true, 'the bystander on another port survived');
	assert.ok(portListeners(bystander.port).length > 0);
	const action = result.actions.find((entry) => entry.outcome === 'done');
	assert.equal(action?.pid, server.pids[0]);
	assert.equal(action?.signal, 'SIGTERM');
	assert.ok(
		recorded.some((entry) => entry === action),
		'the action went to the audit log',
	);
});

test('a server ignoring SIGTERM: countdown, then SIGKILL with force', async () => {
	const server = await startListener('ignore-term');
	signalled.length = 0;
	const events: TerminateEvent[] = [];
	const {result} = await terminatePort(server.port, {
		timeoutMs: 1000,
		force: true,
		system: system(),
		onEvent: (event) => events.push(event),
	});
	assert.equal(result.free, true);
	assert.equal(await server.exited, 'SIGKILL');
	assert.deepEqual(signalled, [
		[server.pids[0], 'SIGTERM'],
		[server.pids[0], 'SIGKILL'],
	]);
	assert.ok(events.some((event) => event.type === 'countdown'));
	const survivors = events.find((event) => event.type === 'survivors');
	assert.deepEqual(survivors, {type: 'survivors', pids: server.pids, willKill: true});
	assert.equal(alive(bystander.pids[0]!), true);
});

test('without force, survivors get SIGKILL only when confirmKill says yes', async () => {
	const server = await startListener('ignore-term');
	signalled.length = 0;
	let asked: number[] = [];
	const refused = await terminatePort(server.port, {
		timeoutMs: 300,
		verifyTimeoutMs: 0,
		system: system(),
		confirmKill: async (survivors) => {
			asked = survivors.map((holder) => holder.pid);
			return false;
		},
	});
	assert.deepEqual(asked, server.pids);
	assert.equal(refused.result.free, false);
	assert.equal(alive(server.pids[0]!), true);
	assert.deepEqual(signalled, [[server.pids[0], 'SIGTERM']]);

	const confirmed = await terminatePort(server.port, {
		timeoutMs: 300,
		system: system(),
		confirmKill: async () => true,
	});
	assert.equal(confirmed.result.free, true);
	assert.equal(await server.exited, 'SIGKILL');
});

test('a parent and the forked child sharing its socket are both stopped; its other child is not', async () => {
	const server = await startListener('with-child');
	assert.equal(server.pids.length, 2);
	const plan = await planTermination(server.port, {system: system()});
	assert.deepEqual(
		plan.targets.flatMap((target) => target.holders.map((holder) => holder.pid)).sort(),
		[...server.pids].sort(),
	);
	signalled.length = 0;
	const result = done(await collect(executeTermination(plan, {system: system()})));
	assert.equal(result.free, true);
	assert.deepEqual(await waitGone(server.pids), []);
	assert.deepEqual(
		signalled.map(([pid]) => pid).sort(),
		[...server.pids].sort(),
		'only the two holders were signalled',
	);
	assert.equal(
		alive(server.sleeper!),
		true,
		'the child that did not hold the socket survived',
	);
	assert.equal(alive(bystander.pids[0]!), true);
});

function withRecordedStart(plan: TerminatePlan, startTicks: number): TerminatePlan {
	return {
		...plan,
		targets: plan.targets.map((target) => ({
			...target,
			holders: target.holders.map((holder) => ({...holder, startTicks})),
		})),
	};
}

test('pid reuse guard: a recorded start time that no longer matches is refused, nothing signalled', async () => {
	const server = await startListener('plain');
	const plan = await planTermination(server.port, {system: system()});
	const stale = withRecordedStart(plan, plan.targets[0]!.holders[0]!.startTicks - 1);
	signalled.length = 0;
	const result = done(
		await collect(executeTermination(stale, {verifyTimeoutMs: 0, system: system()})),
	);
	assert.deepEqual(signalled, []);
	assert.equal(alive(server.pids[0]!), true);
	assert.equal(result.free, false);
	const refusal = result.actions.find((action) => action.outcome === 'refused');
	assert.equal(
		refusal?.message,
		`process ${server.pids[0]} is no longer the one that held :${server.port}; nothing was signalled`,
	);
});

test('a process that no longer holds the planned socket is refused, nothing signalled', async () => {
	const server = await startListener('plain');
	const plan = await planTermination(server.port, {system: system()});
	const other: TerminatePlan = {
		...plan,
		targets: plan.targets.map((target) => ({
			...target,
			holders: target.holders.map((holder) => ({
				...holder,
				inodes: [bystander.port + 1e9],
			})),
		})),
	};
	signalled.length = 0;
	const result = done(
		await collect(executeTermination(other, {verifyTimeoutMs: 0, system: system()})),
	);
	assert.deepEqual(signalled, []);
	assert.equal(alive(server.pids[0]!), true);
	assert.match(result.actions[0]!.message, /no longer holds :\d+; nothing was signalled/);
});

test('abort before the first signal: nothing is signalled', async () => {
	const server = await startListener('plain');
	const plan = await planTermination(server.port, {system: system()});
	const controller = new AbortController();
	controller.abort();
	signalled.length = 0;
	const events = await collect(
		executeTermination(plan, {abortSignal: controller.signal, system: system()}),
	);
	assert.deepEqual(
		events.find((event) => event.type === 'aborted'),
		{type: 'aborted', signalled: false},
	);
	assert.equal(done(events).aborted, true);
	assert.deepEqual(signalled, []);
	assert.equal(alive(server.pids[0]!), true);
});

test('EPERM from kill says "needs root: run with sudo"', async () => {
	const server = await startListener('plain');
	const denied = system({
		kill: () => {
			throw Object.assign(new Error('kill EPERM'), {code: 'EPERM'});
		},
	});
	const {result} = await terminatePort(server.port, {verifyTimeoutMs: 0, system: denied});
	assert.equal(result.free, false);
	const failure = result.actions.find((action) => action.outcome === 'failed');
	assert.match(failure!.message, /needs root: run with sudo$/);
	assert.equal(alive(server.pids[0]!), true);
});

/** A port "held" by the given pid, for refusal rules that no real test process can play. */
function fakeHolder(pid: number): Partial<TerminateSystem> {
	const stat = readProcessStat(pid);
	const listener: Listener = {
		protocol: 'tcp',
		family: 4,
		address: '127.0.0.1',
		port: 1,
		state: 'LISTEN',
		inode: 424242,
		uid: 0,
		user: 'root',
		processesHidden: false,
		processes: [
			{
				pid,
				name: stat.name,
				command: stat.name,
				uid: 0,
				user: 'root',
				startTicks: stat.startTicks,
				startedAtMs: 0,
			},
		],
	};
	return system({
		readListeners: () => ({
			listeners: [listener],
			takenAtMs: 0,
			isRoot: true,
			hiddenCount: 0,
		}),
		socketInodesOf: () => new Set([424242]),
		readSockets: () => [{protocol: 'tcp', port: 1, inode: 424242}],
	});
}

test('PID 1 and kernel threads are refused and never signalled', async () => {
	for (const [pid, reason] of [
		[1, /PID 1/],
		[2, /kernel thread/],
	] as const) {
		let stat;
		try {
			stat = readProcessStat(pid);
		} catch {
			continue; // No kthreadd visible in this pid namespace.
		}
		if (pid === 2 && (stat.flags & 0x00200000) === 0) continue;
		const fake = fakeHolder(pid);
		const plan = await planTermination(1, {system: fake});
		assert.equal(plan.targets[0]!.refusal?.confirmable, false);
		assert.match(plan.targets[0]!.refusal!.reason, reason);
		signalled.length = 0;
		const result = done(
			await collect(
				executeTermination(plan, {
					verifyTimeoutMs: 0,
					confirmedPids: [pid],
					system: fake,
				}),
			),
		);
		assert.deepEqual(signalled, []);
		assert.equal(result.actions[0]!.outcome, 'refused');
		assert.equal(result.free, false);
	}
});

test('portui itself and the processes it started are refused', async () => {
	const server = await startListener('plain');
	// Seen from the test process, which started the server.
	const plan = await planTermination(server.port, {
		system: system({selfPid: process.pid}),
	});
	assert.match(plan.targets[0]!.refusal!.reason, /portui itself/);
	assert.equal(isTargetAllowed(plan.targets[0]!, server.pids), false);
	signalled.length = 0;
	done(
		await collect(
			executeTermination(plan, {
				verifyTimeoutMs: 0,
				confirmedPids: server.pids,
				system: system({selfPid: process.pid}),
			}),
		),
	);
	assert.deepEqual(signalled, []);
	assert.equal(alive(server.pids[0]!), true);
	const self = await planTermination(1, {
		system: {...fakeHolder(process.pid), selfPid: process.pid},
	});
	assert.match(self.targets[0]!.refusal!.reason, /portui itself/);
});

test('an ancestor of the session needs its pid typed; then it is signalled', async () => {
	const server = await startListener('plain');
	const session = system({sessionAncestors: () => new Set(server.pids)});
	const plan = await planTermination(server.port, {system: session});
	const refusal = plan.targets[0]!.refusal;
	assert.equal(refusal?.confirmable, true);
	assert.deepEqual(refusal?.confirmPids, server.pids);
	assert.match(refusal!.reason, /drop the session/);
	signalled.length = 0;
	const unconfirmed = done(
		await collect(
			executeTermination(plan, {
				verifyTimeoutMs: 0,
				confirmedPids: [12345],
				system: session,
			}),
		),
	);
	assert.equal(unconfirmed.free, false);
	assert.deepEqual(signalled, []);
	assert.equal(alive(server.pids[0]!), true);
	const confirmed = done(
		await collect(
			executeTermination(plan, {confirmedPids: server.pids, system: session}),
		),
	);
	assert.equal(confirmed.free, true);
	assert.equal(await server.exited, 'SIGTERM');
});

test('the real ancestors of portui are found without help (the test process here)', async () => {
	const fake = {...fakeHolder(process.pid), selfPid: standIn.pid!};
	const plan = await planTermination(1, {system: fake});
	assert.equal(plan.targets[0]!.refusal?.confirmable, true);
	assert.deepEqual(plan.targets[0]!.refusal?.confirmPids, [process.pid]);
});

test('a holder in a systemd service is stopped through the service manager, not signalled', async () => {
	const server = await startListener('ignore-term');
	const calls: string[] = [];
	const units = {
		available: async () => true,
		// Plays systemd: stopping the unit ends its processes.
		stop: async (unit: string) => {
			calls.push(`stop ${unit}`);
			process.kill(server.pids[0]!, 'SIGKILL');
		},
		disable: async (unit: string) => {
			calls.push(`disable ${unit}`);
		},
	};
	const managed = system({
		units,
		readCgroup: (pid) =>
			server.pids.includes(pid) ? {unit: 'demo.service', slice: 'system.slice'} : {},
	});
	const plan = await planTermination(server.port, {system: managed});
	assert.equal(plan.targets.length, 1);
	assert.equal(plan.targets[0]!.kind, 'unit');
	assert.equal(plan.targets[0]!.unit, 'demo.service');
	assert.match(plan.targets[0]!.description, /^systemctl stop demo\.service/);
	signalled.length = 0;
	const result = done(
		await collect(executeTermination(plan, {disableUnits: true, system: managed})),
	);
	assert.deepEqual(calls, ['stop demo.service', 'disable demo.service']);
	assert.deepEqual(signalled, [], 'no signal of our own: systemd stops its unit');
	assert.equal(result.free, true);
	assert.deepEqual(
		result.actions.map((action) => [action.action, action.outcome]),
		[
			['stop-unit', 'done'],
			['disable-unit', 'done'],
		],
	);
});

test('unit classification: engines refused, sessions and unavailable systemd fall back to signals', async () => {
	const server = await startListener('plain');
	const plan = async (cgroup: object, available = true) =>
		planTermination(server.port, {
			system: system({
				units: {available: async () => available, stop: async () => {}},
				readCgroup: (pid) => (server.pids.includes(pid) ? cgroup : {}),
			}),
		});
	const engine = await plan({unit: 'docker.service'});
	assert.match(engine.targets[0]!.refusal!.reason, /every container/);
	assert.equal((await plan({unit: 'user@0.service'})).targets[0]!.kind, 'process');
	assert.equal(
		(await plan({unit: 'ssh.service', userSession: '3'})).targets[0]!.kind,
		'process',
	);
	assert.equal((await plan({unit: 'demo.service'}, false)).targets[0]!.kind, 'process');
	// portui itself running inside the holder's unit (say, started from its ExecStartPre).
	const inside = await planTermination(server.port, {
		system: system({
			units: {available: async () => true, stop: async () => {}},
			readCgroup: (pid) =>
				server.pids.includes(pid) || pid === standIn.pid ? {unit: 'demo.service'} : {},
		}),
	});
	assert.match(inside.targets[0]!.refusal!.reason, /portui runs inside demo\.service/);
});

test('the real systemctl adapter says "unavailable" where systemd is not init', async () => {
	const manager = createSystemctlManager({isInit: () => false});
	const units = unitStopperFrom(manager);
	assert.equal(await units.available(), false);
	await assert.rejects(units.stop('demo.service'), ServiceManagerUnavailableError);
});

test('containers are stopped through their runtime; kubepods are refused', async () => {
	const server = await startListener('ignore-term');
	const id = 'ab'.repeat(32);
	const stopped: string[] = [];
	const containerised = (runtime: string) =>
		system({
			readCgroup: (pid) => (server.pids.includes(pid) ? {container: {runtime, id}} : {}),
			containers: {
				stop: async (name, container) => {
					stopped.push(`${name} ${container}`);
					process.kill(server.pids[0]!, 'SIGKILL');
				},
			},
		});
	const kube = await planTermination(server.port, {system: containerised('kubepods')});
	assert.match(kube.targets[0]!.refusal!.reason, /kubepods/);
	const plan = await planTermination(server.port, {system: containerised('docker')});
	assert.equal(plan.targets[0]!.kind, 'container');
	assert.match(plan.targets[0]!.description, /^docker stop abababababab/);
	signalled.length = 0;
	const result = done(
		await collect(executeTermination(plan, {system: containerised('docker')})),
	);
	assert.deepEqual(stopped, [`docker ${id}`]);
	assert.deepEqual(signalled, []);
	assert.equal(result.free, true);
});

test('docker-proxy resolves to its container, or is refused: dockerd is never the target', async () => {
	const server = await startListener('plain');
	const asProxy = (found: boolean) =>
		system({
			readListeners: () => {
				const snapshot = readListeners();
				for (const listener of snapshot.listeners) {
					for (const holder of listener.processes) {
						if (server.pids.includes(holder.pid)) holder.name = 'docker-proxy';
					}
				}
				return snapshot;
			},
			containers: {
				stop: async () => {},
				resolveProxy: async () =>
					found ? {runtime: 'docker', id: 'cd'.repeat(32)} : undefined,
			},
		});
	const resolved = await planTermination(server.port, {system: asProxy(true)});
	assert.equal(resolved.targets[0]!.kind, 'container');
	assert.equal(resolved.targets[0]!.container?.id, 'cd'.repeat(32));
	const unresolved = await planTermination(server.port, {system: asProxy(false)});
	assert.match(unresolved.targets[0]!.refusal!.reason, /docker-proxy/);
});

test('a port nobody listens on plans nothing', async () => {
	const server = await startListener('plain');
	server.child.kill('SIGKILL');
	await server.exited;
	const plan = await planTermination(server.port, {system: system()});
	assert.deepEqual(plan.sockets, []);
	assert.deepEqual(plan.targets, []);
});

test('the tmux server serving this terminal counts as the session', () => {
	assert.deepEqual([...multiplexerPids({TMUX: '/tmp/tmux-0/default,4321,0'})], [4321]);
	assert.deepEqual([...multiplexerPids({})], []);
});

test('a port whose holders portui may not see is a PermissionError, not an empty plan', async () => {
	const hidden = system({
		readListeners: () => ({
			listeners: [
				{
					protocol: 'tcp',
					family: 4,
					address: '0.0.0.0',
					port: 2,
					state: 'LISTEN',
					inode: 77,
					uid: 1000,
					user: 'someone',
					processes: [],
					processesHidden: true,
				},
			],
			takenAtMs: 0,
			isRoot: false,
			hiddenCount: 1,
		}),
	});
	await assert.rejects(planTermination(2, {system: hidden}), (error: Error) => {
		assert.ok(error instanceof PermissionError);
		assert.match(error.message, /needs root/);
		return true;
	});
});

test('stopping one of two parties on a UDP port leaves the other: not free, the other named', async () => {
	const loser = await startListener('udp');
	const winner = await startListener('udp', loser.port);
	const full = await planTermination(loser.port, {protocols: ['udp'], system: system()});
	assert.deepEqual(full.protocols, ['udp']);
	assert.equal(full.targets.length, 2);
	// As the resolve flow does: act on the losing party's targets only.
	const plan: TerminatePlan = {
		...full,
		targets: full.targets.filter((target) => target.holders[0]!.pid === loser.pids[0]),
	};
	signalled.length = 0;
	const result = done(await collect(executeTermination(plan, {system: system()})));
	assert.equal(await loser.exited, 'SIGTERM');
	assert.deepEqual(signalled, [[loser.pids[0], 'SIGTERM']]);
	assert.equal(result.free, false);
	assert.deepEqual(
		result.remaining.flatMap((listener) =>
			listener.processes.map((holder) => holder.pid),
		),
		winner.pids,
	);
	assert.equal(alive(winner.pids[0]!), true);
});

test(
	'a PID namespace init needs its pid typed and says what stops with it; refused, nothing in it is signalled',
	{skip: namespacesUnavailable},
	async (t) => {
		const ns = await startPidNamespace('init-ignores-term');
		t.after(() => ns.stop());
		const plan = await planTermination(ns.ports.init!, {system: system()});
		signalled.length = 0;
		// Forced, and with another pid of the namespace typed: still not the init's.
		const result = done(
			await collect(
				executeTermination(plan, {
					timeoutMs: 500,
					verifyTimeoutMs: 0,
					force: true,
					confirmedPids: [ns.hostPid.get(2)!],
					system: system(),
				}),
			),
		);
		assert.deepEqual(signalled, [], 'nothing was signalled');
		assert.deepEqual(ns.alive(), ns.members, 'every process of the namespace still runs');
		assert.deepEqual(ns.caught(), [], 'none of them caught a signal');
		assert.equal(result.free, false);
		assert.equal(result.actions[0]!.outcome, 'refused');
		assert.match(
			result.actions[0]!.message,
			/init of a PID namespace: 3 processes stop with it/,
		);

		assert.equal(plan.targets.length, 1);
		const [target] = plan.targets;
		assert.equal(target!.kind, 'process');
		assert.deepEqual(target!.refusal, {
			reason: `${ns.init} is the init of a PID namespace: 3 processes stop with it`,
			confirmable: true,
			confirmPids: [ns.init],
		});
		assert.deepEqual(target!.namespaceInit, {
			pid: ns.init,
			processes: 3,
			countIncomplete: false,
			catchesTerm: false,
		});
		assert.deepEqual(target!.notes, [
			`${ns.init} has no SIGTERM handler, so the kernel drops SIGTERM sent to it: only SIGKILL stops it, and then all 3 processes at once`,
		]);
	},
);

test(
	'confirmed, a namespace init that catches SIGTERM gets it, and its namespace ends',
	{skip: namespacesUnavailable},
	async (t) => {
		const ns = await startPidNamespace('init-catches-term');
		t.after(() => ns.stop());
		const plan = await planTermination(ns.ports.init!, {system: system()});
		assert.equal(plan.targets[0]!.refusal?.confirmable, true);
		assert.deepEqual(plan.targets[0]!.notes ?? [], []);
		signalled.length = 0;
		const result = done(
			await collect(
				executeTermination(plan, {confirmedPids: [ns.init], system: system()}),
			),
		);
		assert.deepEqual(signalled, [[ns.init, 'SIGTERM']]);
		assert.equal(result.free, true);
		assert.deepEqual(await ns.waitGone(), []);
		assert.deepEqual(ns.caught(), ['init 1 SIGTERM'], 'only the init was signalled');
	},
);

test(
	'confirmed and forced, an init without a SIGTERM handler outlives SIGTERM; SIGKILL ends the namespace',
	{skip: namespacesUnavailable},
	async (t) => {
		const ns = await startPidNamespace('init-ignores-term');
		t.after(() => ns.stop());
		signalled.length = 0;
		const events: TerminateEvent[] = [];
		const {plan, result} = await terminatePort(ns.ports.init!, {
			timeoutMs: 1000,
			force: true,
			confirmedPids: [ns.init],
			system: system(),
			onEvent: (event) => events.push(event),
		});
		assert.deepEqual(signalled, [
			[ns.init, 'SIGTERM'],
			[ns.init, 'SIGKILL'],
		]);
		assert.deepEqual(
			events.find((event) => event.type === 'survivors'),
			{type: 'survivors', pids: [ns.init], willKill: true},
			'the kernel dropped SIGTERM: the init was still there after the countdown',
		);
		assert.equal(result.free, true);
		assert.deepEqual(await ns.waitGone(), []);
		assert.deepEqual(ns.caught(), [], 'SIGKILL is never caught; nothing else was sent');
		assert.match(plan.targets[0]!.notes![0]!, /the kernel drops SIGTERM sent to it/);
	},
);

test(
	"a container's init goes through its runtime, with no pid to type, and the plan says what stops",
	{skip: namespacesUnavailable},
	async (t) => {
		const ns = await startPidNamespace('init-catches-term');
		t.after(() => ns.stop());
		const id = 'ef'.repeat(32);
		const stopped: string[] = [];
		// Plays the engine: its cgroup names the container, and docker stop ends its init.
		const containerised = system({
			readCgroup: (pid) =>
				ns.members.includes(pid) ? {container: {runtime: 'docker', id}} : {},
			containers: {
				stop: async (runtime, container) => {
					stopped.push(`${runtime} ${container}`);
					process.kill(ns.init, 'SIGKILL');
				},
			},
		});
		const plan = await planTermination(ns.ports.init!, {system: containerised});
		assert.equal(plan.targets[0]!.kind, 'container');
		assert.equal(plan.targets[0]!.refusal, undefined);
		assert.deepEqual(plan.targets[0]!.notes, [
			`${ns.init} is the init of the PID namespace of docker container efefefefefef: 3 processes stop with it`,
		]);
		signalled.length = 0;
		const result = done(await collect(executeTermination(plan, {system: containerised})));
		assert.deepEqual(stopped, [`docker ${id}`]);
		assert.deepEqual(signalled, []);
		assert.equal(result.free, true);
	},
);
