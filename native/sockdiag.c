/*
 * sockdiag: the one thing Node cannot do itself, asking the kernel for a
 * filtered socket dump over NETLINK_SOCK_DIAG (what `ss -l` uses).
 *
 * Reading /proc/net/tcp costs as much as there are connections; a sock_diag
 * dump with a state mask lets the kernel skip established sockets, so the
 * cost follows the number of listeners. The addon decodes the replies into
 * rows of numbers (see diag_table) that source/core/sockets/netlink.ts turns
 * into records; decode() takes captured bytes, so decoding is tested on
 * fixtures without the kernel. It also walks /proc/PID/fd of every process
 * on a thread of its own and joins those links to the dumped sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define THROW_ERRNO(env, what)                                  \
	do {                                                        \
		char message[160];                                      \
		char code[32];                                          \
		snprintf(code, sizeof code, "E%d", errno);              \
		snprintf(message, sizeof message, "sock_diag %s: %s",   \
		         what, strerror(errno));                        \
		napi_throw_error(env, code, message);                   \
	} while (0)

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

/* errno as the code Node uses (ENOENT, EACCES…), so JS tells them apart as for fs errors. */
static const char *errno_code(int error)
{
	switch (error) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ESRCH: return "ESRCH";
	case ENOTDIR: return "ENOTDIR";
	case EMFILE: return "EMFILE";
	case ENOMEM: return "ENOMEM";
	default: return "EIO";
	}
}

/*
 * A decoded dump: one row of ROW_FIELDS numbers per socket, and the distinct
 * addresses the rows point at. Decoding here, as the replies arrive, means
 * the raw reply (124 bytes a socket, a megabyte for 10,000 listeners) never
 * sits in memory, and JavaScript gets numbers to read instead of a DataView
 * walk: on this machine class every fresh page costs ~10 us and a cold
 * interpreter ~3 us a socket. A listener table is full of one or two
 * addresses (127.0.0.1, ::), so each distinct one becomes one string.
 */
enum {
	ROW_FAMILY,          /* 4 or 6 */
	ROW_STATE,           /* kernel TCP state number */
	ROW_LOCAL_PORT,
	ROW_REMOTE_PORT,
	ROW_INTERFACE,       /* bound interface or scope id, 0 when none */
	ROW_UID,
	ROW_INODE,
	ROW_LOCAL_ADDRESS,   /* index into the address table */
	ROW_REMOTE_ADDRESS,
	ROW_FIELDS
};

typedef struct {
	unsigned char family; /* 4 or 6 */
	unsigned char bytes[16];
} address_key;

typedef struct {
	uint32_t *rows;
	size_t count, capacity;
	address_key *addresses;
	size_t address_count, address_capacity;
	/* Open addressing over the addresses: index + 1, 0 for an empty slot. */
	uint32_t *slots;
	size_t slot_count;
	int done;          /* NLMSG_DONE seen */
	size_t received;   /* bytes decoded, for the truncated-reply message */
	int kernel_errno;  /* from NLMSG_ERROR, 0 when none */
	char error[192];   /* why decoding failed, empty when it did not */
} diag_table;

/*
 * Room for one more item in a malloc'd array of `count` items: 0, or ENOMEM
 * (the array is kept as it was).
 */
static int reserve_one(void **items, size_t count, size_t *capacity, size_t item_size,
                       size_t initial)
{
	if (count < *capacity)
		return 0;
	size_t grown_capacity = *capacity ? *capacity * 2 : initial;
	void *grown = realloc(*items, grown_capacity * item_size);
	if (!grown)
		return ENOMEM;
	*items = grown;
	*capacity = grown_capacity;
	return 0;
}

static void table_free(diag_table *table)
{
	free(table->rows);
	free(table->addresses);
	free(table->slots);
	memset(table, 0, sizeof *table);
}

static int table_fail(diag_table *table, int error)
{
	if (table->error[0] == 0)
		snprintf(table->error, sizeof table->error, "sock_diag: %s", strerror(error));
	errno = error;
	return -1;
}

static uint32_t address_hash(const address_key *key)
{
	uint32_t hash = 2166136261u ^ key->family;
	for (int index = 0; index < 16; index++)
		hash = (hash ^ key->bytes[index]) * 16777619u;
	return hash;
}

/* The address's index in the table, added when new; -1 when out of memory. */
static long intern_address(diag_table *table, const address_key *key)
{
	if ((table->address_count + 1) * 2 > table->slot_count) {
		size_t slot_count = table->slot_count ? table->slot_count * 2 : 64;
		uint32_t *slots = calloc(slot_count, sizeof *slots);
		if (!slots)
			return -1;
		for (size_t index = 0; index < table->address_count; index++) {
			size_t slot = address_hash(&table->addresses[index]) & (slot_count - 1);
			while (slots[slot])
				slot = (slot + 1) & (slot_count - 1);
			slots[slot] = (uint32_t)index + 1;
		}
		free(table->slots);
		table->slots = slots;
		table->slot_count = slot_count;
	}
	size_t slot = address_hash(key) & (table->slot_count - 1);
	for (; table->slots[slot]; slot = (slot + 1) & (table->slot_count - 1)) {
		const address_key *known = &table->addresses[table->slots[slot] - 1];
		if (memcmp(known, key, sizeof *key) == 0)
			return table->slots[slot] - 1;
	}
	if (reserve_one((void **)&table->addresses, table->address_count, &table->address_capacity,
	                sizeof *table->addresses, 16))
		return -1;
	table->addresses[table->address_count] = *key;
	table->slots[slot] = (uint32_t)table->address_count + 1;
	return (long)table->address_count++;
}

static long intern_diag_address(diag_table *table, int family, const uint32_t words[4])
{
	address_key key;
	memset(&key, 0, sizeof key);
	key.family = (unsigned char)family;
	memcpy(key.bytes, words, family == 6 ? 16 : 4);
	return intern_address(table, &key);
}

/*
 * Decodes a run of netlink messages (one datagram, or a whole captured
 * reply) into the table. The framing rules: a message shorter than its
 * header or running past the bytes given is malformed; NLMSG_ERROR carries
 * the kernel's errno; NLMSG_DONE ends the dump and what follows is ignored.
 * Returns 0, or -1 with table->error set.
 */
static int decode_messages(diag_table *table, const unsigned char *bytes, size_t length)
{
	size_t offset = 0;
	while (!table->done && offset + NLMSG_HDRLEN <= length) {
		struct nlmsghdr header;
		memcpy(&header, bytes + offset, sizeof header);
		if (header.nlmsg_len < NLMSG_HDRLEN || offset + header.nlmsg_len > length) {
			snprintf(table->error, sizeof table->error,
			         "sock_diag: malformed reply (message of %u bytes at offset %zu of %zu)",
			         header.nlmsg_len, table->received + offset, table->received + length);
			return -1;
		}
		if (header.nlmsg_type == NLMSG_DONE) {
			table->done = 1;
			break;
		}
		if (header.nlmsg_type == NLMSG_ERROR) {
			if (header.nlmsg_len >= NLMSG_HDRLEN + sizeof(int32_t)) {
				int32_t error;
				memcpy(&error, bytes + offset + NLMSG_HDRLEN, sizeof error);
				table->kernel_errno = -error;
				snprintf(table->error, sizeof table->error,
				         "sock_diag: kernel error (errno %d)", -error);
			} else {
				snprintf(table->error, sizeof table->error, "sock_diag: kernel error (errno ?)");
			}
			return -1;
		}
		if (header.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			if (header.nlmsg_len < NLMSG_HDRLEN + sizeof(struct inet_diag_msg)) {
				snprintf(table->error, sizeof table->error,
				         "sock_diag: short inet_diag_msg (%u bytes at offset %zu)",
				         header.nlmsg_len, table->received + offset);
				return -1;
			}
			struct inet_diag_msg message;
			memcpy(&message, bytes + offset + NLMSG_HDRLEN, sizeof message);
			if (reserve_one((void **)&table->rows, table->count, &table->capacity,
			                ROW_FIELDS * sizeof *table->rows, 256))
				return table_fail(table, ENOMEM);
			int family = message.idiag_family == AF_INET6 ? 6 : 4;
			long local = intern_diag_address(table, family, message.id.idiag_src);
			long remote = intern_diag_address(table, family, message.id.idiag_dst);
			if (local < 0 || remote < 0)
				return table_fail(table, ENOMEM);
			uint32_t *row = table->rows + table->count * ROW_FIELDS;
			row[ROW_FAMILY] = (uint32_t)family;
			row[ROW_STATE] = message.idiag_state;
			row[ROW_LOCAL_PORT] = ntohs(message.id.idiag_sport);
			row[ROW_REMOTE_PORT] = ntohs(message.id.idiag_dport);
			row[ROW_INTERFACE] = message.id.idiag_if;
			row[ROW_UID] = message.idiag_uid;
			row[ROW_INODE] = message.idiag_inode;
			row[ROW_LOCAL_ADDRESS] = (uint32_t)local;
			row[ROW_REMOTE_ADDRESS] = (uint32_t)remote;
			table->count++;
		}
		offset += NLMSG_ALIGN(header.nlmsg_len);
	}
	table->received += length;
	return 0;
}

/* After the last bytes: a reply that never said NLMSG_DONE was cut short. */
static int decode_finish(diag_table *table)
{
	if (table->done || table->received == 0)
		return 0;
	snprintf(table->error, sizeof table->error,
	         "sock_diag: truncated reply (no NLMSG_DONE in %zu bytes)", table->received);
	return -1;
}

/*
 * One filtered dump, decoded into `table` as each datagram arrives. Returns
 * 0, or -1 with errno (the system call failed) or table->error (the reply did
 * not decode) set.
 */
static int dump(int family, int protocol, unsigned int states, diag_table *table)
{
	memset(table, 0, sizeof *table);
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;

	struct {
		struct nlmsghdr header;
		struct inet_diag_req_v2 request;
	} message;
	memset(&message, 0, sizeof message);
	message.header.nlmsg_len = sizeof message;
	message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	message.header.nlmsg_seq = 1;
	message.request.sdiag_family = (unsigned char)family;
	message.request.sdiag_protocol = (unsigned char)protocol;
	message.request.idiag_states = states;

	struct sockaddr_nl kernel;
	memset(&kernel, 0, sizeof kernel);
	kernel.nl_family = AF_NETLINK;
	if (sendto(fd, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}

	/* One datagram at a time: the kernel sends at most a few pages in each. */
	size_t capacity = 65536;
	unsigned char *buffer = malloc(capacity);
	if (!buffer) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	int result = 0;
	while (!table->done) {
		ssize_t received = recv(fd, buffer, capacity, 0);
		if (received < 0) {
			if (errno == EINTR)
				continue;
			result = -1;
			break;
		}
		if (received == 0)
			break;
		if (decode_messages(table, buffer, (size_t)received) < 0) {
			result = -1;
			break;
		}
	}
	int saved = errno;
	free(buffer);
	close(fd);
	errno = saved;
	if (result == 0)
		result = decode_finish(table);
	return result;
}

/* A new typed array of `count` 32-bit numbers; its memory in *data. */
static int new_array32(napi_env env, napi_typedarray_type type, size_t count, void **data,
                       napi_value *array)
{
	napi_value buffer;
	return napi_create_arraybuffer(env, count * 4, data, &buffer) == napi_ok &&
	       napi_create_typedarray(env, type, count, buffer, 0, array) == napi_ok;
}

/*
 * The call's only argument as a typed array of type `expected`: 1, or 0 with
 * a TypeError saying `usage` thrown.
 */
static int typed_array_argument(napi_env env, napi_callback_info info,
                                napi_typedarray_type expected, const char *usage,
                                void **data, size_t *length)
{
	size_t argc = 1;
	napi_value argv[1];
	napi_typedarray_type type;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 1 ||
	    napi_get_typedarray_info(env, argv[0], &type, length, data, NULL, NULL) != napi_ok ||
	    type != expected) {
		napi_throw_type_error(env, NULL, usage);
		return 0;
	}
	return 1;
}

static void free_memory(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	free(data);
}

/*
 * The table as {rows: Uint32Array, addresses: string[]}, or
 * {error, errno} when it failed to decode (netlink.ts throws its own error
 * class). The rows are the malloc'd memory itself, freed with the array: a
 * copy would fault in as many fresh pages again. The table is emptied.
 */
static napi_status table_value(napi_env env, diag_table *table, napi_value *result)
{
	napi_status status = napi_create_object(env, result);
	if (status != napi_ok)
		return status;
	napi_value value;
	if (table->error[0]) {
		napi_create_string_utf8(env, table->error, NAPI_AUTO_LENGTH, &value);
		napi_set_named_property(env, *result, "error", value);
		if (table->kernel_errno) {
			napi_create_int32(env, table->kernel_errno, &value);
			napi_set_named_property(env, *result, "errno", value);
		}
		table_free(table);
		return napi_ok;
	}
	napi_value buffer, rows, addresses;
	size_t length = table->count * ROW_FIELDS;
	if (length == 0) {
		void *data = NULL;
		status = napi_create_arraybuffer(env, 0, &data, &buffer);
	} else {
		status = napi_create_external_arraybuffer(env, table->rows, length * sizeof(uint32_t),
		                                          free_memory, NULL, &buffer);
		if (status == napi_ok)
			table->rows = NULL;
	}
	if (status == napi_ok)
		status = napi_create_typedarray(env, napi_uint32_array, length, buffer, 0, &rows);
	if (status == napi_ok)
		status = napi_create_array_with_length(env, table->address_count, &addresses);
	for (size_t index = 0; status == napi_ok && index < table->address_count; index++) {
		const address_key *key = &table->addresses[index];
		char text[INET6_ADDRSTRLEN];
		if (key->family == 6)
			inet_ntop(AF_INET6, key->bytes, text, sizeof text);
		else
			snprintf(text, sizeof text, "%u.%u.%u.%u", key->bytes[0], key->bytes[1],
			         key->bytes[2], key->bytes[3]);
		status = napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &value);
		if (status == napi_ok)
			status = napi_set_element(env, addresses, (uint32_t)index, value);
	}
	if (status == napi_ok)
		status = napi_set_named_property(env, *result, "rows", rows);
	if (status == napi_ok)
		status = napi_set_named_property(env, *result, "addresses", addresses);
	table_free(table);
	return status;
}

/* dump(family: number, protocol: number, stateMask: number): DiagTable */
static napi_value Dump(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3];
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 3) {
		napi_throw_type_error(env, NULL, "dump(family, protocol, stateMask)");
		return NULL;
	}
	int32_t family = 0, protocol = 0;
	uint32_t states = 0;
	if (napi_get_value_int32(env, argv[0], &family) != napi_ok ||
	    napi_get_value_int32(env, argv[1], &protocol) != napi_ok ||
	    napi_get_value_uint32(env, argv[2], &states) != napi_ok) {
		napi_throw_type_error(env, NULL, "dump(family, protocol, stateMask) takes numbers");
		return NULL;
	}
	diag_table table;
	if (dump(family, protocol, states, &table) < 0 && table.error[0] == 0) {
		table_free(&table);
		THROW_ERRNO(env, "dump");
		return NULL;
	}
	napi_value result;
	if (table_value(env, &table, &result) != napi_ok) {
		napi_throw_error(env, NULL, "sock_diag: cannot allocate result");
		return NULL;
	}
	return result;
}

/*
 * decode(reply: Uint8Array): DiagTable. The same decoding over a captured
 * reply, so that it is tested on fixed bytes without the kernel.
 */
static napi_value Decode(napi_env env, napi_callback_info info)
{
	napi_value result;
	size_t length = 0;
	void *data = NULL;
	if (!typed_array_argument(env, info, napi_uint8_array, "decode(reply: Uint8Array)", &data,
	                          &length))
		return NULL;
	diag_table table;
	memset(&table, 0, sizeof table);
	if (decode_messages(&table, data, length) == 0)
		decode_finish(&table);
	if (table_value(env, &table, &result) != napi_ok) {
		napi_throw_error(env, NULL, "sock_diag: cannot allocate result");
		return NULL;
	}
	return result;
}

/*
 * The inode of the socket that fd `name` of an open /proc/PID/fd directory
 * is; 0 for anything else, or for an fd closed since the directory was read.
 */
static uint32_t socket_inode_at(int dir_fd, const char *name)
{
	char target[64];
	ssize_t length = readlinkat(dir_fd, name, target, sizeof target - 1);
	if (length < 10 || memcmp(target, "socket:[", 8) != 0)
		return 0;
	target[length] = 0;
	char *end = NULL;
	unsigned long inode = strtoul(target + 8, &end, 10);
	if (!end || *end != ']' || inode > UINT32_MAX)
		return 0;
	return (uint32_t)inode;
}

/*
 * The inodes of the `socket:[N]` links in one open /proc/PID/fd directory
 * (closed here). Fds that close between readdir and readlink are skipped.
 * Returns 0, or an errno (ENOMEM).
 */
static int collect_socket_inodes(int dir_fd, uint32_t **out, size_t *out_count)
{
	DIR *dir = fdopendir(dir_fd);
	if (!dir) {
		int saved = errno;
		close(dir_fd);
		return saved;
	}
	size_t capacity = 0, count = 0;
	uint32_t *inodes = NULL;
	struct dirent *entry;
	int error = 0;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		uint32_t inode = socket_inode_at(dir_fd, entry->d_name);
		if (inode == 0)
			continue;
		error = reserve_one((void **)&inodes, count, &capacity, sizeof *inodes, 64);
		if (error)
			break;
		inodes[count++] = inode;
	}
	closedir(dir);
	if (error) {
		free(inodes);
		return error;
	}
	*out = inodes;
	*out_count = count;
	return 0;
}

static napi_value inode_array(napi_env env, const uint32_t *inodes, size_t count)
{
	void *data = NULL;
	napi_value array;
	if (!new_array32(env, napi_uint32_array, count, &data, &array))
		return NULL;
	if (count > 0)
		memcpy(data, inodes, count * sizeof *inodes);
	return array;
}

/*
 * socketInodes(fdDir: string): Uint32Array
 *
 * The inodes of the `socket:[N]` links in one /proc/PID/fd directory. This is
 * the cold-start cost of mapping sockets to processes (one readlink per fd of
 * every process, as `ss -p` does); doing it here spares a JS string per fd.
 */
static napi_value SocketInodes(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	char path[4096];
	size_t path_length = 0;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 1 ||
	    napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_length) != napi_ok ||
	    path_length >= sizeof path - 1) {
		napi_throw_type_error(env, NULL, "socketInodes(fdDir: string)");
		return NULL;
	}
	int dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint32_t *inodes = NULL;
	size_t count = 0;
	int error = dir_fd < 0 ? errno : collect_socket_inodes(dir_fd, &inodes, &count);
	if (error) {
		char message[160];
		snprintf(message, sizeof message, "%s: %s", path, strerror(error));
		napi_throw_error(env, errno_code(error), message);
		return NULL;
	}
	napi_value array = inode_array(env, inodes, count);
	free(inodes);
	if (!array)
		napi_throw_error(env, NULL, "socketInodes: cannot allocate result");
	return array;
}

/*
 * startFdWalk(procRoot: string): boolean and finishFdWalk()
 *
 * The same walk over every process, on a thread of its own, so that a cold
 * `portui list` reads the fds of every process (the larger part of its own
 * work) while the main thread loads modules and dumps sockets. It runs in
 * two phases: the thread lists every process's fd numbers (getdents, a
 * quarter of the cost), then the readlink of each fd, three quarters, is
 * shared out in chunks of FD_CHUNK. The main thread takes chunks too once it
 * asks for the result (finishFdWalk, joinFdWalk) instead of only waiting:
 * on two cores the walk is otherwise what a cold list waits for last.
 * The threads only make system calls and mallocs; everything N-API happens on
 * the main thread, which returns from finishFdWalk
 * {pids: Int32Array, errors: Int32Array (errno per pid, 0 when read),
 *  ends: Uint32Array (end of each pid's run in inodes), inodes: Uint32Array}
 * or undefined when no walk was started.
 */
#define FD_CHUNK 64

typedef struct {
	int pid;
	int error;
	/* Its fds: fd_walk.fds[first .. first + count), their inodes in fd_walk.links. */
	size_t first, count;
} walked_process;

typedef struct {
	uint32_t process;
	size_t first, count;
} fd_chunk;

static struct {
	char root[4096];
	pthread_t thread;
	int running;
	walked_process *processes;
	size_t count, capacity;
	int32_t *fds;
	/* The socket inode behind each fd, 0 for anything else or a closed fd. */
	uint32_t *links;
	size_t fd_count, fd_capacity;
	fd_chunk *chunks;
	size_t chunk_count;
	/* Next chunk to take (atomic). */
	size_t next_chunk;
	/* Phase one done: processes, fds and chunks are final. */
	int listed;
	pthread_mutex_t lock;
	pthread_cond_t listed_changed;
} fd_walk = {.lock = PTHREAD_MUTEX_INITIALIZER, .listed_changed = PTHREAD_COND_INITIALIZER};

/* The fd numbers in one open /proc/PID/fd directory (closed here). Returns 0 or an errno. */
static int list_fds(int dir_fd, walked_process *walked)
{
	DIR *dir = fdopendir(dir_fd);
	if (!dir) {
		int saved = errno;
		close(dir_fd);
		return saved;
	}
	walked->first = fd_walk.fd_count;
	struct dirent *entry;
	int error = 0;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
			continue;
		error = reserve_one((void **)&fd_walk.fds, fd_walk.fd_count, &fd_walk.fd_capacity,
		                    sizeof *fd_walk.fds, 4096);
		if (error)
			break;
		fd_walk.fds[fd_walk.fd_count++] = (int32_t)strtol(entry->d_name, NULL, 10);
	}
	closedir(dir);
	walked->count = fd_walk.fd_count - walked->first;
	return error;
}

/* Phase one: every process and its fd numbers, cut into chunks. Returns 0 or ENOMEM. */
static int list_processes(void)
{
	DIR *proc = opendir(fd_walk.root);
	if (!proc)
		return 0;
	struct dirent *entry;
	char path[4200];
	int error = 0;
	while (!error && (entry = readdir(proc)) != NULL) {
		if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
			continue;
		char *end = NULL;
		long pid = strtol(entry->d_name, &end, 10);
		if (!end || *end != 0 || pid <= 0 || pid > INT32_MAX)
			continue;
		error = reserve_one((void **)&fd_walk.processes, fd_walk.count, &fd_walk.capacity,
		                    sizeof *fd_walk.processes, 256);
		if (error)
			break;
		walked_process *walked = &fd_walk.processes[fd_walk.count++];
		memset(walked, 0, sizeof *walked);
		walked->pid = (int)pid;
		walked->first = fd_walk.fd_count;
		snprintf(path, sizeof path, "%s/%s/fd", fd_walk.root, entry->d_name);
		int dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		walked->error = dir_fd < 0 ? errno : list_fds(dir_fd, walked);
		if (walked->error == ENOMEM)
			error = ENOMEM;
	}
	closedir(proc);
	size_t chunk_count = 0;
	for (size_t index = 0; index < fd_walk.count; index++)
		chunk_count += (fd_walk.processes[index].count + FD_CHUNK - 1) / FD_CHUNK;
	fd_walk.links = calloc(fd_walk.fd_count + 1, sizeof *fd_walk.links);
	fd_walk.chunks = malloc((chunk_count + 1) * sizeof *fd_walk.chunks);
	if (!fd_walk.links || !fd_walk.chunks)
		return ENOMEM;
	for (size_t index = 0; index < fd_walk.count; index++) {
		const walked_process *walked = &fd_walk.processes[index];
		for (size_t at = 0; at < walked->count; at += FD_CHUNK) {
			fd_chunk *chunk = &fd_walk.chunks[fd_walk.chunk_count++];
			chunk->process = (uint32_t)index;
			chunk->first = walked->first + at;
			chunk->count = walked->count - at < FD_CHUNK ? walked->count - at : FD_CHUNK;
		}
	}
	return error;
}

/* Phase two: readlink the fds of chunks until none is left. Any thread may call it. */
static void read_links(void)
{
	char path[4200];
	for (;;) {
		size_t taken = __atomic_fetch_add(&fd_walk.next_chunk, 1, __ATOMIC_RELAXED);
		if (taken >= fd_walk.chunk_count)
			return;
		const fd_chunk *chunk = &fd_walk.chunks[taken];
		snprintf(path, sizeof path, "%s/%d/fd", fd_walk.root,
		         fd_walk.processes[chunk->process].pid);
		int dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0)
			continue; /* exited since phase one: it holds nothing */
		for (size_t at = chunk->first; at < chunk->first + chunk->count; at++) {
			char name[16];
			snprintf(name, sizeof name, "%d", fd_walk.fds[at]);
			fd_walk.links[at] = socket_inode_at(dir_fd, name);
		}
		close(dir_fd);
	}
}

static void *fd_walk_main(void *unused)
{
	(void)unused;
	int error = list_processes();
	pthread_mutex_lock(&fd_walk.lock);
	/* Out of memory: no chunks, and finish reports every process as unread. */
	if (error) {
		fd_walk.chunk_count = 0;
		for (size_t index = 0; index < fd_walk.count; index++)
			fd_walk.processes[index].error = ENOMEM;
	}
	fd_walk.listed = 1;
	pthread_cond_broadcast(&fd_walk.listed_changed);
	pthread_mutex_unlock(&fd_walk.lock);
	read_links();
	return NULL;
}

/* On the main thread: takes chunks with the walk's thread, then joins it. */
static void fd_walk_finish(void)
{
	pthread_mutex_lock(&fd_walk.lock);
	while (!fd_walk.listed)
		pthread_cond_wait(&fd_walk.listed_changed, &fd_walk.lock);
	pthread_mutex_unlock(&fd_walk.lock);
	read_links();
	pthread_join(fd_walk.thread, NULL);
	fd_walk.running = 0;
}

/* The socket inodes of walked process `index`, in fd order (zeros skipped by callers). */
static const uint32_t *walked_links(size_t index)
{
	return fd_walk.links ? fd_walk.links + fd_walk.processes[index].first : NULL;
}

static void fd_walk_free(void)
{
	free(fd_walk.processes);
	free(fd_walk.fds);
	free(fd_walk.links);
	free(fd_walk.chunks);
	fd_walk.processes = NULL;
	fd_walk.fds = NULL;
	fd_walk.links = NULL;
	fd_walk.chunks = NULL;
	fd_walk.count = fd_walk.capacity = 0;
	fd_walk.fd_count = fd_walk.fd_capacity = 0;
	fd_walk.chunk_count = 0;
	fd_walk.next_chunk = 0;
	fd_walk.listed = 0;
}

static napi_value StartFdWalk(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], result;
	size_t length = 0;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 1 ||
	    napi_get_value_string_utf8(env, argv[0], fd_walk.root, sizeof fd_walk.root,
	                               &length) != napi_ok ||
	    length >= sizeof fd_walk.root - 1) {
		napi_throw_type_error(env, NULL, "startFdWalk(procRoot: string)");
		return NULL;
	}
	int started = 0;
	if (!fd_walk.running) {
		fd_walk_free();
		started = pthread_create(&fd_walk.thread, NULL, fd_walk_main, NULL) == 0;
		fd_walk.running = started;
	}
	napi_get_boolean(env, started, &result);
	return result;
}

static napi_value FinishFdWalk(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value result;
	if (!fd_walk.running) {
		napi_get_undefined(env, &result);
		return result;
	}
	fd_walk_finish();
	size_t total = 0;
	for (size_t index = 0; index < fd_walk.count; index++) {
		const uint32_t *links = walked_links(index);
		for (size_t fd = 0; links && fd < fd_walk.processes[index].count; fd++)
			total += links[fd] != 0;
	}
	napi_value pids, errors, ends, inodes;
	void *pid_data, *error_data, *end_data, *inode_data;
	size_t count = fd_walk.count;
	if (!new_array32(env, napi_int32_array, count, &pid_data, &pids) ||
	    !new_array32(env, napi_int32_array, count, &error_data, &errors) ||
	    !new_array32(env, napi_uint32_array, count, &end_data, &ends) ||
	    !new_array32(env, napi_uint32_array, total, &inode_data, &inodes)) {
		fd_walk_free();
		napi_throw_error(env, NULL, "finishFdWalk: cannot allocate result");
		return NULL;
	}
	size_t at = 0;
	for (size_t index = 0; index < count; index++) {
		const walked_process *walked = &fd_walk.processes[index];
		const uint32_t *links = walked_links(index);
		((int32_t *)pid_data)[index] = walked->pid;
		((int32_t *)error_data)[index] = walked->error;
		for (size_t fd = 0; links && fd < walked->count; fd++)
			if (links[fd] != 0)
				((uint32_t *)inode_data)[at++] = links[fd];
		((uint32_t *)end_data)[index] = (uint32_t)at;
	}
	fd_walk_free();
	napi_create_object(env, &result);
	napi_set_named_property(env, result, "pids", pids);
	napi_set_named_property(env, result, "errors", errors);
	napi_set_named_property(env, result, "ends", ends);
	napi_set_named_property(env, result, "inodes", inodes);
	return result;
}

/*
 * joinFdWalk(inodes: Uint32Array)
 *
 * Joins the background walk (as finishFdWalk) and answers, for each of the
 * given socket inodes, which walked processes hold it, here rather than in
 * JavaScript: a cold `portui list` would otherwise build a Set of every
 * listener's inode and a Map back from it, megabytes of fresh pages for
 * 10,000 listeners. Returns
 * {pids: Int32Array, errors: Int32Array (errno per pid, 0 when read),
 *  starts: Uint32Array (inodes.length + 1), holders: Uint32Array}
 * where holders[starts[i]..starts[i+1]) are indexes into pids of the
 * processes holding inodes[i], lowest pid first, each once. Inode 0 has no
 * holders. Undefined when no walk was started.
 */
static int compare_pid_order(const void *a, const void *b)
{
	int pid_a = fd_walk.processes[*(const uint32_t *)a].pid;
	int pid_b = fd_walk.processes[*(const uint32_t *)b].pid;
	return (pid_a > pid_b) - (pid_a < pid_b);
}

/*
 * The slot of `inode` in an open-addressing table of positions + 1 into
 * `wanted` (0 for an empty slot): where it is, or the empty slot it would take.
 */
static size_t inode_slot(const uint32_t *slots, size_t slot_count, const uint32_t *wanted,
                         uint32_t inode)
{
	size_t slot = (inode * 2654435761u) & (slot_count - 1);
	while (slots[slot] && wanted[slots[slot] - 1] != inode)
		slot = (slot + 1) & (slot_count - 1);
	return slot;
}

static napi_value JoinFdWalk(napi_env env, napi_callback_info info)
{
	napi_value result;
	size_t wanted_count = 0;
	void *wanted_data = NULL;
	if (!typed_array_argument(env, info, napi_uint32_array, "joinFdWalk(inodes: Uint32Array)",
	                          &wanted_data, &wanted_count))
		return NULL;
	if (!fd_walk.running) {
		napi_get_undefined(env, &result);
		return result;
	}
	fd_walk_finish();
	const uint32_t *wanted = wanted_data;
	size_t process_count = fd_walk.count;

	/* inode -> first position in `wanted`; `next` chains positions of the same inode. */
	size_t slot_count = 64;
	while (slot_count < wanted_count * 2)
		slot_count *= 2;
	uint32_t *slots = calloc(slot_count, sizeof *slots);
	uint32_t *next = malloc((wanted_count + 1) * sizeof *next);
	uint32_t *counts = calloc(wanted_count + 1, sizeof *counts);
	uint32_t *last = malloc((wanted_count + 1) * sizeof *last);
	uint32_t *order = malloc((process_count + 1) * sizeof *order);
	int failed = !slots || !next || !counts || !last || !order;
	for (size_t position = 0; !failed && position < wanted_count; position++) {
		last[position] = UINT32_MAX;
		uint32_t inode = wanted[position];
		if (inode == 0)
			continue;
		size_t slot = inode_slot(slots, slot_count, wanted, inode);
		next[position] = slots[slot]; /* 0 ends the chain */
		slots[slot] = (uint32_t)position + 1;
	}
	/* Processes in pid order, so that each socket's holders come out sorted. */
	for (size_t index = 0; !failed && index < process_count; index++)
		order[index] = (uint32_t)index;
	if (!failed)
		qsort(order, process_count, sizeof *order, compare_pid_order);

	napi_value pids, errors, starts, holders;
	void *pid_data = NULL, *error_data = NULL, *start_data = NULL, *holder_data = NULL;
	size_t total = 0;
	/* Two passes over every walked inode: count, then fill. */
	for (int pass = 0; !failed && pass < 2; pass++) {
		if (pass == 1) {
			for (size_t position = 0; position < wanted_count; position++)
				last[position] = UINT32_MAX;
			if (!new_array32(env, napi_uint32_array, wanted_count + 1, &start_data, &starts) ||
			    !new_array32(env, napi_uint32_array, total, &holder_data, &holders)) {
				failed = 1;
				break;
			}
			uint32_t at = 0;
			for (size_t position = 0; position < wanted_count; position++) {
				((uint32_t *)start_data)[position] = at;
				at += counts[position];
				counts[position] = ((uint32_t *)start_data)[position]; /* fill cursor */
			}
			((uint32_t *)start_data)[wanted_count] = at;
		}
		for (size_t ordered = 0; ordered < process_count; ordered++) {
			uint32_t index = order[ordered];
			const walked_process *walked = &fd_walk.processes[index];
			const uint32_t *links = walked_links(index);
			for (size_t fd = 0; links && fd < walked->count; fd++) {
				uint32_t inode = links[fd];
				if (inode == 0)
					continue;
				size_t slot = inode_slot(slots, slot_count, wanted, inode);
				for (uint32_t link = slots[slot]; link; link = next[link - 1]) {
					uint32_t position = link - 1;
					if (last[position] == index)
						continue; /* the same socket on another fd of this process */
					last[position] = index;
					if (pass == 0) {
						counts[position]++;
						total++;
					} else {
						((uint32_t *)holder_data)[counts[position]++] = index;
					}
				}
			}
		}
	}
	if (!failed && (!new_array32(env, napi_int32_array, process_count, &pid_data, &pids) ||
	                !new_array32(env, napi_int32_array, process_count, &error_data, &errors)))
		failed = 1;
	for (size_t index = 0; !failed && index < process_count; index++) {
		((int32_t *)pid_data)[index] = fd_walk.processes[index].pid;
		((int32_t *)error_data)[index] = fd_walk.processes[index].error;
	}
	free(slots);
	free(next);
	free(counts);
	free(last);
	free(order);
	fd_walk_free();
	if (failed) {
		napi_throw_error(env, NULL, "joinFdWalk: cannot allocate result");
		return NULL;
	}
	napi_create_object(env, &result);
	napi_set_named_property(env, result, "pids", pids);
	napi_set_named_property(env, result, "errors", errors);
	napi_set_named_property(env, result, "starts", starts);
	napi_set_named_property(env, result, "holders", holders);
	return result;
}

/*
 * startDumps(requests: Int32Array) and takeDump(family, protocol, stateMask)
 *
 * Dumps asked for ahead of time, on a thread of their own: a cold
 * `portui list` knows which four dumps it will read, and the kernel's part
 * of them (walking its socket tables) can run while the main thread is still
 * loading modules. `requests` holds (family, protocol, stateMask) triples.
 * takeDump joins the thread and returns the matching dump's bytes once (the
 * same Buffer as dump() would), throws its errno, or returns undefined when
 * that dump was not asked for, so the caller dumps it itself.
 */
#define MAX_PREFETCH 8

typedef struct {
	int family, protocol;
	unsigned int states;
	diag_table table;
	int error; /* errno of a failed system call, 0 otherwise */
	int taken;
} prefetched_dump;

static struct {
	pthread_t thread;
	int running;
	int count;
	prefetched_dump items[MAX_PREFETCH];
} prefetch;

static void *prefetch_main(void *unused)
{
	(void)unused;
	for (int index = 0; index < prefetch.count; index++) {
		prefetched_dump *item = &prefetch.items[index];
		item->error = dump(item->family, item->protocol, item->states, &item->table) < 0 &&
		                      item->table.error[0] == 0
			? errno
			: 0;
	}
	return NULL;
}

static void prefetch_free(void)
{
	for (int index = 0; index < prefetch.count; index++)
		table_free(&prefetch.items[index].table);
	memset(prefetch.items, 0, sizeof prefetch.items);
	prefetch.count = 0;
}

static napi_value StartDumps(napi_env env, napi_callback_info info)
{
	napi_value result;
	size_t length = 0;
	void *data = NULL;
	const char *usage = "startDumps(requests: Int32Array of up to 8 triples)";
	if (!typed_array_argument(env, info, napi_int32_array, usage, &data, &length))
		return NULL;
	if (length % 3 != 0 || length / 3 > MAX_PREFETCH) {
		napi_throw_type_error(env, NULL, usage);
		return NULL;
	}
	int started = 0;
	if (!prefetch.running) {
		prefetch_free();
		const int32_t *values = data;
		prefetch.count = (int)(length / 3);
		for (int index = 0; index < prefetch.count; index++) {
			prefetch.items[index].family = values[index * 3];
			prefetch.items[index].protocol = values[index * 3 + 1];
			prefetch.items[index].states = (unsigned int)values[index * 3 + 2];
		}
		started = pthread_create(&prefetch.thread, NULL, prefetch_main, NULL) == 0;
		prefetch.running = started;
		if (!started)
			prefetch.count = 0;
	}
	napi_get_boolean(env, started, &result);
	return result;
}

static napi_value TakeDump(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], result;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	int32_t family = 0, protocol = 0;
	uint32_t states = 0;
	if (argc < 3 || napi_get_value_int32(env, argv[0], &family) != napi_ok ||
	    napi_get_value_int32(env, argv[1], &protocol) != napi_ok ||
	    napi_get_value_uint32(env, argv[2], &states) != napi_ok) {
		napi_throw_type_error(env, NULL, "takeDump(family, protocol, stateMask) takes numbers");
		return NULL;
	}
	if (prefetch.running) {
		pthread_join(prefetch.thread, NULL);
		prefetch.running = 0;
	}
	for (int index = 0; index < prefetch.count; index++) {
		prefetched_dump *item = &prefetch.items[index];
		if (item->taken || item->family != family || item->protocol != protocol ||
		    item->states != states)
			continue;
		item->taken = 1;
		if (item->error) {
			errno = item->error;
			THROW_ERRNO(env, "dump");
			return NULL;
		}
		if (table_value(env, &item->table, &result) != napi_ok) {
			napi_throw_error(env, NULL, "sock_diag: cannot allocate result");
			return NULL;
		}
		return result;
	}
	napi_get_undefined(env, &result);
	return result;
}

/*
 * exitNow(code): _exit(code). For a command that has written everything
 * synchronously and has nothing left to do: Node's own exit disposes of its
 * platform threads and heap first, ~5 ms that the kernel then does again.
 */
static napi_value ExitNow(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	int32_t code = 0;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc >= 1)
		napi_get_value_int32(env, argv[0], &code);
	_exit(code & 0xff);
}

static napi_value Init(napi_env env, napi_value exports)
{
	static const struct {
		const char *name;
		napi_callback function;
	} functions[] = {
		{"dump", Dump},
		{"decode", Decode},
		{"socketInodes", SocketInodes},
		{"startFdWalk", StartFdWalk},
		{"finishFdWalk", FinishFdWalk},
		{"joinFdWalk", JoinFdWalk},
		{"startDumps", StartDumps},
		{"takeDump", TakeDump},
		{"exitNow", ExitNow},
	};
	for (size_t index = 0; index < sizeof functions / sizeof functions[0]; index++) {
		napi_value value;
		napi_create_function(env, functions[index].name, NAPI_AUTO_LENGTH,
		                     functions[index].function, NULL, &value);
		napi_set_named_property(env, exports, functions[index].name, value);
	}
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
