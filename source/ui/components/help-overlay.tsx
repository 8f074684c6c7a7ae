/**
 * The `?` overlay: every binding of the screen's keymaps, in the order the
 * tables list them. It takes the table's place (same height) so the frame
 * does not jump.
 */
import {Box, Text} from 'ink';
import type {Binding} from '../keymap.js';
import {useTheme} from '../theme.js';

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
	const lines: Array<{key: string; node: React.ReactNode}> = [];
	for (const section of sections) {
		if (lines.length > 0) lines.push({key: `${section.title}-gap`, node: ' '});
		lines.push({
			key: section.title,
			node: <Text {...theme.tableHeader}>{section.title}</Text>,
		});
		for (const binding of section.bindings) {
			lines.push({
				key: `${section.title}-${binding.command}`,
				node: (
					<>
						<Text {...theme.key}>{binding.label.padEnd(labelWidth)}</Text>
						<Text>{'  ' + binding.description}</Text>
					</>
				),
			});
		}
	}
	// Border (2) and padding lines are part of the height; longer help is cut, never wrapped.
	const room = Math.max(0, height - 2);
	return (
		<Box
			flexDirection="column"
			height={height}
			width={Math.min(width, labelWidth + 60)}
			borderStyle="round"
			{...theme.border}
			paddingX={1}
		>
			{lines.slice(0, room).map((line) => (
				<Text key={line.key} wrap="truncate-end">
					{line.node}
				</Text>
			))}
		</Box>
	);
}
