/**
 * Step 2 of conflict resolution: which party should keep the port, and why.
 * A pure ranking over the facts identification gathered, so every suggestion
 * shows its reasons and the weights are tested directly. The user always
 * chooses; this only orders the list and marks a suggestion.
 */
import {evidenceOrigin} from './contender-evidence.js';
import type {Identification, Party} from './identify.js';

export type ReasonCode =
	| 'well-known'
	| 'enabled-at-boot'
	| 'live-connections'
	| 'older'
	| 'service'
	| 'from-shell'
	| 'failing-for-port'
	| 'port-not-named'
	| 'declared'
	| 'asked-for'
	| 'holds-port';

export type Reason = {code: ReasonCode; text: string; weight: number};

export type Ranked = {party: Party; score: number; reasons: Reason[]};

export type Priority = {
	/** Parties best first. */
	ranking: Ranked[];
	/** Id of the suggested winner; undefined when there is nothing to choose between. */
	suggestion?: string;
	/** One line: "keep nginx on 80: the well-known service for 80, has 3 live connections". */
	summary: string;
};

/**
 * Weights: the port's well-known service outweighs everything else (moving
 * ssh off 22 or nginx off 80 breaks every client that assumes it), then
 * traffic (live connections break when the holder goes), then how the party
 * is run. Age and "already holds it" only break ties. A failure that names
 * no port is no reason of its own (0): whatever else speaks for that unit,
 * it is ranked below every holder (see `prioritise`).
 */
export const WEIGHTS: Record<ReasonCode, number> = {
	'well-known': 40,
	'live-connections': 25,
	'enabled-at-boot': 15,
	service: 10,
	'failing-for-port': 10,
	'port-not-named': 0,
	'asked-for': 8,
	declared: 5,
	older: 3,
	'holds-port': 2,
	'from-shell': -10,
};

function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function reasonsFor(
	party: Party,
	identification: Identification,
	oldestId?: string,
): Reason[] {
	const reasons: Reason[] = [];
	const add = (code: ReasonCode, text: string) =>
		reasons.push({code, text, weight: WEIGHTS[code]});
	const {facts} = party;
	const {port, service} = identification;
	if (facts.wellKnownMatch && service)
		add(
			'well-known',
			`the well-known service for ${port} (${service}: ${facts.wellKnownMatch})`,
		);
	if (party.kind === 'holder' && facts.connections > 0)
		add('live-connections', `has ${plural(facts.connections, 'live connection')}`);
	if (facts.unit && facts.unitEnabled)
		add('enabled-at-boot', `${facts.unit} is enabled at boot`);
	if (party.kind === 'holder' && facts.runsAsService) {
		add(
			'service',
			facts.unit
				? `runs as the service ${facts.unit}`
				: `runs in ${facts.container?.runtime ?? 'a'} container ${facts.container?.id.slice(0, 12) ?? ''}`.trim(),
		);
	}
	if (party.kind === 'holder' && facts.fromShell)
		add('from-shell', 'started by hand from a shell');
	if (party.kind === 'unit') {
		const failed = party.state === 'failed' ? 'failed' : 'keeps restarting';
		if (party.portNamed) {
			add('failing-for-port', `${party.unit} ${failed}: address in use on ${port}`);
		} else {
			const naming = party.evidence.find((evidence) => evidence.port === port);
			add(
				'port-not-named',
				`${party.unit} ${failed} with EADDRINUSE, port not named${naming ? ` (${evidenceOrigin(naming)} names ${port})` : ''}`,
			);
		}
	}
	if (party.kind === 'config')
		add('declared', `its config declares ${port} (${party.file})`);
	if (party.kind === 'typed') add('asked-for', `you need this port for ${party.need}`);
	if (party.kind === 'holder') {
		add('holds-port', `holds ${port} now: keeping it changes nothing`);
		if (party.id === oldestId) add('older', 'has held it longest (oldest process)');
	}
	return reasons;
}

function sum(reasons: Reason[]): number {
	return reasons.reduce((total, reason) => total + reason.weight, 0);
}

/**
 * A unit whose failure names no port may have failed on some other port:
 * it is scored one below the weakest holder at most, its port-not-named
 * reason carrying the difference, so the score stays the sum of the reasons
 * shown.
 */
function keepBelowHolders(
	scored: Array<{party: Party; reasons: Reason[]; score: number}>,
) {
	const holders = scored.filter(({party}) => party.kind === 'holder');
	if (holders.length === 0) return;
	const ceiling = Math.min(...holders.map(({score}) => score)) - 1;
	for (const entry of scored) {
		const reason = entry.reasons.find(({code}) => code === 'port-not-named');
		if (!reason || entry.score <= ceiling) continue;
		reason.weight -= entry.score - ceiling;
		reason.text += ': it does not outrank a holder';
		entry.score = ceiling;
	}
}

/** Ranks the parties of an identification and suggests who keeps the port. */
export function prioritise(identification: Identification): Priority {
	const holders = identification.parties.filter((party) => party.kind === 'holder');
	let oldestId: string | undefined;
	if (holders.length > 1) {
		const dated = holders.filter((party) => party.facts.startedAtMs !== undefined);
		dated.sort((a, b) => a.facts.startedAtMs! - b.facts.startedAtMs!);
		if (dated.length > 1 && dated[0]!.facts.startedAtMs! < dated[1]!.facts.startedAtMs!)
			oldestId = dated[0]!.id;
	} else if (holders.length === 1) {
		oldestId = holders[0]!.id;
	}
	const scored = identification.parties.map((party, index) => {
		const reasons = reasonsFor(party, identification, oldestId);
		return {party, reasons, score: sum(reasons), index};
	});
	keepBelowHolders(scored);
	const ranking: Ranked[] = scored
		// Stable: equal scores keep identification order (holders first).
		.sort((a, b) => b.score - a.score || a.index - b.index)
		.map(({party, score, reasons}) => ({
			party,
			score,
			reasons: reasons.sort((a, b) => b.weight - a.weight),
		}));
	if (ranking.length === 0)
		return {
			ranking,
			summary: `nobody holds or wants ${identification.protocol}/${identification.port}`,
		};
	const best = ranking[0]!;
	if (ranking.length === 1) {
		return {
			ranking,
			suggestion: best.party.id,
			summary: `only ${best.party.label} is involved with ${identification.port}`,
		};
	}
	const positive = best.reasons
		.filter((reason) => reason.weight > 0)
		.map((reason) => reason.text);
	return {
		ranking,
		suggestion: best.party.id,
		summary: `keep ${best.party.label} on ${identification.port}${positive.length > 0 ? `: ${positive.join(', ')}` : ''}`,
	};
}
