/**
 * The status line above the footer: the filter being typed (with a cursor),
 * or a kept filter, or how many rows show and how they are sorted; an error
 * from the last read takes its place until the next good read.
 */
import {Text} from './text.js';
import {useTheme} from '../theme.js';

export type FilterBarProps = {
	text: string;
	editing: boolean;
	shown: number;
	total: number;
	/** Human words for the sort, e.g. `port ▲`. */
	sortLabel: string;
	/** `TCP+UDP`, `TCP` or `UDP`. */
	modeLabel: string;
	position: number;
	error?: string;
};

export function FilterBar(props: FilterBarProps) {
	const theme = useTheme();
	const {text, editing, shown, total, sortLabel, modeLabel, position, error} = props;
	if (error) {
		return (
			<Text wrap="truncate-end" {...theme.error}>
				{error}
			</Text>
		);
	}
	const summary = (
		<Text {...theme.muted}>
			{shown === 0 ? '' : `${position + 1}/${shown}`}
			{shown === total ? '' : ` of ${total}`} │ {modeLabel} │ sort {sortLabel}
		</Text>
	);
	if (editing || text !== '') {
		return (
			<Text wrap="truncate-end">
				<Text {...theme.key}>/</Text>
				<Text>{text}</Text>
				{editing ? <Text inverse> </Text> : null}
				<Text>{'  '}</Text>
				{shown === 0 ? <Text {...theme.notice}>no match</Text> : summary}
			</Text>
		);
	}
	return <Text wrap="truncate-end">{summary}</Text>;
}
