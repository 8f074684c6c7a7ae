/**
 * The two ways portui writes files: through its native file addon, and with
 * Node alone (what an install without a C compiler gets). Tests run both;
 * PORTUI_FILES_ADDON=off makes a process take the Node route. The addon
 * route needs the addon built (test/core/files/atomic-write.test.ts checks
 * that it is), as CI builds it.
 */
import process from 'node:process';

export type FileRoute = {name: 'addon' | 'node'; env: Record<string, string>};

export const fileRoutes: FileRoute[] = [
	{name: 'addon', env: {}},
	{name: 'node', env: {PORTUI_FILES_ADDON: 'off'}},
];

/** Runs `body` with this process set to take `route`. */
export function onRoute<T>(route: FileRoute, body: () => T): T {
	const saved = process.env.PORTUI_FILES_ADDON;
	if (route.env.PORTUI_FILES_ADDON)
		process.env.PORTUI_FILES_ADDON = route.env.PORTUI_FILES_ADDON;
	else delete process.env.PORTUI_FILES_ADDON;
	try {
		return body();
	} finally {
		if (saved === undefined) delete process.env.PORTUI_FILES_ADDON;
		else process.env.PORTUI_FILES_ADDON = saved;
	}
}
