/**
 * The process screen's keys, as data (same shape as keymap.ts's tables): the
 * rows drive the key handling, the footer and the help overlay.
 */
import {helpBinding, resolveBinding, type Binding} from './keymap.js';

export type ProcessCommand =
	'up' | 'down' | 'pageUp' | 'pageDown' | 'files' | 'resolve' | 'back' | 'help' | 'quit';

export const processKeymap: Array<Binding<ProcessCommand>> = [
	{
		command: 'up',
		keys: [{key: 'upArrow'}, {input: 'k'}],
		label: '↑/k',
		description: 'scroll the sockets up',
		footer: {label: '↑↓', text: 'scroll'},
	},
	{
		command: 'down',
		keys: [{key: 'downArrow'}, {input: 'j'}],
		label: '↓/j',
		description: 'scroll the sockets down',
	},
	{command: 'pageUp', keys: [{key: 'pageUp'}], label: 'PgUp', description: 'page up'},
	{
		command: 'pageDown',
		keys: [{key: 'pageDown'}],
		label: 'PgDn',
		description: 'page down',
	},
	{
		command: 'files',
		keys: [{input: 'o'}],
		label: 'o',
		description: 'show or hide open files',
		footer: {label: 'o', text: 'open files'},
	},
	resolveBinding,
	{
		command: 'back',
		keys: [{key: 'escape'}, {key: 'backspace'}, {key: 'delete'}],
		label: 'Esc/Backspace',
		description: 'back to the list',
		footer: {label: 'Esc', text: 'back', always: true},
	},
	helpBinding,
	{
		command: 'quit',
		keys: [{input: 'q'}],
		label: 'q',
		description: 'quit portui',
		requires: 'quit',
	},
];

export const processHelpKeymap: Array<Binding<'close'>> = [
	{
		command: 'close',
		keys: [{input: '?'}, {key: 'escape'}, {input: 'q'}],
		label: '?/Esc/q',
		description: 'close the help',
		footer: {label: '?', text: 'close help'},
	},
];
