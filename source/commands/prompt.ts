/**
 * The printing commands' one question to the person at the terminal (kill,
 * move and scan each ask one): a readline prompt on stderr whose question,
 * which names processes, files and hosts, is made safe like every other line
 * (`safeText`). readline redraws its prompt line, so the question must be the
 * prompt itself, not text written before it. The lint config keeps readline
 * out of every other module.
 */
import process from 'node:process';
// eslint-disable-next-line no-restricted-imports -- the one prompt
import {createInterface} from 'node:readline/promises';
import {safeText} from '../format/safe-text.js';

/** The answer, trimmed; '' when stdin closes or fails before one is given. */
export async function ask(question: string): Promise<string> {
	const reader = createInterface({input: process.stdin, output: process.stderr});
	try {
		return (await reader.question(safeText(question))).trim();
	} catch {
		return '';
	} finally {
		reader.close();
	}
}

/** A yes/no question, no by default: true only for y or yes. */
export async function confirm(question: string): Promise<boolean> {
	return /^y(es)?$/i.test(await ask(question));
}
