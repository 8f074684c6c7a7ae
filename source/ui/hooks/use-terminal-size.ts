/**
 * The terminal's size, updated on resize. The one place the UI learns its
 * size; everything else gets `columns`/`rows` from here. Streams without a
 * size (pipes, the testing library's fake stdout) get 100x24.
 */
import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

export type TerminalSize = {columns: number; rows: number};

export const DEFAULT_SIZE: TerminalSize = {columns: 100, rows: 24};

function measure(stdout: NodeJS.WriteStream): TerminalSize {
	return {
		columns: stdout.columns > 0 ? stdout.columns : DEFAULT_SIZE.columns,
		rows: stdout.rows > 0 ? stdout.rows : DEFAULT_SIZE.rows,
	};
}

export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => measure(stdout));
	useEffect(() => {
		const onResize = () => {
			setSize((previous) => {
				const next = measure(stdout);
				return next.columns === previous.columns && next.rows === previous.rows
					? previous
					: next;
			});
		};
		onResize();
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}
