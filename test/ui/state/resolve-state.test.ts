import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {Identification, Party} from '../../../source/core/conflicts/identify.js';
import type {
	ActionOutcome,
	ReconfigurePreview,
	TerminatePreview,
} from '../../../source/core/conflicts/resolve-actions.js';
import {
	canRun,
	initialResolveState,
	losers,
	NOBODY,
	needsTypedPid,
	resolveReducer,
	type ResolveAction,
	type ResolveState,
} from '../../../source/ui/state/resolve-state.js';

const holder: Party = {
	kind: 'holder',
	id: 'holder:100',
	label: 'node (pid 100)',
	facts: {connections: 0, runsAsService: false, fromShell: true},
	declarations: [],
	processes: [
		{
			pid: 100,
			name: 'node',
			command: 'node a.js',
			user: 'me',
			uid: 1000,
			startTicks: 5,
			startedAtMs: 1,
		},
	],
	sockets: [],
};
const contender: Party = {
	kind: 'unit',
	id: 'unit:nginx.service',
	label: 'nginx.service',
	unit: 'nginx.service',
	state: 'failed',
	evidence: [],
	portNamed: true,
	declarations: [],
	facts: {
		unit: 'nginx.service',
		unitEnabled: true,
		wellKnownMatch: 'nginx',
		connections: 0,
		runsAsService: true,
		fromShell: false,
	},
};
const identification: Identification = {
	port: 80,
	protocol: 'tcp',
	service: 'http',
	parties: [holder, contender],
	systemdAvailable: true,
	hiddenHolders: 0,
	takenAtMs: 0,
};
const terminatePreview: TerminatePreview = {
	action: 'terminate',
	partyId: 'holder:100',
	steps: ['SIGTERM pid 100 (node a.js, me)'],
	targets: [
		{kind: 'process', pid: 100, name: 'node', command: 'node a.js', startTicks: 5},
	],
	timeoutSeconds: 5,
	warnings: [],
};
const outcome: ActionOutcome = {
	action: 'terminate',
	ok: true,
	changes: [{kind: 'process-stopped', pid: 100, name: 'node', signal: 'SIGTERM'}],
	portFree: true,
	survivors: [],
	todo: [],
	message: '80 is free',
};

const run = (state: ResolveState, ...actions: ResolveAction[]) =>
	actions.reduce(resolveReducer, state);

const start = () => initialResolveState(80);
const identified = () => run(start(), {type: 'identified', identification});
const prioritising = () => run(identified(), {type: 'next'});
const choosing = () =>
	run(prioritising(), {type: 'choose-winner', partyId: 'unit:nginx.service'});
const previewing = () =>
	run(choosing(), {type: 'choose-action', partyId: 'holder:100', action: 'terminate'});
const previewed = () =>
	run(previewing(), {type: 'preview-ready', preview: terminatePreview});
const confirming = () => run(previewed(), {type: 'confirm'});
const running = () => run(confirming(), {type: 'confirm'});
const done = () => run(running(), {type: 'outcome', outcome});

test('identify: loading until identified, then the ranking is computed', () => {
	const state = start();
	assert.equal(state.step, 'identify');
	assert.equal(state.loading, true);
	assert.equal(run(state, {type: 'next'}).step, 'identify', 'no next while loading');
	const ready = identified();
	assert.equal(ready.loading, false);
	assert.equal(ready.priority?.suggestion, 'unit:nginx.service');
	assert.equal(run(ready, {type: 'refresh'}).loading, true);
});

test('identify: an error is shown and refresh clears it', () => {
	const failed = run(start(), {type: 'failed', message: 'boom'});
	assert.equal(failed.error, 'boom');
	assert.equal(failed.loading, false);
	assert.equal(run(failed, {type: 'refresh'}).error, undefined);
});

test('identify: next refuses when nobody is involved', () => {
	const empty = run(start(), {
		type: 'identified',
		identification: {...identification, parties: []},
	});
	const next = run(empty, {type: 'next'});
	assert.equal(next.step, 'identify');
	assert.match(next.error!, /nothing holds or wants tcp\/80/);
});

test('identify: typing a need adds a typed contender and re-ranks', () => {
	const typing = run(
		identified(),
		{type: 'need-start'},
		{type: 'need-input', text: 'my api'},
	);
	assert.equal(typing.needDraft, 'my api');
	assert.equal(
		run(typing, {type: 'next'}).step,
		'identify',
		'Enter submits the need, not the step',
	);
	const submitted = run(typing, {type: 'need-submit'});
	assert.equal(submitted.needDraft, undefined);
	assert.ok(submitted.identification!.parties.some((party) => party.id === 'typed'));
	assert.ok(submitted.priority!.ranking.some((ranked) => ranked.party.id === 'typed'));
	// A typed need is never something to act on.
	const chosen = run(
		submitted,
		{type: 'next'},
		{type: 'choose-winner', partyId: 'holder:100'},
	);
	assert.deepEqual(
		losers(chosen).map((party) => party.id),
		['unit:nginx.service'],
	);
});

test('prioritise: choosing a winner moves to the action step; unknown ids are ignored', () => {
	assert.equal(prioritising().step, 'prioritise');
	assert.equal(
		run(prioritising(), {type: 'choose-winner', partyId: 'nope'}).step,
		'prioritise',
	);
	const state = choosing();
	assert.equal(state.step, 'action');
	assert.equal(state.winnerId, 'unit:nginx.service');
	assert.deepEqual(
		losers(state).map((party) => party.id),
		['holder:100'],
	);
});

test('action: the winner cannot be its own target; choosing loads a preview', () => {
	assert.equal(
		run(choosing(), {
			type: 'choose-action',
			partyId: 'unit:nginx.service',
			action: 'terminate',
		}).step,
		'action',
	);
	const state = previewing();
	assert.equal(state.step, 'preview');
	assert.equal(state.loading, true);
	assert.equal(state.targetId, 'holder:100');
	assert.equal(state.action, 'terminate');
	assert.equal(
		run(state, {type: 'confirm'}).step,
		'preview',
		'no confirm before the preview',
	);
});

test('action: cancel ends the flow with nothing done', () => {
	const state = run(choosing(), {type: 'cancel'});
	assert.equal(state.exit, true);
	assert.equal(state.outcome, undefined);
});

test('preview: a preview for another party is ignored; a refused one cannot be confirmed', () => {
	const stale = run(previewing(), {
		type: 'preview-ready',
		preview: {...terminatePreview, partyId: 'other'},
	});
	assert.equal(stale.preview, undefined);
	const refused = run(previewing(), {
		type: 'preview-ready',
		preview: {...terminatePreview, refused: 'PID 1 is never signalled'},
	});
	assert.equal(run(refused, {type: 'confirm'}).step, 'preview');
	assert.equal(canRun(refused), false);
});

test('confirm then run: progress lines replace their running state, countdown shows', () => {
	assert.equal(confirming().step, 'confirm');
	assert.equal(needsTypedPid(confirming()), false);
	const state = running();
	assert.equal(state.step, 'running');
	const progressed = run(
		state,
		{
			type: 'progress',
			event: {kind: 'step', step: 'signal', status: 'running', text: 'SIGTERM 100'},
		},
		{
			type: 'progress',
			event: {kind: 'countdown', secondsLeft: 4, signal: 'SIGTERM', pids: [100]},
		},
		{
			type: 'progress',
			event: {kind: 'step', step: 'signal', status: 'done', text: 'SIGTERM 100'},
		},
	);
	assert.equal(progressed.countdown, 4);
	assert.deepEqual(
		progressed.progress.map((event) => event.kind === 'step' && event.status),
		['done'],
	);
});

test('running: SIGKILL question, answered yes or declined with Esc, then done', () => {
	const asked = run(running(), {type: 'ask-kill', survivors: [{pid: 100, name: 'node'}]});
	assert.equal(asked.step, 'force');
	assert.deepEqual(asked.survivors, [{pid: 100, name: 'node'}]);
	const yes = run(asked, {type: 'answer-kill', kill: true});
	assert.equal(yes.step, 'running');
	assert.equal(yes.killAnswer, true);
	const declined = run(asked, {type: 'back'});
	assert.equal(declined.step, 'running');
	assert.equal(declined.killAnswer, false);
	const finished = run(declined, {
		type: 'outcome',
		outcome: {...outcome, ok: false, survivors: [{pid: 100, name: 'node'}]},
	});
	assert.equal(finished.step, 'done');
	assert.equal(finished.outcome!.ok, false);
});

test('done: the outcome and audit path are kept; Esc leaves', () => {
	const state = run(done(), {type: 'audited', path: '/tmp/actions.log'});
	assert.equal(state.step, 'done');
	assert.equal(state.outcome!.message, '80 is free');
	assert.equal(state.auditPath, '/tmp/actions.log');
	assert.equal(run(state, {type: 'back'}).exit, true);
});

test('an error while running ends on the done step with the error shown', () => {
	const state = run(running(), {type: 'failed', message: 'needs root: run with sudo'});
	assert.equal(state.step, 'done');
	assert.equal(state.error, 'needs root: run with sudo');
});

test('Esc backs out of every step before running, one step at a time, changing nothing', () => {
	const back = (state: ResolveState) => resolveReducer(state, {type: 'back'});
	assert.equal(back(start()).exit, true, 'Esc on identify leaves');
	const typing = run(identified(), {type: 'need-start'});
	assert.equal(
		back(typing).needDraft,
		undefined,
		'Esc while typing a need drops the draft',
	);
	assert.equal(back(typing).exit, false);
	assert.equal(back(prioritising()).step, 'identify');
	const fromAction = back(choosing());
	assert.equal(fromAction.step, 'prioritise');
	assert.equal(fromAction.winnerId, undefined);
	const fromPreview = back(previewed());
	assert.equal(fromPreview.step, 'action');
	assert.equal(fromPreview.preview, undefined);
	assert.equal(fromPreview.targetId, undefined);
	const fromLoadingPreview = back(previewing());
	assert.equal(fromLoadingPreview.step, 'action');
	assert.equal(fromLoadingPreview.loading, false);
	const fromConfirm = back(run(confirming(), {type: 'type-pid', text: '12'}));
	assert.equal(fromConfirm.step, 'preview');
	assert.equal(fromConfirm.typedPid, '');
	// Nothing before running ever produced an outcome.
	for (const state of [
		start(),
		identified(),
		prioritising(),
		choosing(),
		previewed(),
		confirming(),
	]) {
		assert.equal(state.outcome, undefined);
		assert.deepEqual(state.progress, []);
	}
});

test('Esc while running does nothing: a sent signal cannot be unsent', () => {
	const state = running();
	assert.equal(resolveReducer(state, {type: 'back'}), state);
	assert.equal(resolveReducer(state, {type: 'cancel'}), state);
});

test('an ancestor of this session needs its pid typed before running', () => {
	const ancestorPreview: TerminatePreview = {
		...terminatePreview,
		ancestor: {pid: 4242, name: 'sshd'},
	};
	const state = run(
		previewing(),
		{type: 'preview-ready', preview: ancestorPreview},
		{type: 'confirm'},
	);
	assert.equal(state.step, 'confirm');
	assert.equal(needsTypedPid(state), true);
	assert.equal(run(state, {type: 'confirm'}).step, 'confirm', 'no pid typed');
	const wrong = run(state, {type: 'type-pid', text: '4243'}, {type: 'confirm'});
	assert.equal(wrong.step, 'confirm');
	const typed = run(state, {type: 'type-pid', text: '42x42'});
	assert.equal(typed.typedPid, '4242', 'non-digits are dropped');
	assert.equal(run(typed, {type: 'confirm'}).step, 'running');
});

test('a reconfigure preview confirms without a pid', () => {
	const preview: ReconfigurePreview = {
		action: 'reconfigure',
		partyId: 'holder:100',
		fromPort: 80,
		toPort: 81,
		declarations: [],
		changes: [{file: '/srv/.env', diff: '-PORT=80\n+PORT=81\n'}],
		restartByHand: false,
		warnings: [],
	};
	const state = run(
		choosing(),
		{type: 'choose-action', partyId: 'holder:100', action: 'reconfigure'},
		{type: 'preview-ready', preview},
		{type: 'confirm'},
		{type: 'confirm'},
	);
	assert.equal(state.step, 'running');
});

test('prioritise: "nobody" keeps the port, and every party but a typed need is a target', () => {
	const state = run(prioritising(), {type: 'choose-winner', partyId: NOBODY});
	assert.equal(state.step, 'action');
	assert.equal(state.winnerId, NOBODY);
	assert.deepEqual(
		losers(state).map((party) => party.id),
		['holder:100', 'unit:nginx.service'],
	);
	assert.equal(run(state, {type: 'back'}).step, 'prioritise');
});

test('typed text is appended in the reducer, so a fast chunk split into characters keeps them all', () => {
	const typing = run(identified(), {type: 'need-start'});
	const need = run(
		typing,
		{type: 'append-text', text: 'a'},
		{type: 'append-text', text: 'p'},
		{type: 'append-text', text: 'i'},
		{type: 'erase-text'},
	);
	assert.equal(need.needDraft, 'ap');
	const ancestor = run(
		previewing(),
		{
			type: 'preview-ready',
			preview: {...terminatePreview, ancestor: {pid: 42, name: 'sshd'}},
		},
		{type: 'confirm'},
		{type: 'append-text', text: '4'},
		{type: 'append-text', text: 'x'},
		{type: 'append-text', text: '2'},
	);
	assert.equal(ancestor.typedPid, '42');
	assert.equal(run(ancestor, {type: 'erase-text'}).typedPid, '4');
	// Nowhere to type on other steps.
	const still = prioritising();
	assert.equal(run(still, {type: 'append-text', text: 'x'}), still);
});
