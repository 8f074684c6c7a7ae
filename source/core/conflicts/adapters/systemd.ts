/**
 * systemd units: `Environment=PORT=N` in services (and `PORT=` in the files
 * their EnvironmentFile= names), `ListenStream=` / `ListenDatagram=` in socket
 * units, in the unit file and its drop-ins (UNIT.d/*.conf). Only
 * /etc/systemd/system is read: units under /usr/lib belong to packages, and
 * the admin's place to change them is /etc.
 */
import path from 'node:path';
import {
	declaration,
	expandGlob,
	filesIn,
	isFile,
	readOptional,
	realFile,
	rootOf,
	splitHostPort,
	underRoot,
	linesOf,
} from './common.js';
import {scanEnvFile} from './env.js';
import type {AdapterOptions, ConfigAdapter, ScanResult} from './types.js';

/** The unit a file configures: `web.service` for web.service and web.service.d/port.conf. */
export function unitOfFile(file: string): string {
	const dir = path.basename(path.dirname(file));
	if (dir.endsWith('.d') && file.endsWith('.conf')) return dir.slice(0, -2);
	return path.basename(file);
}

function scanUnitFile(
	file: string,
	unit: string,
	result: ScanResult,
	root: string,
): void {
	const real = realFile(file);
	const text = readOptional(file);
	if (text === undefined || result.files.includes(real)) return;
	result.files.push(real);
	linesOf(text).forEach((raw, index) => {
		if (/^\s*[#;]/.test(raw)) return;
		const environment = /^\s*Environment\s*=(.*)$/.exec(raw);
		if (environment) {
			const start = raw.length - environment[1]!.length;
			for (const match of environment[1]!.matchAll(/(^|[\s"'])PORT=(\d+)/g)) {
				const offset = start + match.index! + match[1]!.length + 'PORT='.length;
				const found = declaration('systemd', real, index + 1, raw, offset, match[2]!, {
					scope: unit,
				});
				if (found) result.declarations.push(found);
			}
			return;
		}
		const environmentFile = /^\s*EnvironmentFile\s*=\s*-?(\S+)/.exec(raw);
		if (environmentFile) {
			const env = scanEnvFile(underRoot(root, environmentFile[1]!));
			result.files.push(...env.files);
			for (const found of env.declarations)
				result.declarations.push({...found, scope: unit});
			return;
		}
		const listen = /^(\s*Listen(Stream|Datagram)\s*=\s*)(\S+)\s*$/.exec(raw);
		if (listen) {
			const split = splitHostPort(listen[3]!);
			if (!split) return;
			const found = declaration(
				'systemd',
				real,
				index + 1,
				raw,
				listen[1]!.length + split.portOffset,
				split.portText,
				{
					protocol: listen[2] === 'Datagram' ? 'udp' : 'tcp',
					scope: unit,
					...(split.address === undefined ? {} : {address: split.address}),
				},
			);
			if (found) result.declarations.push(found);
		}
	});
}

function scanUnit(unitFile: string, root: string): ScanResult {
	const unit = unitOfFile(unitFile);
	const result: ScanResult = {
		declarations: [],
		files: [],
		entry: unitFile,
		includeGlobs: [],
	};
	const unitDir = path.dirname(unitFile);
	const dropInDir = unitFile.endsWith('.conf')
		? path.dirname(unitFile)
		: path.join(unitDir, `${unit}.d`);
	const main = unitFile.endsWith('.conf')
		? path.join(path.dirname(dropInDir), unit)
		: unitFile;
	if (isFile(main)) scanUnitFile(main, unit, result, root);
	result.includeGlobs.push(path.join(dropInDir, '*.conf'));
	for (const dropIn of filesIn(dropInDir, '.conf'))
		scanUnitFile(dropIn, unit, result, root);
	if (!result.files.includes(realFile(unitFile)))
		scanUnitFile(unitFile, unit, result, root);
	return result;
}

export const systemdAdapter: ConfigAdapter = {
	name: 'systemd',
	title: 'systemd unit',
	processNames: [],
	scan(options?: AdapterOptions): ScanResult[] {
		const root = rootOf(options);
		if (options?.file) {
			const result = scanUnit(path.resolve(options.file), root);
			return result.files.length > 0 ? [result] : [];
		}
		const dir = underRoot(root, '/etc/systemd/system');
		const units = new Set<string>();
		for (const file of [
			...expandGlob(path.join(dir, '*.service')),
			...expandGlob(path.join(dir, '*.socket')),
		])
			units.add(file);
		for (const dropInDir of [
			...expandGlob(path.join(dir, '*.service.d')),
			...expandGlob(path.join(dir, '*.socket.d')),
		]) {
			const unit = unitOfFile(path.join(dropInDir, 'x.conf'));
			if (!isFile(path.join(dir, unit))) {
				const first = filesIn(dropInDir, '.conf')[0];
				if (first) units.add(first);
			}
		}
		return [...units]
			.sort()
			.map((file) => scanUnit(file, root))
			.filter((result) => result.declarations.length > 0);
	},
	claims(file, text) {
		return (
			/\.(service|socket)$|\.(service|socket)\.d\/[^/]+\.conf$/.test(file) ||
			/^\s*\[(Unit|Service|Socket|Install)\]/m.test(text)
		);
	},
	checkCommand() {
		// systemd-analyze verify needs a running systemd to judge dependencies; none here.
		return undefined;
	},
	unit(_scan, found) {
		return found.scope;
	},
	restartHint(_scan, found) {
		return `systemctl daemon-reload && systemctl restart ${found.scope ?? 'UNIT'}`;
	},
};
