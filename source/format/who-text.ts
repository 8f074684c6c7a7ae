/**
 * `portui who PORT` for people: the sockets on the port as a table, then one
 * block of aligned facts per process holding them. Long values (command
 * lines) wrap under their label instead of being cut: they are the point.
 * Every value from the system is made safe (`safeText`) before it is laid
 * out; the text is a block of lines portui made.
 */
import {CLOCK_TICKS_PER_SECOND} from '../core/procfs.js';
import type {ProcessReport} from '../core/processes/inspect.js';
import type {WhoResult} from '../core/processes/who.js';
import {serviceName} from '../core/sockets/services.js';
import {formatAge} from './duration.js';
import {safeText} from './safe-text.js';
import {formatTextTable} from './text-table.js';

const LABEL_WIDTH = 11;

/** Wraps text to `width` columns, breaking at spaces where it can. */
export function wrapText(text: string, width: number): string[] {
	if (width < 10 || text.length <= width) return [text];
	const lines: string[] = [];
	let rest = text;
	while (rest.length > width) {
		let cut = rest.lastIndexOf(' ', width);
		if (cut <= 0) cut = width;
		lines.push(rest.slice(0, cut));
		rest = rest.slice(cut).replace(/^ /, '');
	}
	if (rest !== '') lines.push(rest);
	return lines;
}

/** Bytes as a short human size: `812 KiB`, `45.3 MiB`. */
export function formatBytes(bytes: number): string {
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return unit === 0
		? `${value} B`
		: `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `addr:port`, with IPv6 addresses in brackets. */
export function endpoint(address: string, port: number): string {
	return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** "Who manages it", in one line. */
export function describeManager(report: ProcessReport): string {
	const parts: string[] = [];
	if (report.container) {
		const {container} = report;
		const named = container.name ? `${container.name} (${container.image ?? '?'})` : '';
		const id = `${container.runtime} ${container.id.slice(0, 12)}`;
		const via = container.via === 'docker-proxy' ? 'forwards to container' : 'container';
		parts.push(
			`${via} ${named ? `${named}, ${id}` : id}${container.unavailable ? ` (${container.unavailable})` : ''}`,
		);
	}
	if (report.unit) {
		const facts = report.unit.facts;
		const about = facts
			? [
					facts.activeState,
					facts.unitFileState,
					facts.restart ? `Restart=${facts.restart}` : undefined,
					facts.fragmentPath,
				]
					.filter(Boolean)
					.join(', ')
			: report.unit.unavailable;
		const inner = report.cgroup?.userUnit ? ` → ${report.cgroup.userUnit}` : '';
		parts.push(`systemd unit ${report.unit.name}${inner}${about ? ` (${about})` : ''}`);
	}
	if (report.shell) {
		const {shell} = report;
		const where = [
			shell.tty ? `on ${shell.tty}` : 'no terminal',
			`session ${shell.session}`,
			shell.multiplexer ? `in ${shell.multiplexer.name}` : undefined,
			shell.sshd ? `over ssh (sshd ${shell.sshd.pid})` : undefined,
		]
			.filter(Boolean)
			.join(', ');
		parts.push(
			`started from a shell: ${shell.shell.name} (pid ${shell.shell.pid}), ${where}`,
		);
	}
	if (parts.length === 0 && report.cgroup?.userSession) {
		parts.push(`login session ${report.cgroup.userSession} (${report.cgroup.scope})`);
	} else if (parts.length === 0 && report.cgroup?.scope) {
		parts.push(`scope ${report.cgroup.scope}`);
	}
	return parts.length > 0
		? parts.join('; ')
		: 'nothing found (no systemd unit, container or shell)';
}

/**
 * `process_api(1) → bash(812) → node(900)`, the process itself last. Given a
 * `maxLength`, the middle of a deep chain gives way to `…`: the root and the
 * nearest ancestors are what tell who started it.
 */
export function formatAncestry(report: ProcessReport, maxLength = Infinity): string {
	const labels = [
		...report.ancestry,
		{pid: report.details.pid, name: report.details.name},
	].map((link) => `${safeText(link.name)}(${link.pid})`);
	// Names as shown, so that lengths are the lengths on screen.
	const whole = labels.join(' → ');
	if (whole.length <= maxLength || labels.length < 3) return whole;
	for (let keep = labels.length - 2; keep >= 1; keep--) {
		const text = [labels[0], '…', ...labels.slice(-keep)].join(' → ');
		if (text.length <= maxLength) return text;
	}
	return [labels[0], '…', labels.at(-1)].join(' → ');
}

function processBlock(report: ProcessReport, width: number): string[] {
	const {details} = report;
	const lines: string[] = [];
	// Every value holds names, paths or command lines: made safe on one line before it
	// is wrapped, so a newline in one cannot start a line of its own.
	const field = (label: string, value: string) => {
		const wrapped = wrapText(safeText(value), Math.max(20, width - LABEL_WIDTH - 2));
		lines.push(`  ${label.padEnd(LABEL_WIDTH)}${wrapped[0]}`);
		for (const more of wrapped.slice(1)) lines.push(`  ${''.padEnd(LABEL_WIDTH)}${more}`);
	};
	lines.push(`${safeText(details.name)} (pid ${details.pid})`);
	for (const warning of report.warnings) lines.push(`  ! ${safeText(warning.message)}`);
	field('command', details.command);
	field(
		'user',
		details.user === null ? 'unknown' : `${details.user} (uid ${details.uid})`,
	);
	field('parent', `${details.parentName ?? '?'} (pid ${details.ppid})`);
	field(
		'exe',
		details.exe === null
			? 'unreadable (needs root)'
			: `${details.exe}${details.exeDeleted ? ' (deleted or replaced since start)' : ''}`,
	);
	field('cwd', details.cwd ?? 'unreadable (needs root)');
	field(
		'started',
		`${details.startedAt} (up ${formatAge(details.uptimeSeconds * 1000)})`,
	);
	field(
		'state',
		`${details.stateName}, ${details.threads} thread${details.threads === 1 ? '' : 's'}${
			details.rssBytes === null ? '' : `, ${formatBytes(details.rssBytes)} resident`
		}`,
	);
	if (details.uptimeSeconds > 0) {
		// One reading cannot give current CPU use; the average since start is what ps shows.
		const average =
			(details.cpuTicks / CLOCK_TICKS_PER_SECOND / details.uptimeSeconds) * 100;
		field('cpu', `${average.toFixed(1)}% on average since start`);
	}
	field(
		'sockets',
		report.socketsHidden
			? 'unreadable (needs root)'
			: `${report.listeners.length} listening, ${report.established} established${
					report.connections.length > report.established
						? `, ${report.connections.length - report.established} other`
						: ''
				}`,
	);
	for (const socket of [...report.listeners, ...report.connections]) {
		if (socket.sharedWith.length === 0) continue;
		const others = socket.sharedWith
			.map((link) => `${link.name} (pid ${link.pid})`)
			.join(', ');
		const what =
			socket.state === 'LISTEN' || socket.state === 'UNCONN'
				? `${socket.protocol} ${endpoint(socket.localAddress, socket.localPort)}`
				: `${socket.protocol} ${endpoint(socket.localAddress, socket.localPort)} → ${endpoint(socket.remoteAddress, socket.remotePort)}`;
		field('shared', `${what} with ${others}`);
	}
	field('managed by', describeManager(report));
	field('ancestry', formatAncestry(report));
	if (report.children.length > 0) {
		field(
			'children',
			report.children.map((link) => `${link.name}(${link.pid})`).join(', '),
		);
	}
	return lines;
}

export function formatWhoText(result: WhoResult, options: {width?: number} = {}): string {
	const width = options.width ?? 100;
	const rows = result.listeners.map((listener) => [
		listener.protocol,
		listener.address,
		String(listener.port),
		listener.state,
		serviceName(listener.port, listener.protocol) ?? '',
		listener.processes.length > 0
			? listener.processes.map((holder) => `${holder.name}(${holder.pid})`).join(', ')
			: listener.processesHidden
				? '(hidden: run with sudo)'
				: '-',
	]);
	const parts = [
		formatTextTable(
			[
				{header: 'PROTO'},
				{header: 'ADDRESS'},
				{header: 'PORT', align: 'right'},
				{header: 'STATE'},
				{header: 'SERVICE'},
				{header: 'PROCESS'},
			],
			rows,
			{maxWidth: width},
		),
	];
	for (const report of result.processes)
		parts.push(processBlock(report, width).join('\n') + '\n');
	for (const gone of result.gone) {
		parts.push(
			`${safeText(gone.name)} (pid ${gone.pid}) exited while portui was reading it\n`,
		);
	}
	return parts.join('\n');
}
