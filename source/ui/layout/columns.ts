/**
 * Column layout as pure functions: which columns fit a terminal width and how
 * wide each one is. Any table in the app describes its columns with
 * `ColumnSpec`s and calls `layoutColumns`; the list screen's own specs are
 * `listColumnSpecs` below.
 */

export type Align = 'left' | 'right';

export type ColumnSpec<Id extends string = string> = {
	id: Id;
	header: string;
	align?: Align;
	/** Narrowest useful width; a column that cannot get it is dropped (or, if it may not be dropped, clipped). */
	min: number;
	/** Widest it gets from its content (the grow column takes whatever is left instead). */
	max: number;
	/** Takes the width left over by the others (at most one column, usually the last). */
	grow?: boolean;
	/** Columns with a drop rank go first when the width runs out, lowest rank first; others stay. */
	drop?: number;
};

export type ColumnLayout<Id extends string = string> = {
	id: Id;
	header: string;
	align: Align;
	width: number;
};

/** Space between two columns. */
export const GUTTER = 1;

/**
 * Fits columns into `width`. Each column wants its content width (clamped to
 * min..max). When that does not fit: first the wide columns give up their
 * slack down to their minimum, widest first; then droppable columns go, lowest
 * rank first; the grow column gets the rest. The result never exceeds `width`.
 */
export function layoutColumns<Id extends string>(
	specs: Array<ColumnSpec<Id>>,
	width: number,
	contentWidths: Partial<Record<Id, number>> = {},
): Array<ColumnLayout<Id>> {
	let active = specs.slice();
	for (;;) {
		const wants = active.map((spec) => {
			if (spec.grow) return spec.min;
			const content = Math.max(contentWidths[spec.id] ?? spec.max, spec.header.length);
			return clamp(content, spec.min, spec.max);
		});
		const used = sum(wants) + GUTTER * Math.max(0, active.length - 1);
		let over = used - width;
		if (over > 0) over = shrink(active, wants, over);
		if (over <= 0) {
			const spare = -over;
			return active.map((spec, index) => ({
				id: spec.id,
				header: spec.header,
				align: spec.align ?? 'left',
				width: wants[index]! + (spec.grow ? spare : 0),
			}));
		}
		const droppable = active.filter((spec) => spec.drop !== undefined);
		if (droppable.length === 0) return clip(active, wants, width);
		const victim = droppable.reduce((a, b) => (b.drop! < a.drop! ? b : a));
		active = active.filter((spec) => spec !== victim);
	}
}

/** Takes up to `over` cells from columns wider than their minimum, widest first. Returns what is still over. */
function shrink<Id extends string>(
	specs: Array<ColumnSpec<Id>>,
	wants: number[],
	over: number,
): number {
	while (over > 0) {
		let widest = -1;
		for (let index = 0; index < specs.length; index++) {
			const slack = wants[index]! - specs[index]!.min;
			if (slack > 0 && (widest < 0 || slack > wants[widest]! - specs[widest]!.min))
				widest = index;
		}
		if (widest < 0) break;
		wants[widest]!--;
		over--;
	}
	return over;
}

/** Nothing left to drop: keep the columns that fit whole and clip the last one. */
function clip<Id extends string>(
	specs: Array<ColumnSpec<Id>>,
	wants: number[],
	width: number,
): Array<ColumnLayout<Id>> {
	const result: Array<ColumnLayout<Id>> = [];
	let left = width;
	for (const [index, spec] of specs.entries()) {
		const gap = result.length > 0 ? GUTTER : 0;
		if (left - gap <= 0) break;
		const cell = Math.min(wants[index]!, left - gap);
		result.push({
			id: spec.id,
			header: spec.header,
			align: spec.align ?? 'left',
			width: cell,
		});
		left -= gap + cell;
	}
	return result;
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(Math.max(value, min), max);
}

function sum(values: number[]): number {
	let total = 0;
	for (const value of values) total += value;
	return total;
}

export type ListColumn =
	| 'protocol'
	| 'address'
	| 'port'
	| 'service'
	| 'pid'
	| 'process'
	| 'user'
	| 'age'
	| 'command';

/**
 * The list screen's columns. At 80 columns all of them fit with typical
 * content and the command gets the rest; narrower, age goes first, then the
 * service name, then the command, then the user.
 */
export const listColumnSpecs: Array<ColumnSpec<ListColumn>> = [
	{id: 'protocol', header: 'PROTO', min: 5, max: 5},
	{id: 'address', header: 'ADDRESS', min: 9, max: 28},
	{id: 'port', header: 'PORT', align: 'right', min: 5, max: 5},
	{id: 'service', header: 'SERVICE', min: 7, max: 14, drop: 2},
	{id: 'pid', header: 'PID', align: 'right', min: 7, max: 10},
	{id: 'process', header: 'PROCESS', min: 7, max: 15},
	{id: 'user', header: 'USER', min: 4, max: 10, drop: 4},
	{id: 'age', header: 'AGE', align: 'right', min: 4, max: 4, drop: 1},
	{id: 'command', header: 'COMMAND', min: 10, max: 10, grow: true, drop: 3},
];

/** Pads or truncates (with `…`) one cell to exactly `width` characters. */
export function fitCell(text: string, width: number, align: Align = 'left'): string {
	if (width <= 0) return '';
	const chars = Array.from(text);
	if (chars.length > width) {
		return width === 1 ? '…' : chars.slice(0, width - 1).join('') + '…';
	}
	const pad = ' '.repeat(width - chars.length);
	return align === 'right' ? pad + text : text + pad;
}

/** Replaces control characters (newlines, tabs, escapes in command lines) so a cell stays one line. */
export function cellText(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/**
 * Which slice of `total` rows a window of `height` rows shows so that
 * `selected` is visible, moving as little as possible from `previousTop`.
 */
export function scrollWindow({
	previousTop,
	selected,
	height,
	total,
}: {
	previousTop: number;
	selected: number;
	height: number;
	total: number;
}): number {
	if (height <= 0 || total <= height) return 0;
	let top = Math.min(Math.max(previousTop, 0), total - height);
	if (selected < top) top = selected;
	else if (selected >= top + height) top = selected - height + 1;
	return Math.max(0, Math.min(top, total - height));
}
