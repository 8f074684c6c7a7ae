/**
 * Step 1 of conflict resolution: everyone involved with one port. The holders
 * (every process sharing each socket on the port, grouped so that a master and
 * its workers are one party) and the contenders that want the port, found
 * rather than typed: systemd units failing with "Address already in use",
 * services whose config declares the port, or a need the user states.
 *
 * Everything read from the system comes through `IdentifySources`, so this
 * module is the same whether it runs against the real machine or a test.
 */
import type {Listener, Protocol} from '../sockets/listener.js';
import {
	findUnitContenders,
	type ContenderEvidence,
	type UnitLog,
	type UnitState,
} from './unit-contenders.js';

/** What identification needs to know about one process beyond the Listener model. */
export type ProcessFacts = {
	ppid: number;
	/** Short name of the parent; undefined when unreadable. */
	parentName?: string;
	/** Controlling terminal (`pts/3`), undefined when none. */
	tty?: string;
	cwd?: string;
	/** The systemd unit the process runs in (from its cgroup). */
	unit?: string;
	container?: {runtime: string; id: string};
};

/** A port declared in a config file, as the reconfigure adapters find it. */
export type DeclaredPort = {
	/** Adapter name: `nginx`, `env`, `sshd`… */
	adapter: string;
	/** Adapter title for display: `nginx`, `.env file`… */
	title: string;
	/** Process names of the service that reads this config (`/proc/PID/comm`). */
	processNames: string[];
	/** The unit that usually runs it, when known. */
	unit?: string;
	file: string;
	line: number;
	port: number;
	protocol: Protocol;
	/** The directive as written, for display. */
	context: string;
	/** Sub-service inside the file (compose service, server_name…). */
	scope?: string;
};

/** The system, as identification reads it. */
export type IdentifySources = {
	listeners(): Listener[];
	serviceName(port: number, protocol: Protocol): string | undefined;
	/** Undefined when the process has gone. */
	processFacts(pid: number): ProcessFacts | undefined;
	/** Established connections whose local port is `port`. */
	connections(port: number, protocol: Protocol): number;
	units: UnitLog;
	/**
	 * Every config declaration of this port the known adapters find. `cwds`
	 * are the holders' working directories: a `.env` there is the holder's own.
	 */
	declarations(
		port: number,
		protocol: Protocol,
		hints: {cwds: string[]},
	): Promise<DeclaredPort[]>;
};

export type PartyProcess = {
	pid: number;
	name: string;
	command: string;
	user: string;
	uid: number;
	startTicks: number;
	startedAtMs: number;
};

export type PartyFacts = {
	unit?: string;
	/** Whether the unit starts at boot (undefined: unknown or no unit). */
	unitEnabled?: boolean;
	container?: {runtime: string; id: string};
	user?: string;
	/** Start of the oldest process of the party. */
	startedAtMs?: number;
	/** Live connections on the port (holders only). */
	connections: number;
	/** Name the well-known service for this port matches in the party (`http` for nginx on 80). */
	wellKnownMatch?: string;
	/** Runs under a service manager (systemd unit or container). */
	runsAsService: boolean;
	/** Started from an interactive shell (has a terminal or a shell parent). */
	fromShell: boolean;
};

type PartyBase = {
	/** Stable id within one identification: `holder:1234`, `unit:nginx.service`, `config:/etc/x`, `typed`. */
	id: string;
	/** One-line name for lists: `nginx (pids 10, 11)`. */
	label: string;
	facts: PartyFacts;
	/** Config declarations of this port that belong to this party: what a reconfigure rewrites. */
	declarations: DeclaredPort[];
};

export type HolderParty = PartyBase & {
	kind: 'holder';
	processes: PartyProcess[];
	sockets: Array<Pick<Listener, 'protocol' | 'family' | 'address' | 'port' | 'inode'>>;
};

export type UnitParty = PartyBase & {
	kind: 'unit';
	unit: string;
	state: UnitState;
	/** What says it wants this port: its failure, then what names the port (data, for the screen). */
	evidence: ContenderEvidence[];
	/** The failure itself names this port; when false it names none and the unit never outranks a holder. */
	portNamed: boolean;
};

export type ConfigParty = PartyBase & {kind: 'config'; adapter: string; file: string};

/** The user said "I need this port" for something portui cannot see yet. */
export type TypedParty = PartyBase & {kind: 'typed'; need: string};

export type Party = HolderParty | UnitParty | ConfigParty | TypedParty;

export type Identification = {
	port: number;
	protocol: Protocol;
	/** /etc/services name of the port. */
	service?: string;
	parties: Party[];
	/** False when systemd could not be asked (not PID 1): unit contenders were not looked for. */
	systemdAvailable: boolean;
	/** Sockets on the port whose holders portui may not see (run with sudo). */
	hiddenHolders: number;
	takenAtMs: number;
};

export type IdentifyRequest = {
	port: number;
	protocol?: Protocol;
	/** What the user typed as their need ("my app", "8080"): adds a typed contender. */
	need?: string;
};

/** Common names of the software behind well-known services, beyond the service name itself. */
const SERVICE_SOFTWARE: Record<string, string[]> = {
	http: ['nginx', 'apache2', 'httpd', 'caddy', 'lighttpd', 'haproxy', 'traefik', 'envoy'],
	https: [
		'nginx',
		'apache2',
		'httpd',
		'caddy',
		'lighttpd',
		'haproxy',
		'traefik',
		'envoy',
	],
	ssh: ['sshd', 'dropbear'],
	postgresql: ['postgres', 'postmaster'],
	mysql: ['mysqld', 'mariadbd', 'mariadb'],
	domain: ['named', 'dnsmasq', 'unbound', 'systemd-resolve', 'coredns'],
	smtp: ['master', 'exim4', 'exim', 'sendmail', 'postfix'],
	ntp: ['ntpd', 'chronyd'],
	'http-alt': ['nginx', 'apache2', 'httpd', 'caddy', 'tomcat'],
	redis: ['redis-server'],
};

const SHELLS = new Set([
	'bash',
	'sh',
	'dash',
	'zsh',
	'fish',
	'ksh',
	'tcsh',
	'csh',
	'tmux: server',
	'screen',
]);

/** The software name the well-known service matches among these names, if any. */
export function matchWellKnown(
	service: string | undefined,
	names: string[],
): string | undefined {
	if (!service) return undefined;
	const wanted = new Set([service, ...(SERVICE_SOFTWARE[service] ?? [])]);
	for (const name of names) {
		const bare = name.replace(/\.(service|socket)$/, '').replace(/@.*$/, '');
		if (wanted.has(bare)) return bare;
		// Versioned names: postgresql@15-main, php8.2-fpm, redis-server.
		for (const candidate of wanted) if (bare.startsWith(`${candidate}-`)) return bare;
	}
	return undefined;
}

/** Groups listeners on one port into parties: sockets that share any process are one party. */
export function groupHolders(listeners: Listener[]): Listener[][] {
	const groups: Array<{pids: Set<number>; listeners: Listener[]}> = [];
	for (const listener of listeners) {
		const pids = new Set(listener.processes.map((process) => process.pid));
		const touching = groups.filter(
			(group) => pids.size > 0 && [...pids].some((pid) => group.pids.has(pid)),
		);
		const merged = {pids, listeners: [listener]};
		for (const group of touching) {
			for (const pid of group.pids) merged.pids.add(pid);
			merged.listeners.unshift(...group.listeners);
			groups.splice(groups.indexOf(group), 1);
		}
		groups.push(merged);
	}
	return groups.map((group) => group.listeners);
}

/** `hidden`: the holders are another user's, which sudo shows (else they are outside this PID namespace). */
function holderLabel(
	processes: PartyProcess[],
	facts: PartyFacts,
	hidden: boolean,
): string {
	if (processes.length === 0)
		return hidden
			? 'unknown process (run with sudo to see it)'
			: 'unknown process (outside this PID namespace, or the kernel)';
	const names = [...new Set(processes.map((process) => process.name))].join(', ');
	const pids = processes.map((process) => process.pid);
	const shown = pids.length > 3 ? `${pids.slice(0, 3).join(', ')}, …` : pids.join(', ');
	const where = facts.unit
		? ` ${facts.unit}`
		: facts.container
			? ` ${facts.container.runtime} ${facts.container.id.slice(0, 12)}`
			: '';
	return `${names} (pid${pids.length > 1 ? 's' : ''} ${shown})${where}`;
}

function belongsTo(
	declaration: DeclaredPort,
	names: string[],
	unit: string | undefined,
	cwds: string[],
): boolean {
	if (unit && declaration.unit && declaration.unit === unit) return true;
	if (declaration.processNames.some((name) => names.includes(name))) return true;
	// An environment file belongs to the process started from its directory.
	if (declaration.adapter === 'env') {
		const directory = declaration.file.slice(0, declaration.file.lastIndexOf('/')) || '/';
		return cwds.includes(directory);
	}
	return false;
}

/** Finds every party involved with a port. */
export async function identify(
	request: IdentifyRequest,
	sources: IdentifySources,
): Promise<Identification> {
	const protocol = request.protocol ?? 'tcp';
	const {port} = request;
	const service = sources.serviceName(port, protocol);
	const onPort = sources
		.listeners()
		.filter((listener) => listener.port === port && listener.protocol === protocol);
	const groups = groupHolders(onPort).map((group) => {
		const byPid = new Map<number, PartyProcess>();
		for (const listener of group) {
			for (const process of listener.processes) byPid.set(process.pid, {...process});
		}
		const processes = [...byPid.values()].sort((a, b) => a.pid - b.pid);
		const facts = processes.map((process) => sources.processFacts(process.pid));
		return {group, processes, facts};
	});
	const allCwds = groups.flatMap(({facts}) =>
		facts.flatMap((fact) => (fact?.cwd ? [fact.cwd] : [])),
	);
	const declarations = await sources.declarations(port, protocol, {
		cwds: [...new Set(allCwds)],
	});
	const claimed = new Set<DeclaredPort>();
	const parties: Party[] = [];
	let hiddenHolders = 0;
	const connections = onPort.length > 0 ? sources.connections(port, protocol) : 0;

	for (const {group, processes, facts} of groups) {
		hiddenHolders += group.filter((listener) => listener.processesHidden).length;
		const unit = facts.find((fact) => fact?.unit)?.unit;
		const container = facts.find((fact) => fact?.container)?.container;
		const oldest = processes.reduce<PartyProcess | undefined>(
			(best, process) =>
				!best || process.startedAtMs < best.startedAtMs ? process : best,
			undefined,
		);
		const pids = new Set(processes.map((process) => process.pid));
		// The root process is the one whose parent is outside the group: its parent tells how it was started.
		const rootIndex = Math.max(
			0,
			facts.findIndex((fact) => fact !== undefined && !pids.has(fact.ppid)),
		);
		const rootFacts = facts[rootIndex];
		const fromShell =
			!unit &&
			!container &&
			rootFacts !== undefined &&
			(rootFacts.tty !== undefined || SHELLS.has(rootFacts.parentName ?? ''));
		const names = [...new Set(processes.map((process) => process.name))];
		const partyFacts: PartyFacts = {
			unit,
			unitEnabled: unit
				? await sources.units.enabled(unit).catch(() => undefined)
				: undefined,
			container,
			user: oldest?.user ?? group[0]?.user,
			startedAtMs: oldest?.startedAtMs,
			// Connections are counted per port, so with several holder groups each shows the total.
			connections,
			wellKnownMatch: matchWellKnown(service, unit ? [unit, ...names] : names),
			runsAsService: unit !== undefined || container !== undefined,
			fromShell,
		};
		const cwds = facts.flatMap((fact) => (fact?.cwd ? [fact.cwd] : []));
		const own = declarations.filter(
			(declaration) =>
				!claimed.has(declaration) && belongsTo(declaration, names, unit, cwds),
		);
		for (const declaration of own) claimed.add(declaration);
		parties.push({
			kind: 'holder',
			id:
				processes.length > 0
					? `holder:${processes[0]!.pid}`
					: `holder:inode:${group[0]!.inode}`,
			label: holderLabel(
				processes,
				partyFacts,
				group.some((listener) => listener.processesHidden),
			),
			facts: partyFacts,
			declarations: own,
			processes,
			sockets: group.map(({protocol, family, address, port, inode}) => ({
				protocol,
				family,
				address,
				port,
				inode,
			})),
		});
	}

	const ownDeclarations = (unit: string) =>
		declarations.filter(
			(declaration) =>
				!claimed.has(declaration) &&
				belongsTo(declaration, [unit.replace(/\.(service|socket)$/, '')], unit, []),
		);
	const units = await findUnitContenders(sources.units, port, {
		declarationsOf: ownDeclarations,
	}).catch(() => ({
		available: false,
		contenders: [],
	}));
	for (const contender of units.contenders) {
		if (parties.some((party) => party.facts.unit === contender.unit)) continue;
		const own = ownDeclarations(contender.unit);
		for (const declaration of own) claimed.add(declaration);
		const state = contender.state === 'failed' ? 'failed' : 'restarting';
		parties.push({
			kind: 'unit',
			id: `unit:${contender.unit}`,
			label: contender.portNamed
				? `${contender.unit} (${state}: address in use)`
				: `${contender.unit} (${state} with EADDRINUSE, port not named)`,
			unit: contender.unit,
			state: contender.state,
			evidence: contender.evidence,
			portNamed: contender.portNamed,
			declarations: own,
			facts: {
				unit: contender.unit,
				unitEnabled: await sources.units.enabled(contender.unit).catch(() => undefined),
				connections: 0,
				wellKnownMatch: matchWellKnown(service, [contender.unit]),
				runsAsService: true,
				fromShell: false,
			},
		});
	}

	const byFile = new Map<string, DeclaredPort[]>();
	for (const declaration of declarations) {
		if (claimed.has(declaration)) continue;
		const key = `${declaration.adapter}|${declaration.file}`;
		byFile.set(key, [...(byFile.get(key) ?? []), declaration]);
	}
	for (const own of byFile.values()) {
		const first = own[0]!;
		const scope = first.scope ? ` [${first.scope}]` : '';
		parties.push({
			kind: 'config',
			id: `config:${first.adapter}:${first.file}`,
			label: `${first.title}${scope}: ${first.file}:${first.line} declares ${port}`,
			adapter: first.adapter,
			file: first.file,
			declarations: own,
			facts: {
				unit: first.unit,
				unitEnabled: first.unit
					? await sources.units.enabled(first.unit).catch(() => undefined)
					: undefined,
				connections: 0,
				wellKnownMatch: matchWellKnown(service, [first.adapter, ...first.processNames]),
				runsAsService: first.unit !== undefined,
				fromShell: false,
			},
		});
	}

	const need = request.need?.trim();
	if (need) parties.push(typedParty(need));

	return {
		port,
		protocol,
		service,
		parties,
		systemdAvailable: units.available,
		hiddenHolders,
		takenAtMs: Date.now(),
	};
}

/** The contender the user typed: "I need this port for NEED". */
export function typedParty(need: string): TypedParty {
	return {
		kind: 'typed',
		id: 'typed',
		label: `you: ${need}`,
		need,
		declarations: [],
		facts: {connections: 0, runsAsService: false, fromShell: false},
	};
}

/** Adds (or replaces) the typed contender in an identification already made. */
export function withNeed(identification: Identification, need: string): Identification {
	const parties = identification.parties.filter((party) => party.kind !== 'typed');
	const trimmed = need.trim();
	return {
		...identification,
		parties: trimmed ? [...parties, typedParty(trimmed)] : parties,
	};
}

/**
 * Parses what the user typed for "I need…": a port number or a service name
 * (`8080`, `http`, `my api on 8080`). Returns the port named, if any.
 */
export function portInNeed(
	text: string,
	servicePort: (name: string) => number | undefined,
): number | undefined {
	const number = /\b(\d{1,5})\b/.exec(text);
	if (number) {
		const port = Number(number[1]);
		return port >= 1 && port <= 65535 ? port : undefined;
	}
	const word = text.trim().split(/\s+/).at(-1);
	return word ? servicePort(word.toLowerCase()) : undefined;
}
