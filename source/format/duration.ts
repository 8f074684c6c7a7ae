/**
 * A compact age for table cells: the largest whole unit, `45s`, `12m`, `3h`,
 * `5d`. Negative or unknown ages (clock skew, no start time) print as `-`.
 */
export function formatAge(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) return '-';
	const seconds = Math.floor(ms / 1000);
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m`;
	const hours = Math.floor(minutes / 60);
	if (hours < 24) return `${hours}h`;
	return `${Math.floor(hours / 24)}d`;
}
