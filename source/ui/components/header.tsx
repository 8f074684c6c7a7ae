/**
 * The top line: where and as whom portui runs, how many listeners, how often
 * it refreshes and whether it is paused. A second line appears only when some
 * sockets' processes are hidden because portui is not root.
 */
import {Box} from 'ink';
import {Text} from './text.js';
import {useTheme} from '../theme.js';

export type HeaderProps = {
	host: string;
	user: string;
	/** Undefined while unknown (before the first read): neither claim is made. */
	isRoot: boolean | undefined;
	tcp: number;
	udp: number;
	intervalMs: number;
	paused: boolean;
	/** Sockets whose processes portui could not see; 0 when root. */
	hiddenCount: number;
};

export function formatInterval(ms: number): string {
	const seconds = ms / 1000;
	return `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(2))}s`;
}

/** Lines the header takes for these props (the screen sizes the table from it). */
export function headerHeight(props: Pick<HeaderProps, 'isRoot' | 'hiddenCount'>): number {
	return props.isRoot === false && props.hiddenCount > 0 ? 2 : 1;
}

export function Header(props: HeaderProps) {
	const theme = useTheme();
	const {host, user, isRoot, tcp, udp, intervalMs, paused, hiddenCount} = props;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">
				<Text {...theme.title}>portui</Text>
				<Text {...theme.muted}> on </Text>
				<Text>{host}</Text>
				<Text {...theme.muted}> as </Text>
				<Text {...(isRoot ? theme.figure : {})}>{user}</Text>
				{isRoot && user !== 'root' ? <Text {...theme.muted}> (root)</Text> : null}
				{isRoot === false ? <Text {...theme.muted}> (not root)</Text> : null}
				<Text {...theme.muted}> │ TCP </Text>
				<Text {...theme.figure}>{tcp}</Text>
				<Text {...theme.muted}> UDP </Text>
				<Text {...theme.figure}>{udp}</Text>
				<Text {...theme.muted}> │ every </Text>
				<Text>{formatInterval(intervalMs)}</Text>
				{paused ? (
					<>
						<Text> </Text>
						<Text {...theme.notice}> PAUSED </Text>
					</>
				) : null}
			</Text>
			{headerHeight(props) === 2 ? (
				<Text wrap="truncate-end" {...theme.muted}>
					{hiddenCount === 1 ? '1 socket belongs' : `${hiddenCount} sockets belong`} to
					other users; run with sudo to see their processes.
				</Text>
			) : null}
		</Box>
	);
}
