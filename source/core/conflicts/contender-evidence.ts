/**
 * What says a failing unit wants one port, as data the party model and the
 * screen carry: the journal line that names the address it could not bind,
 * a config of the unit declaring the port, its ExecStart= arguments, its
 * Environment= and EnvironmentFile= assignments. A journal line that says
 * "Address already in use" without naming a port is evidence of a failure,
 * not of which port: it is kept, marked `unnamed`, and never makes a unit a
 * contender by itself (python3's `OSError: [Errno 98]` names none, so such a
 * unit used to be listed for every port).
 *
 * Everything here is pure text reading, so each form is tested on the lines
 * real servers print and the command lines real services are started with.
 */
import type {DeclaredPort} from './identify.js';

export type EvidenceKind =
	'journal' | 'config' | 'exec-start' | 'environment' | 'unnamed';

export type ContenderEvidence = {
	kind: EvidenceKind;
	/** The port this evidence names; absent for `unnamed`. */
	port?: number;
	/** The journal line, argument or assignment as written. */
	text: string;
	/** Where it was read: `journalctl -u UNIT`, `ExecStart= of UNIT`, `Environment= of UNIT`, `FILE:LINE`. */
	source: string;
};

/** A unit's start settings as systemd resolved them (drop-ins included). */
export type UnitSettings = {
	/** ExecStart= command lines, argv joined by spaces as `systemctl show` prints them. */
	execStart: string[];
	/** Environment= assignments, `KEY=VALUE`. */
	environment: string[];
	/** EnvironmentFile= files, with their text when it could be read. */
	environmentFiles: Array<{file: string; text?: string}>;
};

/** What a unit's journal says about one port. */
export type JournalEvidence = {
	/** "Address in use" lines naming the port. */
	named: ContenderEvidence[];
	/** "Address in use" lines naming no port at all. */
	unnamed: ContenderEvidence[];
	/** Whether some "address in use" line names only other ports. */
	otherPorts: boolean;
};

/** How many lines of one kind are kept: the newest, enough to show and to judge by. */
const KEPT = 3;
/** A journal line is shown on one row; a longer one is attacker-sized, not informative. */
const MAX_TEXT = 240;

const IN_USE =
	/address already in use|\bEADDRINUSE\b|\bAddrInUse\b|\baddress in use\b|\bconnection in use\b|\bport\b.{0,40}?\b(?:is|was) (?:already )?in use/i;

/**
 * Address shapes daemons print, each capturing the port. None of them can
 * match a time of day (`10:22:05`), a stack frame (`node:net:2067:7`,
 * `/srv/app.js:12:5`) or a pid prefix (`1234:M`): an address needs a dotted
 * IPv4, brackets, a `*`, a `::`, `localhost` or a colon standing alone.
 */
const ADDRESS_PATTERNS: RegExp[] = [
	// 0.0.0.0:80, 127.0.0.1:9090: (Go), 0.0.0.0/0.0.0.0:8080 (Java)
	/(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}:(\d{1,5})(?!\d|\.\d)/g,
	// [::]:443, [::1]:8443
	/\[[\w:.%]*\]:(\d{1,5})(?!\d|\.\d)/g,
	// *:6379 (Redis)
	/(?<![\w*])\*:(\d{1,5})(?!\d|\.\d)/g,
	// :::8080 and ::1:3000 (Node, Redis print the IPv6 address and port joined by a colon)
	/(?<![\w:])[0-9a-f]*::[0-9a-f:]*:(\d{1,5})(?!\d|\.\d)/gi,
	// listen tcp :8080: (Go, Caddy)
	/(?:^|[\s('"=,]):(\d{1,5})(?!\d|\.\d)/g,
	// http://localhost:5000
	/\blocalhost:(\d{1,5})(?!\d|\.\d)/gi,
	// ('0.0.0.0', 8000) and ('::', 8000, 0, 0) (Python's address tuples)
	/\(\s*(?:'[^']*'|"[^"]*")\s*,\s*(\d{1,5})\s*[,)]/g,
];

/** `port 2222` (sshd), `Port 8080 was` (Spring), `port: 3306` (MySQL): also how a hint line names it. */
const PORT_WORD = /\bport\b[\s:=#]*(\d{1,5})(?!\d|\.\d)/gi;

function validPort(text: string | undefined): number | undefined {
	if (text === undefined || !/^\d{1,5}$/.test(text)) return undefined;
	const port = Number(text);
	return port >= 1 && port <= 65535 ? port : undefined;
}

function portsMatching(line: string, patterns: RegExp[]): number[] {
	const ports: number[] = [];
	for (const pattern of patterns) {
		for (const match of line.matchAll(pattern)) {
			const port = validPort(match[1]);
			if (port !== undefined && !ports.includes(port)) ports.push(port);
		}
	}
	return ports;
}

/** Ports named in one log line, in the shapes the common servers print. */
export function portsInLine(line: string): number[] {
	return portsMatching(line, [...ADDRESS_PATTERNS, PORT_WORD]);
}

function clip(text: string): string {
	const trimmed = text.trim();
	return trimmed.length > MAX_TEXT ? `${trimmed.slice(0, MAX_TEXT - 1)}…` : trimmed;
}

function newest(evidence: ContenderEvidence[]): ContenderEvidence[] {
	const unique = evidence.filter(
		(item, index) => evidence.findIndex((other) => other.text === item.text) === index,
	);
	return unique.slice(-KEPT);
}

/**
 * Reads a unit's journal (oldest line first) for "address in use" lines
 * about `port`. A hint on the next line names the port of the line before
 * it (PostgreSQL: `HINT: Is another postmaster already running on port
 * 5432?`, MySQL: `… running on port: 3306 ?`); only its `port N` phrase
 * counts there, since the next line may be anything.
 */
export function journalEvidence(
	journal: string,
	port: number,
	unit: string,
): JournalEvidence {
	const source = `journalctl -u ${unit}`;
	const lines = journal.split('\n');
	const named: ContenderEvidence[] = [];
	const unnamed: ContenderEvidence[] = [];
	let otherPorts = false;
	for (const [index, line] of lines.entries()) {
		if (!IN_USE.test(line)) continue;
		const ports = [
			...portsInLine(line),
			...portsMatching(lines[index + 1] ?? '', [PORT_WORD]),
		];
		if (ports.includes(port))
			named.push({kind: 'journal', port, text: clip(line), source});
		else if (ports.length === 0)
			unnamed.push({kind: 'unnamed', text: clip(line), source});
		else otherPorts = true;
	}
	return {named: newest(named), unnamed: newest(unnamed), otherPorts};
}

/**
 * The port in an address as services take it: `:8080`, `0.0.0.0:8080`,
 * `[::]:8080`, `*:8080`, `localhost:8080`, `http://host:8080/x`, and (where
 * the option is known to take a port or an address) `8080` or `host:8080`.
 */
function portOfAddress(value: string, lenient: boolean): number | undefined {
	const withoutScheme = value.replace(/^[a-z][\w+.-]*:\/\//i, '');
	const address = withoutScheme.replace(/\/.*$/, '');
	if (lenient && /^\d+$/.test(address)) return validPort(address);
	const host = lenient
		? /^(?:\[[\w:.%]*\]|[\w.-]*|\*)?:(\d{1,5})$/
		: /^(?:\[[\w:.%]*\]|(?:\d{1,3}\.){3}\d{1,3}|\*|localhost)?:(\d{1,5})$/i;
	return validPort(host.exec(address)?.[1]);
}

/**
 * Option names that set the port a service listens on, separators folded to
 * `-`: `--port`, `--http-port`, `-Dserver.port`. Prefixes naming something
 * the service connects to (`--db-port`, `--redis-port`) are left out.
 */
const PORT_OPTION =
	/^(?:(?:listen|http|https|bind|server|web|app|api|grpc|metrics|admin|public|local|service|tcp|ui)-)?port$/;
/** Option names that set the address it listens on: `--listen`, `-addr`, `--web.listen-address`. */
const ADDRESS_OPTION =
	/^(?:(?:web|http|https|grpc|metrics|admin|api|server|app|public|tcp|ui|console|rpc|health|status|debug)-)?(?:listen|bind|addr|address|listen-addr|listen-address|bind-addr|bind-address|http-addr|http-address)$/;
/** Single-letter options, case as written: `-p 8080`, `-l 8080`, `-b 0.0.0.0:8000` (gunicorn), `-S` (php). */
const SHORT_PORT_OPTIONS = new Set(['p']);
const SHORT_ADDRESS_OPTIONS = new Set(['l', 'b', 'S']);

function portOfOption(name: string, value: string): number | undefined {
	// Java system properties: -Dserver.port=8080.
	const bare = /^D[a-z][\w-]*\./.test(name) ? name.slice(1) : name;
	if (bare.length === 1) {
		if (SHORT_PORT_OPTIONS.has(bare)) return validPort(value);
		if (SHORT_ADDRESS_OPTIONS.has(bare)) return portOfAddress(value, true);
		return undefined;
	}
	const folded = bare.toLowerCase().replace(/[_.]/g, '-');
	if (PORT_OPTION.test(folded)) return validPort(value);
	if (ADDRESS_OPTION.test(folded)) return portOfAddress(value, true);
	return undefined;
}

/**
 * Ports a unit's ExecStart= command lines declare: an option that takes a
 * port or a listening address (`--port 8080`, `--port=8080`, `-p 8080`,
 * `-addr :8080`, `--listen=0.0.0.0:8080`), or an address standing as an
 * argument of its own (`runserver 0.0.0.0:8000`). The value of any other
 * option (`--upstream 127.0.0.1:9000`) and a bare number (`sleep 8080`) is
 * no claim: the service may connect there, or it is no port at all.
 */
export function execStartEvidence(
	execStart: string[],
	unit: string,
): ContenderEvidence[] {
	const source = `ExecStart= of ${unit}`;
	const found: ContenderEvidence[] = [];
	const add = (port: number | undefined, text: string) => {
		if (port !== undefined && !found.some((item) => item.text === text))
			found.push({kind: 'exec-start', port, text, source});
	};
	for (const commandLine of execStart) {
		const words = commandLine.split(/\s+/).filter(Boolean);
		for (let index = 0; index < words.length; index++) {
			const word = words[index]!;
			const option = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/.exec(word);
			if (!option) {
				add(portOfAddress(word, false), word);
				continue;
			}
			const [, name, inline] = option;
			if (inline !== undefined) {
				add(portOfOption(name!, inline), word);
				continue;
			}
			const next = words[index + 1];
			if (next === undefined || next.startsWith('-')) continue;
			add(portOfOption(name!, next), `${word} ${next}`);
			// The word after an option is its value, whatever the option.
			index++;
		}
	}
	return found;
}

/** `PORT`, `HTTP_PORT`, `LISTEN_PORT`…: not `DB_PORT`, which is where the service connects. */
const PORT_VARIABLE =
	/^(?:(?:LISTEN|HTTP|HTTPS|BIND|SERVER|WEB|APP|API|GRPC|METRICS|ADMIN|PUBLIC|SERVICE)_)?PORT$/;
const ADDRESS_VARIABLE =
	/^(?:(?:HTTP|HTTPS|WEB|GRPC|METRICS|ADMIN|API|SERVER|APP)_)?(?:LISTEN|BIND|ADDR|LISTEN_ADDR|LISTEN_ADDRESS|BIND_ADDR|BIND_ADDRESS)$/;

function portOfAssignment(name: string, rawValue: string): number | undefined {
	const value = rawValue.trim().replace(/^(["'])(.*)\1$/, '$2');
	if (PORT_VARIABLE.test(name)) return validPort(value);
	if (ADDRESS_VARIABLE.test(name)) return portOfAddress(value, true);
	return undefined;
}

/** Ports set by a unit's Environment= assignments and the files its EnvironmentFile= names. */
export function environmentEvidence(
	settings: UnitSettings,
	unit: string,
): ContenderEvidence[] {
	const found: ContenderEvidence[] = [];
	for (const assignment of settings.environment) {
		const equals = assignment.indexOf('=');
		if (equals <= 0) continue;
		const port = portOfAssignment(
			assignment.slice(0, equals),
			assignment.slice(equals + 1),
		);
		if (port !== undefined)
			found.push({
				kind: 'environment',
				port,
				text: clip(assignment),
				source: `Environment= of ${unit}`,
			});
	}
	for (const {file, text} of settings.environmentFiles) {
		if (text === undefined) continue;
		text.split('\n').forEach((line, index) => {
			const assignment = /^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=(.*)$/.exec(line);
			if (!assignment) return;
			const port = portOfAssignment(assignment[1]!, assignment[2]!);
			if (port !== undefined)
				found.push({
					kind: 'environment',
					port,
					text: clip(line),
					source: `${file}:${index + 1}`,
				});
		});
	}
	return found;
}

/**
 * Config declarations that belong to the unit. The systemd adapter's own
 * finds (`Environment=PORT=` in the unit file, `PORT=` in its environment
 * file) are the same assignments systemd passes the service: environment.
 */
export function declarationEvidence(declarations: DeclaredPort[]): ContenderEvidence[] {
	return declarations.map((declared) => ({
		kind:
			declared.adapter === 'env' ||
			(declared.adapter === 'systemd' && /^\s*Environment\s*=/i.test(declared.context))
				? 'environment'
				: 'config',
		port: declared.port,
		text: declared.context,
		source: `${declared.file}:${declared.line}`,
	}));
}

/**
 * Whether a failure can be about the port at all: it names it, or it names
 * no port. One naming only other ports failed on those.
 */
export function failureMayConcern(failure: JournalEvidence): boolean {
	return failure.named.length > 0 || (!failure.otherPorts && failure.unnamed.length > 0);
}

/**
 * Whether `unit` wants `port`, and on what evidence: a journal line naming
 * the port; or, when its failure named no port, something of the unit's own
 * naming it (config, Environment=, ExecStart=). A unit whose failure names
 * only other ports failed on those, and is no contender for this one.
 */
export function unitEvidence(
	input: {
		unit: string;
		failure: JournalEvidence;
		settings?: UnitSettings;
		declarations: DeclaredPort[];
	},
	port: number,
): {evidence: ContenderEvidence[]; portNamed: boolean} | undefined {
	const {failure} = input;
	if (!failureMayConcern(failure)) return undefined;
	const declared: ContenderEvidence[] = [];
	for (const item of [
		...declarationEvidence(input.declarations),
		...(input.settings ? environmentEvidence(input.settings, input.unit) : []),
		...(input.settings ? execStartEvidence(input.settings.execStart, input.unit) : []),
	]) {
		if (item.port !== port) continue;
		// Assignments of one port say one thing (a unit file's line is also in systemd's view of
		// the unit): the first, which names a file, is kept.
		const same = (other: ContenderEvidence) =>
			other.kind === item.kind &&
			(other.text === item.text || item.kind === 'environment');
		if (declared.some(same)) continue;
		if (declared.filter((other) => other.kind === item.kind).length >= KEPT) continue;
		declared.push(item);
	}
	if (failure.named.length > 0)
		return {evidence: [...failure.named, ...declared], portNamed: true};
	if (declared.length === 0) return undefined;
	return {evidence: [...failure.unnamed, ...declared], portNamed: false};
}

/** Where the evidence was found, as a reason names it: `ExecStart`, `Environment=`, `/etc/redis/redis.conf:2`. */
export function evidenceOrigin(evidence: ContenderEvidence): string {
	if (evidence.kind === 'exec-start') return 'ExecStart';
	if (evidence.source.startsWith('Environment= of ')) return 'Environment=';
	if (evidence.kind === 'journal' || evidence.kind === 'unnamed') return 'its journal';
	return evidence.source;
}

/** One line for a screen: what the evidence is and says, the port-less kind saying so. */
export function describeEvidence(evidence: ContenderEvidence): string {
	switch (evidence.kind) {
		case 'journal':
			return `journal: ${evidence.text}`;
		case 'unnamed':
			return `journal, port not named: ${evidence.text}`;
		case 'exec-start':
			return `ExecStart names ${evidence.port}: ${evidence.text}`;
		case 'environment':
		case 'config':
			return `${evidence.source}: ${evidence.text}`;
	}
}
