// Placeholder until the list screen lands (issue 2); replaced by the real command.
import {PortuiError} from '../core/errors.js';
export async function run(_argv: string[]): Promise<number> {
	throw new PortuiError('the UI is not built yet');
}
