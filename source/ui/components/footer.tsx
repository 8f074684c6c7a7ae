/** The bottom line: the keys that work right now, straight from the active keymap. */
import {Text} from './text.js';
import type {Binding} from '../keymap.js';
import {useTheme} from '../theme.js';

const SEPARATOR = '  ';

/**
 * The footer entries that fit in `width`, in keymap order: entries are dropped
 * from the right, except those marked `always` (help, quit).
 */
export function fitFooter(bindings: Binding[], width: number): Binding[] {
	const shown = bindings.filter((binding) => binding.footer);
	const size = (binding: Binding) =>
		binding.footer!.label.length + 1 + binding.footer!.text.length;
	const total = (list: Binding[]) =>
		list.reduce((sum, binding) => sum + size(binding), 0) +
		SEPARATOR.length * Math.max(0, list.length - 1);
	const kept = shown.slice();
	for (let index = kept.length - 1; index >= 0 && total(kept) > width; index--) {
		if (!kept[index]!.footer!.always) kept.splice(index, 1);
	}
	return kept;
}

export function Footer({bindings, width}: {bindings: Binding[]; width: number}) {
	const theme = useTheme();
	return (
		<Text wrap="truncate-end">
			{fitFooter(bindings, width).map((binding, index) => (
				<Text key={binding.command}>
					{index > 0 ? SEPARATOR : ''}
					<Text {...theme.key}>{binding.footer!.label}</Text>
					<Text {...theme.muted}> {binding.footer!.text}</Text>
				</Text>
			))}
		</Text>
	);
}
