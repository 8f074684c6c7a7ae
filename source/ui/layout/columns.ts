/**
 * Column layout as pure functions: which columns fit a terminal width and how
 * wide each one is. Any table in the app describes its columns with
 * `ColumnSpec`s and calls `layoutColumns`; the list screen's own specs are
 * `listColumnSpecs` below.
 */

import type {Align} from '../../format/cells.js';

export type {Align};

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
	/** Keeps its content width until no column can be dropped (a cut address misleads more than a cut name). */
	rigid?: boolean;
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
 * min..max). When that does not fit: first the columns give up some of their
 * width, widest slack first; then droppable columns go, lowest rank first;
 * then the rest shrink to their minimum. The grow column gets what is left.
 * The result never exceeds `width`.
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
		// First each column gives up to a quarter of its width; only when that is not
		// enough does a column go; only when none can go do columns shrink to their minimum.
		const soft = active.map((spec, index) =>
			spec.rigid ? wants[index]! : Math.max(spec.min, Math.ceil(wants[index]! * 0.75)),
		);
		let over = shrink(wants, soft, used - width);
		const droppable = active.filter((spec) => spec.drop !== undefined);
		if (over > 0 && droppable.length > 0) {
			const victim = droppable.reduce((a, b) => (b.drop! < a.drop! ? b : a));
			active = active.filter((spec) => spec !== victim);
			continue;
		}
		if (over > 0) {
			over = shrink(
				wants,
				active.map((spec) => spec.min),
				over,
			);
		}
		if (over > 0) return clip(active, wants, width);
		return active.map((spec, index) => ({
			id: spec.id,
			header: spec.header,
			align: spec.align ?? 'left',
			width: wants[index]! + (spec.grow ? -over : 0),
		}));
	}
}

/** Takes up to `over` cells from columns wider than their floor, widest slack first. Returns what is still over. */
function shrink(wants: number[], floors: number[], over: number): number {
	while (over > 0) {
		let widest = -1;
		for (let index = 0; index < wants.length; index++) {
			const slack = wants[index]! - floors[index]!;
			if (slack > 0 && (widest < 0 || slack > wants[widest]! - floors[widest]!))
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
	{id: 'address', header: 'ADDRESS', min: 9, max: 28, rigid: true},
	{id: 'port', header: 'PORT', align: 'right', min: 5, max: 5},
	{id: 'service', header: 'SERVICE', min: 7, max: 14, drop: 2},
	{id: 'pid', header: 'PID', align: 'right', min: 7, max: 10},
	{id: 'process', header: 'PROCESS', min: 7, max: 15},
	{id: 'user', header: 'USER', min: 4, max: 10, drop: 4},
	{id: 'age', header: 'AGE', align: 'right', min: 4, max: 4, drop: 1},
	{id: 'command', header: 'COMMAND', min: 10, max: 10, grow: true, drop: 3},
];

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
