/**
 * Unified diff of two texts, for showing a config change before it is
 * written. A port change touches a line or two, so the common head and tail
 * are trimmed first and the LCS table only spans the changed middle.
 */
import {safeText} from '../../format/safe-text.js';

type Op = {kind: ' ' | '-' | '+'; text: string; oldLine: number; newLine: number};

function diffLines(a: string[], b: string[]): Op[] {
	let head = 0;
	while (head < a.length && head < b.length && a[head] === b[head]) head++;
	let tail = 0;
	while (
		tail < a.length - head &&
		tail < b.length - head &&
		a[a.length - 1 - tail] === b[b.length - 1 - tail]
	)
		tail++;
	const midA = a.slice(head, a.length - tail);
	const midB = b.slice(head, b.length - tail);
	const n = midA.length;
	const m = midB.length;
	// lcs[i][j] = LCS length of midA[i..] and midB[j..].
	const lcs: number[][] = Array.from({length: n + 1}, () =>
		new Array<number>(m + 1).fill(0),
	);
	for (let i = n - 1; i >= 0; i--) {
		for (let j = m - 1; j >= 0; j--) {
			lcs[i]![j] =
				midA[i] === midB[j]
					? lcs[i + 1]![j + 1]! + 1
					: Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
		}
	}
	const ops: Op[] = [];
	for (let index = 0; index < head; index++) {
		ops.push({kind: ' ', text: a[index]!, oldLine: index + 1, newLine: index + 1});
	}
	let i = 0;
	let j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && midA[i] === midB[j]) {
			ops.push({kind: ' ', text: midA[i]!, oldLine: head + i + 1, newLine: head + j + 1});
			i++;
			j++;
		} else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
			ops.push({kind: '+', text: midB[j]!, oldLine: head + i, newLine: head + j + 1});
			j++;
		} else {
			ops.push({kind: '-', text: midA[i]!, oldLine: head + i + 1, newLine: head + j});
			i++;
		}
	}
	for (let index = 0; index < tail; index++) {
		const oldIndex = a.length - tail + index;
		const newIndex = b.length - tail + index;
		ops.push({
			kind: ' ',
			text: a[oldIndex]!,
			oldLine: oldIndex + 1,
			newLine: newIndex + 1,
		});
	}
	// Removals read better before additions within one change.
	for (let index = 1; index < ops.length; index++) {
		let k = index;
		while (k > 0 && ops[k]!.kind === '-' && ops[k - 1]!.kind === '+') {
			[ops[k - 1], ops[k]] = [ops[k]!, ops[k - 1]!];
			k--;
		}
	}
	return ops;
}

function splitText(text: string): string[] {
	if (text === '') return [];
	const lines = text.split('\n');
	if (lines.at(-1) === '') lines.pop();
	return lines;
}

/**
 * `--- oldLabel` / `+++ newLabel` and `@@` hunks with `context` lines around
 * each change. Empty string when the texts are equal.
 */
export function unifiedDiff(
	oldText: string,
	newText: string,
	{
		oldLabel = 'a',
		newLabel = 'b',
		context = 3,
	}: {oldLabel?: string; newLabel?: string; context?: number} = {},
): string {
	if (oldText === newText) return '';
	const ops = diffLines(splitText(oldText), splitText(newText));
	const changed = ops
		.map((op, index) => (op.kind === ' ' ? -1 : index))
		.filter((i) => i >= 0);
	const hunks: Array<[number, number]> = [];
	for (const index of changed) {
		const start = Math.max(0, index - context);
		const end = Math.min(ops.length - 1, index + context);
		const last = hunks.at(-1);
		if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
		else hunks.push([start, end]);
	}
	// A file name may hold any byte but NUL and slash: shown with escapes, as git quotes
	// such names, a newline in one cannot start a line of the diff's own.
	const out = [`--- ${safeText(oldLabel)}`, `+++ ${safeText(newLabel)}`];
	for (const [start, end] of hunks) {
		const slice = ops.slice(start, end + 1);
		const oldCount = slice.filter((op) => op.kind !== '+').length;
		const newCount = slice.filter((op) => op.kind !== '-').length;
		// A side with no lines in the hunk numbers it from the line before (GNU diff's rule).
		const oldFirst = slice.find((op) => op.kind !== '+') ?? slice[0]!;
		const newFirst = slice.find((op) => op.kind !== '-') ?? slice[0]!;
		out.push(`@@ -${oldFirst.oldLine},${oldCount} +${newFirst.newLine},${newCount} @@`);
		for (const op of slice) out.push(`${op.kind}${op.text}`);
	}
	return `${out.join('\n')}\n`;
}
