/*
 * sockdiag: the one thing Node cannot do itself, asking the kernel for a
 * filtered socket dump over NETLINK_SOCK_DIAG (what `ss -l` uses).
 *
 * Reading /proc/net/tcp costs as much as there are connections; a sock_diag
 * dump with a state mask lets the kernel skip established sockets, so the
 * cost follows the number of listeners. The addon only moves bytes: it
 * returns the raw netlink replies and source/core/sockets/netlink.ts parses
 * them, so parsing stays testable in TypeScript on captured bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
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

static int dump(int family, int protocol, unsigned int states, char **out, size_t *out_len)
{
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

	size_t capacity = 1 << 16, length = 0;
	char *buffer = malloc(capacity);
	if (!buffer) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	int done = 0;
	while (!done) {
		if (capacity - length < 65536) {
			capacity *= 2;
			char *grown = realloc(buffer, capacity);
			if (!grown) {
				free(buffer);
				close(fd);
				errno = ENOMEM;
				return -1;
			}
			buffer = grown;
		}
		ssize_t received = recv(fd, buffer + length, 65536, 0);
		if (received < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			free(buffer);
			close(fd);
			errno = saved;
			return -1;
		}
		if (received == 0)
			break;
		/* Only scan the new datagram for the end of the dump. */
		struct nlmsghdr *header = (struct nlmsghdr *)(buffer + length);
		int remaining = (int)received;
		for (; NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) {
			if (header->nlmsg_type == NLMSG_DONE || header->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
		}
		length += (size_t)received;
	}
	close(fd);
	*out = buffer;
	*out_len = length;
	return 0;
}

static void free_bytes(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	free(data);
}

/*
 * The dump's bytes as a Buffer over the malloc'd memory itself, freed with
 * it: a copy would fault in as many fresh pages again (a megabyte for 10,000
 * listeners), which costs more than the copy on this machine class. An
 * empty dump is copied (a zero-length external buffer is not allowed).
 */
static napi_status bytes_buffer(napi_env env, char *bytes, size_t length, napi_value *result)
{
	if (length == 0) {
		void *copy = NULL;
		free(bytes);
		return napi_create_buffer(env, 0, &copy, result);
	}
	napi_status status =
		napi_create_external_buffer(env, length, bytes, free_bytes, NULL, result);
	if (status != napi_ok)
		free(bytes);
	return status;
}

/* dump(family: number, protocol: number, stateMask: number): Buffer */
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
	char *bytes = NULL;
	size_t length = 0;
	if (dump(family, protocol, states, &bytes, &length) < 0) {
		THROW_ERRNO(env, "dump");
		return NULL;
	}
	napi_value result;
	if (bytes_buffer(env, bytes, length, &result) != napi_ok) {
		napi_throw_error(env, NULL, "sock_diag: cannot allocate result buffer");
		return NULL;
	}
	return result;
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
	size_t capacity = 64, count = 0;
	uint32_t *inodes = malloc(capacity * sizeof *inodes);
	struct dirent *entry;
	while (inodes && (entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		char target[64];
		ssize_t length = readlinkat(dir_fd, entry->d_name, target, sizeof target - 1);
		if (length < 10 || memcmp(target, "socket:[", 8) != 0)
			continue;
		target[length] = 0;
		char *end = NULL;
		unsigned long inode = strtoul(target + 8, &end, 10);
		if (!end || *end != ']' || inode == 0 || inode > UINT32_MAX)
			continue;
		if (count == capacity) {
			capacity *= 2;
			uint32_t *grown = realloc(inodes, capacity * sizeof *inodes);
			if (!grown) {
				free(inodes);
				inodes = NULL;
				break;
			}
			inodes = grown;
		}
		inodes[count++] = (uint32_t)inode;
	}
	closedir(dir);
	if (!inodes)
		return ENOMEM;
	*out = inodes;
	*out_count = count;
	return 0;
}

static napi_value inode_array(napi_env env, const uint32_t *inodes, size_t count)
{
	void *data = NULL;
	napi_value buffer, array;
	if (napi_create_arraybuffer(env, count * sizeof *inodes, &data, &buffer) != napi_ok ||
	    napi_create_typedarray(env, napi_uint32_array, count, buffer, 0, &array) != napi_ok)
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
 * work) while the main thread loads modules and dumps sockets. The thread
 * only makes system calls and mallocs; everything N-API happens on the main
 * thread in finishFdWalk, which joins it and returns
 * {pids: Int32Array, errors: Int32Array (errno per pid, 0 when read),
 *  ends: Uint32Array (end of each pid's run in inodes), inodes: Uint32Array}
 * or undefined when no walk was started.
 */
typedef struct {
	int pid;
	int error;
	uint32_t *inodes;
	size_t count;
} walked_process;

static struct {
	char root[4096];
	pthread_t thread;
	int running;
	walked_process *processes;
	size_t count, capacity;
} fd_walk;

static void *fd_walk_main(void *unused)
{
	(void)unused;
	DIR *proc = opendir(fd_walk.root);
	if (!proc)
		return NULL;
	struct dirent *entry;
	char path[4200];
	while ((entry = readdir(proc)) != NULL) {
		if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
			continue;
		char *end = NULL;
		long pid = strtol(entry->d_name, &end, 10);
		if (!end || *end != 0 || pid <= 0 || pid > INT32_MAX)
			continue;
		if (fd_walk.count == fd_walk.capacity) {
			size_t capacity = fd_walk.capacity ? fd_walk.capacity * 2 : 256;
			walked_process *grown =
				realloc(fd_walk.processes, capacity * sizeof *grown);
			if (!grown)
				break;
			fd_walk.processes = grown;
			fd_walk.capacity = capacity;
		}
		walked_process *walked = &fd_walk.processes[fd_walk.count++];
		walked->pid = (int)pid;
		walked->inodes = NULL;
		walked->count = 0;
		snprintf(path, sizeof path, "%s/%s/fd", fd_walk.root, entry->d_name);
		int dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		walked->error = dir_fd < 0
			? errno
			: collect_socket_inodes(dir_fd, &walked->inodes, &walked->count);
	}
	closedir(proc);
	return NULL;
}

static void fd_walk_free(void)
{
	for (size_t index = 0; index < fd_walk.count; index++)
		free(fd_walk.processes[index].inodes);
	free(fd_walk.processes);
	fd_walk.processes = NULL;
	fd_walk.count = fd_walk.capacity = 0;
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
	pthread_join(fd_walk.thread, NULL);
	fd_walk.running = 0;
	size_t total = 0;
	for (size_t index = 0; index < fd_walk.count; index++)
		total += fd_walk.processes[index].count;
	napi_value pids, errors, ends, inodes, buffer;
	void *pid_data, *error_data, *end_data, *inode_data;
	size_t count = fd_walk.count;
	if (napi_create_arraybuffer(env, count * 4, &pid_data, &buffer) != napi_ok ||
	    napi_create_typedarray(env, napi_int32_array, count, buffer, 0, &pids) != napi_ok ||
	    napi_create_arraybuffer(env, count * 4, &error_data, &buffer) != napi_ok ||
	    napi_create_typedarray(env, napi_int32_array, count, buffer, 0, &errors) != napi_ok ||
	    napi_create_arraybuffer(env, count * 4, &end_data, &buffer) != napi_ok ||
	    napi_create_typedarray(env, napi_uint32_array, count, buffer, 0, &ends) != napi_ok ||
	    napi_create_arraybuffer(env, total * 4, &inode_data, &buffer) != napi_ok ||
	    napi_create_typedarray(env, napi_uint32_array, total, buffer, 0, &inodes) != napi_ok) {
		fd_walk_free();
		napi_throw_error(env, NULL, "finishFdWalk: cannot allocate result");
		return NULL;
	}
	size_t at = 0;
	for (size_t index = 0; index < count; index++) {
		walked_process *walked = &fd_walk.processes[index];
		((int32_t *)pid_data)[index] = walked->pid;
		((int32_t *)error_data)[index] = walked->error;
		if (walked->count > 0)
			memcpy((uint32_t *)inode_data + at, walked->inodes, walked->count * 4);
		at += walked->count;
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
	char *bytes;
	size_t length;
	int error;
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
		item->error = dump(item->family, item->protocol, item->states, &item->bytes,
		                   &item->length) < 0
			? errno
			: 0;
	}
	return NULL;
}

static void prefetch_free(void)
{
	for (int index = 0; index < prefetch.count; index++)
		free(prefetch.items[index].bytes);
	memset(prefetch.items, 0, sizeof prefetch.items);
	prefetch.count = 0;
}

static napi_value StartDumps(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], result;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	napi_typedarray_type type;
	size_t length = 0;
	void *data = NULL;
	if (argc < 1 ||
	    napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
	    type != napi_int32_array || length % 3 != 0 || length / 3 > MAX_PREFETCH) {
		napi_throw_type_error(env, NULL,
		                      "startDumps(requests: Int32Array of up to 8 triples)");
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
		char *bytes = item->bytes;
		item->bytes = NULL;
		if (bytes_buffer(env, bytes, item->length, &result) != napi_ok) {
			napi_throw_error(env, NULL, "sock_diag: cannot allocate result buffer");
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
	napi_value fn;
	napi_create_function(env, "dump", NAPI_AUTO_LENGTH, Dump, NULL, &fn);
	napi_set_named_property(env, exports, "dump", fn);
	napi_create_function(env, "socketInodes", NAPI_AUTO_LENGTH, SocketInodes, NULL, &fn);
	napi_set_named_property(env, exports, "socketInodes", fn);
	napi_create_function(env, "startFdWalk", NAPI_AUTO_LENGTH, StartFdWalk, NULL, &fn);
	napi_set_named_property(env, exports, "startFdWalk", fn);
	napi_create_function(env, "finishFdWalk", NAPI_AUTO_LENGTH, FinishFdWalk, NULL, &fn);
	napi_set_named_property(env, exports, "finishFdWalk", fn);
	napi_create_function(env, "startDumps", NAPI_AUTO_LENGTH, StartDumps, NULL, &fn);
	napi_set_named_property(env, exports, "startDumps", fn);
	napi_create_function(env, "takeDump", NAPI_AUTO_LENGTH, TakeDump, NULL, &fn);
	napi_set_named_property(env, exports, "takeDump", fn);
	napi_create_function(env, "exitNow", NAPI_AUTO_LENGTH, ExitNow, NULL, &fn);
	napi_set_named_property(env, exports, "exitNow", fn);
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
