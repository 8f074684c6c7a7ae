/**
 * Containers, through the docker and podman CLIs when they answer: the name
 * and image behind a container id found in a cgroup, and which container a
 * `docker-proxy` process forwards a published port to (the proxy holds the
 * host port on dockerd's behalf, so the operator wants the container, not
 * dockerd). A CLI without an engine behind it (the daemon is down, or only
 * the client is installed) is "unavailable", never an error per call.
 */
import {execa} from 'execa';
import {PermissionError, PortuiError} from '../errors.js';

export type ContainerCliName = 'docker' | 'podman';

export type PortBinding = {
	containerPort: number;
	protocol: 'tcp' | 'udp' | 'sctp';
	hostIp: string;
	hostPort: number;
};

export type ContainerFacts = {
	runtime: ContainerCliName;
	id: string;
	/** Name without docker's leading slash. */
	name: string;
	image: string;
	/** `running`, `exited`, `restarting`… */
	status: string;
	/** The container's main process as the host sees it; undefined when not running. */
	pid?: number;
	/** `no`, `always`, `unless-stopped`, `on-failure`. */
	restartPolicy?: string;
	ipAddresses: string[];
	ports: PortBinding[];
};

/** The CLI is missing or cannot reach its engine. */
export class ContainerUnavailableError extends PortuiError {}

type InspectJson = {
	Id?: string;
	Name?: string;
	ImageName?: string;
	Config?: {Image?: string};
	State?: {Status?: string; Pid?: number};
	HostConfig?: {RestartPolicy?: {Name?: string}};
	NetworkSettings?: {
		IPAddress?: string;
		GlobalIPv6Address?: string;
		Ports?: Record<string, Array<{HostIp?: string; HostPort?: string}> | null> | null;
		Networks?: Record<string, {IPAddress?: string; GlobalIPv6Address?: string}> | null;
	};
};

/** Parses `docker inspect` / `podman inspect` output (a JSON array of containers). */
export function parseInspect(text: string, runtime: ContainerCliName): ContainerFacts[] {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return [];
	}
	if (!Array.isArray(parsed)) return [];
	const containers: ContainerFacts[] = [];
	for (const item of parsed as InspectJson[]) {
		if (!item || typeof item.Id !== 'string') continue;
		const network = item.NetworkSettings ?? {};
		const addresses = new Set<string>();
		for (const address of [network.IPAddress, network.GlobalIPv6Address]) {
			if (address) addresses.add(address);
		}
		for (const each of Object.values(network.Networks ?? {})) {
			if (each?.IPAddress) addresses.add(each.IPAddress);
			if (each?.GlobalIPv6Address) addresses.add(each.GlobalIPv6Address);
		}
		const ports: PortBinding[] = [];
		for (const [key, bindings] of Object.entries(network.Ports ?? {})) {
			const match = /^(\d+)\/(tcp|udp|sctp)$/.exec(key);
			if (!match || !bindings) continue;
			for (const binding of bindings) {
				const hostPort = Number(binding.HostPort);
				if (!Number.isInteger(hostPort) || hostPort <= 0) continue;
				ports.push({
					containerPort: Number(match[1]),
					protocol: match[2] as PortBinding['protocol'],
					hostIp: binding.HostIp || '0.0.0.0',
					hostPort,
				});
			}
		}
		const pid = item.State?.Pid;
		const facts: ContainerFacts = {
			runtime,
			id: item.Id,
			name: (item.Name ?? '').replace(/^\//, ''),
			image: item.Config?.Image || item.ImageName || '',
			status: item.State?.Status ?? 'unknown',
			ipAddresses: [...addresses],
			ports,
		};
		if (pid) facts.pid = pid;
		const restart = item.HostConfig?.RestartPolicy?.Name;
		if (restart) facts.restartPolicy = restart;
		containers.push(facts);
	}
	return containers;
}

export type ProxyTarget = {
	protocol: 'tcp' | 'udp' | 'sctp';
	hostIp: string;
	hostPort: number;
	containerIp: string;
	containerPort: number;
};

/**
 * Reads a docker-proxy command line (`docker-proxy -proto tcp -host-ip 0.0.0.0
 * -host-port 8080 -container-ip 172.17.0.2 -container-port 80`). Flags may be
 * written `-flag value`, `--flag value` or `-flag=value` (Go's flag package).
 */
export function parseDockerProxyArgs(argv: string[]): ProxyTarget | undefined {
	const flags = new Map<string, string>();
	for (let index = 0; index < argv.length; index++) {
		const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(argv[index]!);
		if (!match) continue;
		if (match[2] !== undefined) flags.set(match[1]!, match[2]);
		else if (index + 1 < argv.length && !argv[index + 1]!.startsWith('-')) {
			flags.set(match[1]!, argv[++index]!);
		} else flags.set(match[1]!, '');
	}
	const hostPort = Number(flags.get('host-port'));
	const containerPort = Number(flags.get('container-port'));
	const containerIp = flags.get('container-ip');
	if (!Number.isInteger(hostPort) || !Number.isInteger(containerPort) || !containerIp) {
		return undefined;
	}
	const protocol = (flags.get('proto') ?? 'tcp') as ProxyTarget['protocol'];
	return {
		protocol,
		hostIp: flags.get('host-ip') ?? '0.0.0.0',
		hostPort,
		containerIp,
		containerPort,
	};
}

/** The container a docker-proxy forwards to: it publishes that host port and has that address. */
export function matchProxyContainer(
	target: ProxyTarget,
	containers: ContainerFacts[],
): ContainerFacts | undefined {
	const publishing = containers.filter((container) =>
		container.ports.some(
			(port) =>
				port.hostPort === target.hostPort &&
				port.containerPort === target.containerPort &&
				port.protocol === target.protocol,
		),
	);
	return (
		publishing.find((container) => container.ipAddresses.includes(target.containerIp)) ??
		(publishing.length === 1 ? publishing[0] : undefined)
	);
}

export interface ContainerCli {
	runtime: ContainerCliName;
	/** Whether the CLI is installed and its engine answers. */
	available(): Promise<boolean>;
	/** Facts for these container ids (unknown ids are left out). */
	inspect(ids: string[]): Promise<ContainerFacts[]>;
	/** Every running container. */
	running(): Promise<ContainerFacts[]>;
	stop(id: string): Promise<void>;
	restart(id: string): Promise<void>;
}

export type ContainerCliOptions = {command?: string; timeoutMs?: number};

const UNREACHABLE =
	/cannot connect|is the docker daemon running|connection refused|no such file or directory.*sock|unable to connect/i;

/** A ContainerCli backed by the real `docker` or `podman` command. */
export function createContainerCli(
	runtime: ContainerCliName,
	options: ContainerCliOptions = {},
): ContainerCli {
	const command = options.command ?? runtime;
	const timeout = options.timeoutMs ?? 10_000;
	let availability: Promise<boolean> | undefined;

	const exec = async (args: string[]) => {
		const result = await execa(command, args, {reject: false, timeout, stdin: 'ignore'});
		const stderr = String(result.stderr ?? '');
		const firstLine = stderr.split('\n').find(Boolean) ?? result.shortMessage ?? 'failed';
		const missing = (result as {code?: string}).code === 'ENOENT';
		if (missing || UNREACHABLE.test(stderr)) {
			throw new ContainerUnavailableError(
				missing
					? `${runtime} is not installed`
					: `${runtime} is unavailable: ${firstLine}`,
			);
		}
		return {...result, stdout: String(result.stdout ?? ''), firstLine};
	};

	const available = async () => {
		availability ??= (async () => {
			try {
				const result = await exec(['version', '--format', '{{.Server.Version}}']);
				return result.exitCode === 0 && result.stdout.trim() !== '';
			} catch (error: unknown) {
				if (error instanceof ContainerUnavailableError) return false;
				throw error;
			}
		})();
		return availability;
	};

	const act = async (verb: string, id: string) => {
		const result = await exec([verb, id]);
		if (result.exitCode === 0) return;
		const what = `${runtime} ${verb} ${id}`;
		if (/permission denied/i.test(result.firstLine)) {
			throw new PermissionError(`${what}: ${result.firstLine}`);
		}
		throw new PortuiError(`${what}: ${result.firstLine}`);
	};

	const inspect = async (ids: string[]) => {
		if (ids.length === 0) return [];
		// Unknown ids make the command fail, but the known ones are still printed.
		const result = await exec(['inspect', '--type', 'container', ...ids]);
		return parseInspect(result.stdout, runtime);
	};

	return {
		runtime,
		available,
		inspect,
		async running() {
			const result = await exec(['ps', '-q', '--no-trunc']);
			if (result.exitCode !== 0)
				throw new PortuiError(`${runtime} ps: ${result.firstLine}`);
			return inspect(result.stdout.split('\n').filter(Boolean));
		},
		stop: async (id) => act('stop', id),
		restart: async (id) => act('restart', id),
	};
}

export const dockerCli: ContainerCli = createContainerCli('docker');
export const podmanCli: ContainerCli = createContainerCli('podman');
