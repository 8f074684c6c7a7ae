/**
 * docker compose: published host ports under `services.NAME.ports`, short
 * syntax (`"8080:80"`, `- 8080:80`, `127.0.0.1:8080:80/udp`, flow lists) and
 * long syntax (`published: 8080`). A line reader, not a YAML parser: it keeps
 * exact positions for the rewrite and needs no dependency. Compose files have
 * no default location; they are read when named with --config.
 */
import path from 'node:path';
import {declaration, nonEmpty, readOptional, realFile, linesOf} from './common.js';
import type {
	AdapterOptions,
	ConfigAdapter,
	PortDeclaration,
	ScanResult,
} from './types.js';

function indentOf(line: string): number {
	return /^ */.exec(line)![0].length;
}

/** Finds the host port in one short-syntax entry starting at `offset` in the line. */
function shortSyntax(
	file: string,
	lineNumber: number,
	raw: string,
	offset: number,
	value: string,
	scope: string,
): PortDeclaration | undefined {
	let body = value;
	let protocol: 'tcp' | 'udp' = 'tcp';
	const slash = body.lastIndexOf('/');
	if (slash !== -1) {
		protocol = body.slice(slash + 1) === 'udp' ? 'udp' : 'tcp';
		body = body.slice(0, slash);
	}
	let address: string | undefined;
	let rest = body;
	let restOffset = 0;
	const bracket = /^(\[[^\]]*\]):/.exec(body);
	if (bracket) {
		address = bracket[1];
		rest = body.slice(bracket[0].length);
		restOffset = bracket[0].length;
	}
	const parts = rest.split(':');
	if (!address && parts.length === 3) {
		address = parts[0];
		restOffset = parts[0]!.length + 1;
		parts.shift();
	}
	// "80" alone publishes on a random host port; a range or empty host part is not one port.
	if (parts.length !== 2 || !/^\d+$/.test(parts[0]!)) return undefined;
	return declaration('compose', file, lineNumber, raw, offset + restOffset, parts[0]!, {
		protocol,
		scope,
		...(address === undefined ? {} : {address}),
	});
}

export function scanComposeFile(file: string): ScanResult {
	const real = realFile(file);
	const result: ScanResult = {declarations: [], files: [], entry: real, includeGlobs: []};
	const text = readOptional(file);
	if (text === undefined) return result;
	result.files.push(real);
	let inServices = false;
	let serviceIndent: number | undefined;
	let service = '';
	let portsIndent: number | undefined;
	let longItem: PortDeclaration | undefined;
	linesOf(text).forEach((raw, index) => {
		const lineNumber = index + 1;
		const line = raw.replace(/\s+#.*$/, '');
		if (/^\s*(#.*)?$/.test(line)) return;
		const indent = indentOf(line);
		if (indent === 0) {
			inServices = /^services\s*:/.test(line);
			serviceIndent = undefined;
			portsIndent = undefined;
			return;
		}
		if (!inServices) return;
		serviceIndent ??= indent;
		if (indent === serviceIndent) {
			service = /^\s*["']?([^"':]+)/.exec(line)?.[1] ?? '';
			portsIndent = undefined;
			return;
		}
		if (portsIndent !== undefined) {
			const isItem = /^\s*-\s/.test(line);
			if (indent > portsIndent || (indent === portsIndent && isItem)) {
				const item = /^(\s*-\s+)(["']?)([^"'\s]+)\2\s*$/.exec(line);
				const longStart = /^\s*-\s+\w+\s*:/.test(line);
				if (item && !longStart) {
					const found = shortSyntax(
						real,
						lineNumber,
						raw,
						item[1]!.length + item[2]!.length,
						item[3]!,
						service,
					);
					if (found) result.declarations.push(found);
					longItem = undefined;
					return;
				}
				if (isItem) longItem = undefined;
				const published = /^(\s*(?:-\s+)?published\s*:\s*["']?)(\d+)["']?\s*$/.exec(line);
				if (published) {
					const found = declaration(
						'compose',
						real,
						lineNumber,
						raw,
						published[1]!.length,
						published[2]!,
						{scope: service},
					);
					if (found) {
						result.declarations.push(found);
						longItem = found;
					}
					return;
				}
				const protocol = /^\s*(?:-\s+)?protocol\s*:\s*["']?(udp|tcp)/.exec(line);
				if (protocol && longItem) longItem.protocol = protocol[1] as 'tcp' | 'udp';
				return;
			}
			portsIndent = undefined;
		}
		const ports = /^(\s*)ports\s*:\s*(.*)$/.exec(line);
		if (ports) {
			const flow = ports[2]!.trim();
			if (flow.startsWith('[')) {
				const start = raw.indexOf('[', ports[1]!.length);
				for (const match of raw.slice(start).matchAll(/(["']?)([^"',\s[\]]+)\1/g)) {
					const found = shortSyntax(
						real,
						lineNumber,
						raw,
						start + match.index! + match[1]!.length,
						match[2]!,
						service,
					);
					if (found) result.declarations.push(found);
				}
			} else portsIndent = indent;
		}
	});
	return result;
}

export const composeAdapter: ConfigAdapter = {
	name: 'compose',
	title: 'docker compose',
	processNames: ['docker-proxy'],
	scan(options?: AdapterOptions): ScanResult[] {
		return options?.file ? nonEmpty(scanComposeFile(path.resolve(options.file))) : [];
	},
	claims(file, text) {
		return /(docker-)?compose[^/]*\.ya?ml$/.test(file) || /^services\s*:/m.test(text);
	},
	checkCommand(scan) {
		return scan.entry
			? ['docker', 'compose', '-f', scan.entry, 'config', '-q']
			: undefined;
	},
	unit() {
		return undefined;
	},
	restartHint(scan, found) {
		return `docker compose -f ${scan.entry ?? 'compose.yaml'} up -d ${found.scope ?? ''}`.trim();
	},
};
