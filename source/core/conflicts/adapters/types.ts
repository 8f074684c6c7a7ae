/**
 * The common shape of a config adapter: one small module per service that
 * knows where that service declares its ports, how to rewrite one, how the
 * service validates its own config, and which unit runs it.
 */

export type AdapterName =
	| 'apache'
	| 'nginx'
	| 'sshd'
	| 'redis'
	| 'postgresql'
	| 'mysql'
	| 'env'
	| 'compose'
	| 'systemd';

/** One place in a config file where a port is set. */
export type PortDeclaration = {
	adapter: AdapterName;
	/** Absolute path of the file (symlinks resolved: that is the file to rewrite). */
	file: string;
	/** 1-based line number. */
	line: number;
	/** 1-based column of the first digit of the port. */
	column: number;
	/** Number of characters the port occupies (its digits). */
	length: number;
	port: number;
	protocol: 'tcp' | 'udp';
	/** Address part when the declaration has one (`127.0.0.1`, `[::]`, `*`). */
	address?: string;
	/** The directive as written (the line, trimmed), for display. */
	context: string;
	/** Sub-service inside the file when there are several (compose service, nginx server_name…). */
	scope?: string;
};

/** Options every adapter takes: where the config tree lives. */
export type AdapterOptions = {
	/**
	 * Root directory standing for `/` (tests point it at a temp copy of a
	 * real-world layout). Default `/`.
	 */
	root?: string;
	/** One config file to read instead of the default locations (its includes are followed). */
	file?: string;
	/** nginx's `-p PREFIX` for its config check (default: the running master's, else the config's directory). */
	prefix?: string;
};

/** What an adapter found: the declarations and the files it read. */
export type ScanResult = {
	declarations: PortDeclaration[];
	/** Every file read (entry file first), absolute. */
	files: string[];
	/** The entry config file (what the config check validates). */
	entry?: string;
	/** Include globs followed, absolute: a backup whose name they match would be loaded too. */
	includeGlobs: string[];
};

export type ConfigAdapter = {
	name: AdapterName;
	/** Human title: `nginx`, `Apache httpd`, `OpenSSH server`… */
	title: string;
	/** Process names of the running service (`/proc/PID/comm`). */
	processNames: string[];
	/**
	 * Reads the config trees (default locations under root, or options.file)
	 * and lists their ports: one result per service instance (a PostgreSQL
	 * cluster, a systemd unit), none when nothing is installed there.
	 */
	scan(options?: AdapterOptions): ScanResult[];
	/** Whether a file given by the user looks like this adapter's config (by name, then content). */
	claims(file: string, text: string): boolean;
	/** Command (argv) that validates the config, or undefined when the service has none. */
	checkCommand(scan: ScanResult, options?: AdapterOptions): string[] | undefined;
	/** The systemd unit that usually runs this service for that config, when known. */
	unit(scan: ScanResult, declaration: PortDeclaration): string | undefined;
	/** What to run by hand to apply the change when no service manager restarts it. */
	restartHint(scan: ScanResult, declaration: PortDeclaration): string | undefined;
};
