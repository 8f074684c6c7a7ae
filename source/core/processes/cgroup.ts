/**
 * Who manages a process, read from /proc/PID/cgroup: systemd puts every
 * service, login session and user manager in its own cgroup, and container
 * engines put every container in one named after its id. Both cgroup v1
 * (one line per controller, `N:controllers:/path`) and v2 (`0::/path`) are
 * read; hybrid systems have both.
 */
import {readFileSync} from 'node:fs';
import {PermissionError, ProcessGoneError} from '../errors.js';

export type ContainerRuntime = 'docker' | 'podman' | 'containerd' | 'lxc' | 'kubepods';

export type CgroupContainer = {
	runtime: ContainerRuntime;
	/** Full container id (64 hex digits), or the container name for LXC. */
	id: string;
	/** Kubernetes pod uid, for containers under kubepods. */
	pod?: string;
};

export type CgroupInfo = {
	/** The cgroup path the rest was read from (v2 path when set, else systemd's v1 path). */
	path: string;
	/** The systemd service holding the process: `nginx.service`, or `user@1000.service` for a user manager's processes. */
	unit?: string;
	/** The slice around it: `system.slice`, `user-1000.slice`. */
	slice?: string;
	/** The scope the process runs in: `session-3.scope`, `docker-<id>.scope`. */
	scope?: string;
	/** The unit inside a user manager (`user@1000.service`): `app.service`, `tmux-spawn-….scope`. */
	userUnit?: string;
	/** Login session id (`3` for `session-3.scope`). */
	userSession?: string;
	container?: CgroupContainer;
};

type CgroupLine = {hierarchy: string; controllers: string; path: string};

function parseLines(text: string): CgroupLine[] {
	const lines: CgroupLine[] = [];
	for (const line of text.split('\n')) {
		const first = line.indexOf(':');
		const second = line.indexOf(':', first + 1);
		if (first < 0 || second < 0) continue;
		lines.push({
			hierarchy: line.slice(0, first),
			controllers: line.slice(first + 1, second),
			path: line.slice(second + 1).trim(),
		});
	}
	return lines;
}

const HEX_ID = /^[0-9a-f]{64}$/;

/** Finds a container id in one cgroup path. */
export function containerFromPath(path: string): CgroupContainer | undefined {
	const segments = path.split('/').filter(Boolean);
	const kube = segments.some((segment) => segment.startsWith('kubepods'));
	let pod: string | undefined;
	for (const segment of segments) {
		const podMatch = /pod([0-9a-f_-]{36})(?:\.slice)?$/.exec(segment);
		if (podMatch) pod = podMatch[1]!.replaceAll('_', '-');
	}
	const inKube = (runtime: ContainerRuntime, id: string): CgroupContainer =>
		kube ? {runtime: 'kubepods', id, ...(pod ? {pod} : {})} : {runtime, id};
	for (let index = segments.length - 1; index >= 0; index--) {
		const segment = segments[index]!;
		const parent = segments[index - 1];
		let match = /^docker-([0-9a-f]{64})\.scope$/.exec(segment);
		if (match) return inKube('docker', match[1]!);
		// conmon, podman's monitor, sits beside the container, not in it.
		if (segment.startsWith('libpod-conmon-')) continue;
		match = /^libpod-([0-9a-f]{64})(?:\.scope)?$/.exec(segment);
		if (match) return inKube('podman', match[1]!);
		match = /^(?:cri-containerd|nerdctl)-([0-9a-f]{64})\.scope$/.exec(segment);
		if (match) return inKube('containerd', match[1]!);
		match = /^crio-([0-9a-f]{64})\.scope$/.exec(segment);
		if (match) return {runtime: 'kubepods', id: match[1]!, ...(pod ? {pod} : {})};
		match = /^lxc\.(?:payload|monitor)\.(.+)$/.exec(segment);
		if (match) return {runtime: 'lxc', id: match[1]!};
		if ((parent === 'lxc' || parent === 'lxc.payload') && index === 1) {
			return {runtime: 'lxc', id: segment};
		}
		if (HEX_ID.test(segment)) {
			// cgroupfs drivers: /docker/<id>, /kubepods/besteffort/pod<uid>/<id>,
			// and containerd's /<namespace>/<id> (ctr, nerdctl: namespace `default`).
			if (kube) return inKube('containerd', segment);
			if (parent === 'docker') return {runtime: 'docker', id: segment};
			if (parent === 'libpod_parent' || parent?.startsWith('libpod-')) {
				return {runtime: 'podman', id: segment};
			}
			return {runtime: 'containerd', id: segment};
		}
	}
	return undefined;
}

/** Reads systemd's units out of one cgroup path. */
function unitsFromPath(path: string): Omit<CgroupInfo, 'path' | 'container'> {
	const info: Omit<CgroupInfo, 'path' | 'container'> = {};
	let insideUserManager = false;
	for (const segment of path.split('/').filter(Boolean)) {
		if (segment.endsWith('.slice')) {
			if (!info.unit && !info.scope) info.slice = segment;
			continue;
		}
		const isService = segment.endsWith('.service');
		const isScope = segment.endsWith('.scope');
		if (!isService && !isScope) continue;
		if (insideUserManager) {
			info.userUnit ??= segment;
			continue;
		}
		if (isService) {
			info.unit ??= segment;
			if (/^user@\d+\.service$/.test(segment)) insideUserManager = true;
		} else {
			info.scope ??= segment;
			const session = /^session-(.+)\.scope$/.exec(segment);
			if (session) info.userSession = session[1]!;
		}
	}
	return info;
}

/** Parses the text of /proc/PID/cgroup (v1, v2 or hybrid). */
export function parseCgroup(text: string): CgroupInfo {
	const lines = parseLines(text);
	const unified = lines.find((line) => line.hierarchy === '0' && line.controllers === '');
	const named = lines.find((line) => line.controllers === 'name=systemd');
	const isSet = (line: CgroupLine | undefined) =>
		line !== undefined && line.path !== '/' && line.path !== '';
	let container: CgroupContainer | undefined;
	let containerPath: string | undefined;
	// v1 systems may show the container in some controllers only: look in all of them.
	for (const line of [unified, named, ...lines]) {
		if (!line) continue;
		container = containerFromPath(line.path);
		if (container) {
			containerPath = line.path;
			break;
		}
	}
	const main = isSet(unified)
		? unified!
		: isSet(named)
			? named!
			: lines.find((line) => isSet(line));
	// In a container, the path that names it is the one to read units from: on
	// hybrid systems the v2 line can say containerd.service for docker's containers.
	const path = containerPath ?? main?.path ?? '/';
	return {path, ...unitsFromPath(path), ...(container ? {container} : {})};
}

/** Reads and parses /proc/PID/cgroup. Throws ProcessGoneError / PermissionError. */
export function readCgroup(pid: number, procRoot = '/proc'): CgroupInfo {
	let text: string;
	try {
		text = readFileSync(`${procRoot}/${pid}/cgroup`, 'utf8');
	} catch (error: unknown) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ESRCH') {
			throw new ProcessGoneError(`process ${pid} has exited`, {cause: error});
		}
		if (code === 'EACCES' || code === 'EPERM') {
			throw new PermissionError(`cannot read process ${pid}'s cgroup: needs root`, {
				cause: error,
			});
		}
		throw error;
	}
	return parseCgroup(text);
}
