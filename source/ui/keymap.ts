/**
 * Key bindings as data. One table per keyboard scope: the same rows decide what
 * a key press does (through `resolveCommand`, called by `useKeymap`), what the
 * `?` help overlay lists, and what the footer shows. Adding a key means adding
 * a row here and nothing else.
 */
import type {Key} from 'ink';

/** Ink's named keys that bindings use. */
export type KeyName =
	| 'upArrow'
	| 'downArrow'
	| 'leftArrow'
	| 'rightArrow'
	| 'pageUp'
	| 'pageDown'
	| 'home'
	| 'end'
	| 'return'
	| 'escape'
	| 'backspace'
	| 'delete'
	| 'tab';

/** One key: a printable character (`input`), a named key, or Ctrl + a letter. */
export type KeySpec = {input: string; ctrl?: boolean} | {key: KeyName};

export type Binding<Command extends string = string> = {
	command: Command;
	keys: KeySpec[];
	/** How the help overlay names the keys, e.g. `↑/k`. */
	label: string;
	description: string;
	/**
	 * When set, the footer shows `label text` (short; the footer has one line).
	 * When the line is too narrow the footer drops entries from the right, keeping `always` ones.
	 */
	footer?: {label: string; text: string; always?: boolean};
	/** A screen this binding opens; the binding only exists when that screen is plugged in. */
	requires?: string;
};

export type ListCommand =
	| 'up'
	| 'down'
	| 'pageUp'
	| 'pageDown'
	| 'top'
	| 'bottom'
	| 'sort'
	| 'reverse'
	| 'filter'
	| 'protocol'
	| 'pause'
	| 'refresh'
	| 'open'
	| 'scan'
	| 'resolve'
	| 'help'
	| 'quit';

export type FilterCommand = 'accept' | 'clear' | 'erase' | 'up' | 'down' | 'quit';
export type HelpCommand = 'close' | 'quit';

const ctrlC: KeySpec = {input: 'c', ctrl: true};

/** `?`, the same on every screen that has a help overlay. */
export const helpBinding: Binding<'help'> = {
	command: 'help',
	keys: [{input: '?'}],
	label: '?',
	description: 'show or hide this help',
	footer: {label: '?', text: 'help', always: true},
};

/** `x`, conflict resolution for the selected port, from the list and the process screen. */
export const resolveBinding: Binding<'resolve'> = {
	command: 'resolve',
	keys: [{input: 'x'}],
	label: 'x',
	description: 'free this port (resolve a conflict)',
	footer: {label: 'x', text: 'free'},
	requires: 'conflict',
};

export const listKeymap: Array<Binding<ListCommand>> = [
	{
		command: 'up',
		keys: [{key: 'upArrow'}, {input: 'k'}],
		label: '↑/k',
		description: 'move up',
		footer: {label: '↑↓', text: 'move'},
	},
	{
		command: 'down',
		keys: [{key: 'downArrow'}, {input: 'j'}],
		label: '↓/j',
		description: 'move down',
	},
	{command: 'pageUp', keys: [{key: 'pageUp'}], label: 'PgUp', description: 'page up'},
	{
		command: 'pageDown',
		keys: [{key: 'pageDown'}],
		label: 'PgDn',
		description: 'page down',
	},
	{
		command: 'top',
		keys: [{key: 'home'}, {input: 'g'}],
		label: 'Home/g',
		description: 'first row',
	},
	{
		command: 'bottom',
		keys: [{key: 'end'}, {input: 'G'}],
		label: 'End/G',
		description: 'last row',
	},
	{
		command: 'sort',
		keys: [{input: 's'}],
		label: 's',
		description: 'sort by the next column',
		footer: {label: 's/S', text: 'sort'},
	},
	{
		command: 'reverse',
		keys: [{input: 'S'}],
		label: 'S',
		description: 'reverse the sort order',
	},
	{
		command: 'filter',
		keys: [{input: '/'}],
		label: '/',
		description: 'filter by port, address, process, user or command',
		footer: {label: '/', text: 'filter'},
	},
	{
		command: 'protocol',
		keys: [{input: 't'}],
		label: 't',
		description: 'show TCP+UDP, TCP only, UDP only',
		footer: {label: 't', text: 'tcp/udp'},
	},
	{
		command: 'pause',
		keys: [{input: 'p'}],
		label: 'p',
		description: 'pause or resume refreshing',
		footer: {label: 'p', text: 'pause'},
	},
	{
		command: 'refresh',
		keys: [{input: 'r'}],
		label: 'r',
		description: 'refresh now',
		footer: {label: 'r', text: 'refresh'},
	},
	{
		command: 'open',
		keys: [{key: 'return'}],
		label: 'Enter',
		description: 'show the process holding the socket',
		footer: {label: '⏎', text: 'details'},
		requires: 'process',
	},
	{
		command: 'scan',
		keys: [{input: 'n'}],
		label: 'n',
		description: 'scan ports',
		footer: {label: 'n', text: 'scan'},
		requires: 'scan',
	},
	resolveBinding,
	helpBinding,
	{
		command: 'quit',
		keys: [{input: 'q'}, ctrlC],
		label: 'q/Ctrl-C',
		description: 'quit',
		footer: {label: 'q', text: 'quit', always: true},
	},
];

/** While the filter line is being edited every printable key is text. */
export const filterKeymap: Array<Binding<FilterCommand>> = [
	{
		command: 'accept',
		keys: [{key: 'return'}],
		label: 'Enter',
		description: 'keep the filter',
		footer: {label: '⏎', text: 'keep'},
	},
	{
		command: 'clear',
		keys: [{key: 'escape'}],
		label: 'Esc',
		description: 'clear the filter',
		footer: {label: 'Esc', text: 'clear'},
	},
	{
		command: 'erase',
		keys: [{key: 'backspace'}, {key: 'delete'}],
		label: 'Backspace',
		description: 'delete a character',
	},
	{
		command: 'up',
		keys: [{key: 'upArrow'}],
		label: '↑',
		description: 'move up',
		footer: {label: '↑↓', text: 'move'},
	},
	{command: 'down', keys: [{key: 'downArrow'}], label: '↓', description: 'move down'},
	{command: 'quit', keys: [ctrlC], label: 'Ctrl-C', description: 'quit'},
];

export const helpKeymap: Array<Binding<HelpCommand>> = [
	{
		command: 'close',
		keys: [{input: '?'}, {key: 'escape'}, {input: 'q'}],
		label: '?/Esc/q',
		description: 'close the help',
		footer: {label: '?', text: 'close help'},
	},
	{command: 'quit', keys: [ctrlC], label: 'Ctrl-C', description: 'quit'},
];

/** Bindings whose screen is available (rows with `requires` need that screen plugged in). */
export function availableBindings<Command extends string>(
	bindings: Array<Binding<Command>>,
	screens: ReadonlySet<string>,
): Array<Binding<Command>> {
	return bindings.filter((binding) => !binding.requires || screens.has(binding.requires));
}

export function matchesKey(spec: KeySpec, input: string, key: Key): boolean {
	if ('key' in spec) return key[spec.key];
	if (spec.ctrl) return key.ctrl && input === spec.input;
	return !key.ctrl && !key.meta && input === spec.input;
}

/** The command a key press means in a scope, if any. */
export function resolveCommand<Command extends string>(
	bindings: Array<Binding<Command>>,
	input: string,
	key: Key,
): Command | undefined {
	for (const binding of bindings) {
		if (binding.keys.some((spec) => matchesKey(spec, input, key))) return binding.command;
	}
	return undefined;
}
