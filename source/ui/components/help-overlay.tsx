/**
 * The `?` overlay: every binding of the screen's keymaps, in the order the
 * tables list them: the first section one key per line, the others on a
 * line each. It takes the table's place (same height) so the frame does not
 * jump; on a terminal too short for it, the list is cut, never the frame.
 */
import {Box} from 'ink';
import {Text} from './text.js';
import type {Binding} from '../keymap.js';
import {useTheme} from '../theme.js';
import {StaticTable, type StaticColumn} from './static-table.js';

export type HelpSection = {title: string; bindings: Binding[]};

export function HelpOverlay({
	sections,
	height,
	width,
}: {
	sections: HelpSection[];
	height: number;
	width: number;
}) {
	const theme = useTheme();
	const labelWidth = Math.max(
		...sections.flatMap((section) =>
			section.bindings.map((binding) => binding.label.length),
		),
	);
	const [main, ...others] = sections;
	const keyColumns: Array<StaticColumn<'key' | 'description'>> = [
		{id: 'key', header: 'KEY', min: labelWidth, max: labelWidth, style: theme.key},
		{id: 'description', header: 'ACTION', min: 1, max: 1, grow: true},
	];
	// Further sections (the filter line's keys) go on one wrapped line each, so the
	// whole help fits an 80x24 terminal.
	const inline = others.map((section) => (
		<Text key={section.title} wrap="wrap">
			<Text {...theme.tableHeader}>{section.title}:</Text>
			{section.bindings.map((binding, index) => (
				<Text key={binding.command}>
					{index > 0 ? ' ·' : ''} <Text {...theme.key}>{binding.label}</Text>{' '}
					{binding.description}
				</Text>
			))}
		</Text>
	));
	const boxWidth = Math.min(width, labelWidth + 60);
	const inner = Math.max(1, boxWidth - 4);
	const inlineLines = others.reduce((sum, section) => {
		const text = section.bindings
			.map((binding) => `${binding.label} ${binding.description}`)
			.join(' · ');
		return sum + Math.ceil((section.title.length + 2 + text.length) / inner);
	}, 0);
	// The border takes two lines: on a short terminal (80x24) it goes, because every
	// key matters more than the frame. Only past that is the one-per-line list cut.
	const mainCount = main?.bindings.length ?? 0;
	const bordered = height - 2 - inlineLines >= mainCount;
	const room = Math.max(0, height - (bordered ? 2 : 0) - inlineLines);
	return (
		<Box
			flexDirection="column"
			height={height}
			width={boxWidth}
			{...(bordered ? {borderStyle: 'round' as const, ...theme.border} : {})}
			paddingX={1}
			overflow="hidden"
		>
			{/* No heading: a key next to what it does needs no column names, and the line is worth a binding at 80x24. */}
			<StaticTable
				columns={keyColumns}
				rows={(main?.bindings ?? []).slice(0, room).map((binding) => ({
					key: binding.label,
					description: binding.description,
				}))}
				width={inner}
				header={false}
			/>
			{inline}
		</Box>
	);
}
