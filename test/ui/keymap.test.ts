import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {Key} from 'ink';
import {
	availableBindings,
	filterKeymap,
	helpKeymap,
	listKeymap,
	resolveCommand,
} from '../../source/ui/keymap.js';
import {fitFooter} from '../../source/ui/components/footer.js';
import {plainKey} from '../../source/ui/hooks/use-keymap.js';

const none: Key = plainKey;

test('list keys resolve to their commands', () => {
	const cases: Array<[string, Partial<Key>, string]> = [
		['', {upArrow: true}, 'up'],
		['k', {}, 'up'],
		['j', {}, 'down'],
		['', {pageDown: true}, 'pageDown'],
		['', {home: true}, 'top'],
		['g', {}, 'top'],
		['G', {shift: true}, 'bottom'],
		['s', {}, 'sort'],
		['S', {shift: true}, 'reverse'],
		['/', {}, 'filter'],
		['t', {}, 'protocol'],
		['p', {}, 'pause'],
		['r', {}, 'refresh'],
		['?', {}, 'help'],
		['q', {}, 'quit'],
		['c', {ctrl: true}, 'quit'],
	];
	for (const [input, key, command] of cases) {
		assert.equal(resolveCommand(listKeymap, input, {...none, ...key}), command, input);
	}
	assert.equal(resolveCommand(listKeymap, 'c', none), undefined);
	assert.equal(resolveCommand(listKeymap, 'q', {...none, ctrl: true}), undefined);
});

test('while filtering, letters are text and Enter/Esc/Backspace edit', () => {
	assert.equal(resolveCommand(filterKeymap, 'q', none), undefined);
	assert.equal(resolveCommand(filterKeymap, 'j', none), undefined);
	assert.equal(resolveCommand(filterKeymap, '\r', {...none, return: true}), 'accept');
	assert.equal(resolveCommand(filterKeymap, '', {...none, escape: true}), 'clear');
	assert.equal(resolveCommand(filterKeymap, '', {...none, backspace: true}), 'erase');
	assert.equal(resolveCommand(helpKeymap, '?', none), 'close');
});

test('keys for screens that are not plugged in are left out', () => {
	const without = availableBindings(listKeymap, new Set());
	assert.ok(
		!without.some((binding) => ['open', 'scan', 'resolve'].includes(binding.command)),
	);
	const withProcess = availableBindings(listKeymap, new Set(['process']));
	assert.ok(withProcess.some((binding) => binding.command === 'open'));
});

test('the footer drops entries from the right but keeps help and quit', () => {
	const all = availableBindings(listKeymap, new Set(['process', 'scan', 'conflict']));
	const wide = fitFooter(all, 200).map((binding) => binding.command);
	assert.ok(wide.includes('scan') && wide.includes('quit'));
	const narrow = fitFooter(all, 30).map((binding) => binding.command);
	assert.deepEqual(narrow.slice(-2), ['help', 'quit']);
	assert.ok(narrow.length < wide.length);
});
