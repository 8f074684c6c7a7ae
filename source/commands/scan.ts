/**
 * `portui scan TARGETS`: TCP connect (default), UDP (--udp) or SYN through
 * nmap (--syn) scans with a progress bar on stderr when it is a terminal, a
 * per-host listing or --json on stdout, and exit codes 0 (done), 1 (some
 * hosts failed), 2 (bad input), 130 (Ctrl-C, after printing what was found).
 */
import process from 'node:process';
import {PortuiError, UsageError} from '../core/errors.js';
import {safeText} from '../format/safe-text.js';
import {formatTextTable} from '../format/text-table.js';
import type {ScanProgress, Technique} from '../core/scan/model.js';
import {synAvailability} from '../core/scan/nmap.js';
import {parsePorts, topPorts} from '../core/scan/ports.js';
import {
	collect,
	emptyReport,
	reportToJson,
	type ScanReport,
} from '../core/scan/report.js';
import {scan} from '../core/scan/scan.js';
import {
	needsConfirmation,
	resolveTargets,
	validateTargets,
} from '../core/scan/targets.js';
import {serviceName} from '../core/sockets/services.js';
import {integerFlag, parseCommand, type CommandTable} from './flags.js';
import {confirm} from './prompt.js';
import {stderr, stdout, writeJson} from './write-out.js';

const help = `
Usage
  $ portui scan TARGETS [options]

Scans ports of hosts you are authorised to scan. TARGETS: addresses, names,
CIDR blocks (10.0.0.0/24, fd00::/120), octet ranges (192.168.1.1-20), comma lists.

Options
  -p, --ports PORTS    22,80,443 · 8000-8100 · - or all (1-65535) · service names (http, ssh)
  --top N              The N most common ports (default: the top 1000)
  --udp                UDP scan (replies: open; ICMP unreachable: closed; silence: open|filtered)
  --syn                SYN scan through nmap (needs nmap and root)
  --timeout MS         Longest wait for one probe (default 1000; shorter when the network answers fast)
  --concurrency N      Probes in flight (capped by the open-file limit)
  --rate N             At most N probes per second
  --retries N          Retries for unanswered probes (default 1)
  --banner             Read a banner from open TCP ports (greeting or HTTP Server header)
  --exclude TARGETS    Leave these out (same syntax; repeatable)
  --all                List closed ports too
  --json               JSON on stdout
  --yes                Scan addresses outside loopback and private ranges without asking

Exit codes: 0 done, 1 some hosts failed, 2 bad input, 130 cancelled (Ctrl-C).
`;

export const scanCommand = {
	name: 'scan',
	help,
	flags: {
		ports: {type: 'string', short: 'p'},
		top: {type: 'string'},
		udp: {type: 'boolean'},
		syn: {type: 'boolean'},
		timeout: {type: 'string'},
		concurrency: {type: 'string'},
		rate: {type: 'string'},
		retries: {type: 'string'},
		banner: {type: 'boolean'},
		exclude: {type: 'string', multiple: true},
		all: {type: 'boolean'},
		json: {type: 'boolean'},
		yes: {type: 'boolean'},
	},
	words: {
		name: 'TARGETS',
		min: 1,
		max: Number.POSITIVE_INFINITY,
		missing: 'a target, e.g. portui scan 127.0.0.1',
	},
	conflicts: [
		{flags: ['--udp', '--syn'], why: 'are different scans: pick one'},
		{flags: ['--ports', '--top'], why: 'both choose ports: pick one'},
		{
			flags: ['--udp', '--banner'],
			why: 'do not go together: banners are read from open TCP ports',
		},
	],
} as const satisfies CommandTable;

function formatDuration(ms: number): string {
	return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms / 1000)} s`;
}

/** One line of progress: bar, %, done/total, open, rate, ETA, elapsed. */
export function progressLine(progress: ScanProgress, width = 80): string {
	const fraction = progress.total > 0 ? progress.done / progress.total : 1;
	const stats = ` ${Math.floor(fraction * 100)
		.toString()
		.padStart(
			3,
		)}% ${progress.done}/${progress.total} · ${progress.open} open · ${Math.round(progress.rate)}/s · ETA ${
		progress.etaMs === undefined ? '?' : formatDuration(progress.etaMs)
	} · ${formatDuration(progress.elapsedMs)}`;
	const barWidth = Math.max(10, Math.min(30, width - stats.length - 3));
	const filled = Math.round(fraction * barWidth);
	return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${stats}`.slice(
		0,
		Math.max(1, width - 1),
	);
}

/** The human listing: per host, the ports that are not closed (all with `all`), then a summary line. */
export function formatReport(
	report: ScanReport,
	{all = false}: {all?: boolean} = {},
): string {
	const lines: string[] = [];
	const showBanner = report.hosts.some((host) =>
		host.ports.some((result) => result.banner),
	);
	for (const host of report.hosts) {
		const {target, address} = host.target;
		// Names the operator typed, and what a resolver answered for them.
		const title = safeText(
			target === address || address === '' ? target : `${target} (${address})`,
		);
		if (host.error) {
			lines.push(`${title}: ${safeText(host.error)}`, '');
			continue;
		}
		lines.push(title);
		const rows = host.ports
			.filter((result) => all || result.state !== 'closed')
			.sort((a, b) => a.port - b.port)
			.map((result) => {
				const row = [
					`${result.port}/${result.protocol}`,
					result.state,
					serviceName(result.port, result.protocol) ?? '',
				];
				if (showBanner) row.push(result.banner ?? '');
				return row;
			});
		if (rows.length === 0) lines.push('  no open ports');
		else {
			const columns = [{header: 'PORT'}, {header: 'STATE'}, {header: 'SERVICE'}];
			if (showBanner) columns.push({header: 'BANNER'});
			const table = formatTextTable(columns, rows, {maxWidth: stdout.columns});
			lines.push(
				...table
					.replace(/\n$/, '')
					.split('\n')
					.map((line) => `  ${line}`),
			);
		}
		const hidden = all ? 0 : host.counts.closed;
		if (hidden > 0 && rows.length > 0) lines.push(`  (${hidden} closed not shown)`);
		lines.push('');
	}
	const sum = (key: keyof ScanReport['hosts'][number]['counts']): number =>
		report.hosts.reduce((total, host) => total + host.counts[key], 0);
	const scanned = report.hosts.filter((host) => !host.error).length;
	const failed = report.hosts.length - scanned;
	const parts = [
		`${sum('open')} open`,
		`${sum('closed')} closed`,
		`${sum('filtered')} filtered`,
	];
	if (report.technique === 'udp' || sum('open|filtered') > 0)
		parts.push(`${sum('open|filtered')} open|filtered`);
	const hosts = `${scanned} host${scanned === 1 ? '' : 's'}${failed > 0 ? ` (${failed} failed)` : ''}`;
	const verb = report.cancelled ? 'Cancelled after' : 'Scanned';
	lines.push(
		`${verb} ${hosts}, ${report.ports} ${report.technique === 'udp' ? 'UDP' : 'TCP'} ports each, in ${formatDuration(report.durationMs)}: ${parts.join(', ')}`,
	);
	return `${lines.join('\n')}\n`;
}

async function confirmOutside(addresses: string[]): Promise<boolean> {
	const shown =
		addresses.slice(0, 5).join(', ') +
		(addresses.length > 5 ? `, … (${addresses.length} in all)` : '');
	return confirm(
		`${shown} ${addresses.length === 1 ? 'is' : 'are'} outside loopback and private ranges. Scan only hosts you are authorised to scan. Continue? [y/N] `,
	);
}

export async function run(argv: string[]): Promise<number> {
	const cli = await parseCommand(scanCommand, argv);
	const options = cli.flags;
	const technique: Technique = options.udp ? 'udp' : options.syn ? 'syn' : 'connect';
	const protocol = technique === 'udp' ? 'udp' : 'tcp';
	const top = integerFlag('top', options.top, {min: 1, max: 65_535});
	const timeoutMs = integerFlag('timeout', options.timeout, {min: 1, max: 600_000});
	const concurrency = integerFlag('concurrency', options.concurrency, {
		min: 1,
		max: 1_000_000,
	});
	const rate = integerFlag('rate', options.rate, {min: 1, max: 10_000_000});
	const retries = integerFlag('retries', options.retries, {min: 0, max: 20});
	const ports =
		options.ports === undefined
			? topPorts(top ?? 1000, protocol)
			: parsePorts(options.ports, protocol);
	validateTargets(cli.input);
	const exclude = options.exclude ?? [];
	if (exclude.length > 0) validateTargets(exclude);
	if (technique === 'syn') {
		const availability = synAvailability();
		if (!availability.available)
			throw new PortuiError(
				`${availability.reason}; or run a connect scan (without --syn)`,
			);
	}
	const targets = await resolveTargets(cli.input, exclude);
	if (targets.length === 0)
		throw new UsageError('every target was excluded: nothing to scan');
	const outside = targets
		.filter((target) => !target.error && needsConfirmation(target.address))
		.map((target) => target.address);
	if (outside.length > 0 && !options.yes) {
		if (!process.stdin.isTTY) {
			throw new UsageError(
				`refusing to scan ${outside[0]}${outside.length > 1 ? ` and ${outside.length - 1} more` : ''} (outside loopback and private ranges) without --yes: no terminal to confirm on`,
			);
		}
		if (!(await confirmOutside(outside))) {
			stderr.line('portui: scan not started');
			return 2;
		}
	}

	const controller = new AbortController();
	const onSigint = (): void => controller.abort();
	process.on('SIGINT', onSigint);
	const bar = stderr.isTTY;
	let report = emptyReport(technique);
	let lastDraw = 0;
	try {
		for await (const event of scan({
			targets,
			ports,
			technique,
			timeoutMs,
			concurrency,
			rate,
			retries,
			banner: options.banner ?? false,
			reportClosed: options.all ?? false,
			signal: controller.signal,
			// Nothing else runs on this thread: probe here too, no worker start-up first.
			inProcess: true,
		})) {
			report = collect(report, event);
			if (bar && event.type === 'progress' && Date.now() - lastDraw > 90) {
				lastDraw = Date.now();
				stderr.control('clearLine');
				stderr.text(progressLine(event.progress, stderr.columns ?? 80));
			}
		}
	} finally {
		process.off('SIGINT', onSigint);
		if (bar) stderr.control('clearLine');
	}
	const all = options.all ?? false;
	if (options.json) writeJson(reportToJson(report, {all}), 2);
	else stdout.block(formatReport(report, {all}));
	if (report.cancelled) return 130;
	return report.hosts.some((host) => host.error) ? 1 : 0;
}
