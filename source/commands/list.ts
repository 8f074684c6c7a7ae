// Placeholder until the listener core lands (issue 2); replaced by the real command.
import {PortuiError} from '../core/errors.js';
export async function run(_argv: string[]): Promise<number> {
	throw new PortuiError('list is not built yet');
}
