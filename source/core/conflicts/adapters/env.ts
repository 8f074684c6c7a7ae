/**
 * `.env` and environment files: `PORT=N`, `export PORT=N`, quoted or not.
 * They have no default location (each application has its own): read only
 * when named with --config or by a systemd unit's EnvironmentFile=.
 */
import path from 'node:path';
import {declaration, nonEmpty, readOptional, realFile, linesOf} from './common.js';
import type {AdapterOptions, ConfigAdapter, ScanResult} from './types.js';

export function scanEnvFile(file: string): ScanResult {
	const real = realFile(file);
	const result: ScanResult = {declarations: [], files: [], entry: real, includeGlobs: []};
	const text = readOptional(file);
	if (text === undefined) return result;
	result.files.push(real);
	linesOf(text).forEach((raw, index) => {
		const port = /^(\s*(?:export\s+)?PORT\s*=\s*["']?)(\d+)["']?\s*(?:#.*)?$/.exec(raw);
		if (!port) return;
		const found = declaration('env', real, index + 1, raw, port[1]!.length, port[2]!);
		if (found) result.declarations.push(found);
	});
	return result;
}

export const envAdapter: ConfigAdapter = {
	name: 'env',
	title: 'environment file',
	processNames: [],
	scan(options?: AdapterOptions): ScanResult[] {
		return options?.file ? nonEmpty(scanEnvFile(path.resolve(options.file))) : [];
	},
	claims(file, text) {
		return (
			/(^|\/)\.env|\.env$|environment$/.test(file) ||
			/^\s*(export\s+)?PORT\s*=/m.test(text)
		);
	},
	checkCommand() {
		return undefined;
	},
	unit() {
		return undefined;
	},
	restartHint(scan) {
		return `restart the program that reads ${scan.entry ?? 'this file'}`;
	},
};
