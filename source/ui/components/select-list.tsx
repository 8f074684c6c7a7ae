/**
 * A pick list (ink-select-input) whose items and pointer are drawn with
 * portui's `Text`, so a label built from a process or unit name is shown
 * safe. The only importer of ink-select-input (the lint config says so).
 */
import {Box} from 'ink';
// eslint-disable-next-line no-restricted-imports -- the one wrapper of ink-select-input
import SelectInput from 'ink-select-input';
import {Text} from './text.js';

/** One entry: `label` is shown (made safe), `value` is what onSelect gets. */
export type Item<Value> = {key?: string; label: string; value: Value};

type ItemProps = {isSelected?: boolean; label: string};

/** ink-select-input's own look: the highlighted item blue, a pointer beside it. */
function SelectItem({isSelected = false, label}: ItemProps) {
	return <Text color={isSelected ? 'blue' : undefined}>{label}</Text>;
}

function SelectIndicator({isSelected = false}: {isSelected?: boolean}) {
	return (
		<Box marginRight={1}>{isSelected ? <Text color="blue">❯</Text> : <Text> </Text>}</Box>
	);
}

export function SelectList<Value>(props: {
	items: Array<Item<Value>>;
	isFocused?: boolean;
	onSelect?: (item: Item<Value>) => void;
	onHighlight?: (item: Item<Value>) => void;
}) {
	return (
		<SelectInput
			{...props}
			itemComponent={SelectItem}
			indicatorComponent={SelectIndicator}
		/>
	);
}
