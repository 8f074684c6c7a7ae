/*
 * files: the system calls Node's fs module does not have, for writing a
 * config as root in a directory someone else may control.
 *
 * Names are resolved relative to a directory descriptor (openat, linkat,
 * renameat, unlinkat, fstatat), so a symlink swapped into a path between two
 * calls cannot redirect the second; a file can be linked by its descriptor
 * (linkat of /proc/self/fd/N with AT_SYMLINK_FOLLOW), which is what makes an
 * O_TMPFILE file visible only once it is complete; xattrs (ACLs, SELinux
 * labels) are copied through descriptors; flock serialises two portui runs;
 * FS_IOC_GETFLAGS tells an immutable file from a permission problem.
 * source/core/files/calls.ts gives these types and a Node-only fallback.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* errno as the code Node uses, so callers tell errors apart as for fs errors. */
static const char *errno_name(int error)
{
	switch (error) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case ENODATA: return "ENODATA";
	case EOPNOTSUPP: return "ENOTSUP";
	case EDQUOT: return "EDQUOT";
	default: return "EUNKNOWN";
	}
}

/* Throws an Error shaped like Node's fs errors: code, errno (negative), syscall. */
static napi_value throw_errno(napi_env env, int error, const char *syscall)
{
	char text[256];
	snprintf(text, sizeof text, "%s: %s, %s", errno_name(error), strerror(error), syscall);
	napi_value message, code, number, call, object;
	napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
	napi_create_string_utf8(env, errno_name(error), NAPI_AUTO_LENGTH, &code);
	napi_create_error(env, code, message, &object);
	napi_create_int32(env, -error, &number);
	napi_set_named_property(env, object, "errno", number);
	napi_set_named_property(env, object, "code", code);
	napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &call);
	napi_set_named_property(env, object, "syscall", call);
	napi_throw(env, object);
	return NULL;
}

static napi_value usage(napi_env env, const char *text)
{
	napi_throw_type_error(env, NULL, text);
	return NULL;
}

/* Arguments: `count` of them, each read by the caller's format ('i' int32, 's' string, 'b' bytes). */
typedef struct {
	int32_t ints[6];
	char strings[2][4096];
	void *bytes;
	size_t byte_length;
} arguments;

static int read_arguments(napi_env env, napi_callback_info info, const char *format,
                          arguments *out)
{
	napi_value argv[6];
	size_t argc = 6;
	size_t wanted = strlen(format);
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < wanted)
		return -1;
	size_t strings = 0;
	for (size_t index = 0; index < wanted; index++) {
		switch (format[index]) {
		case 'i':
			if (napi_get_value_int32(env, argv[index], &out->ints[index]) != napi_ok)
				return -1;
			break;
		case 's': {
			size_t length = 0;
			if (strings >= 2 ||
			    napi_get_value_string_utf8(env, argv[index], out->strings[strings],
			                               sizeof out->strings[strings], &length) != napi_ok ||
			    length >= sizeof out->strings[strings] - 1)
				return -1;
			strings++;
			break;
		}
		case 'b': {
			bool is_typed;
			napi_typedarray_type type;
			size_t length;
			void *data;
			napi_value buffer;
			size_t offset;
			if (napi_is_typedarray(env, argv[index], &is_typed) != napi_ok || !is_typed ||
			    napi_get_typedarray_info(env, argv[index], &type, &length, &data, &buffer,
			                             &offset) != napi_ok ||
			    type != napi_uint8_array)
				return -1;
			out->bytes = data;
			out->byte_length = length;
			break;
		}
		}
	}
	return 0;
}

static napi_value number(napi_env env, double value)
{
	napi_value result;
	napi_create_double(env, value, &result);
	return result;
}

static napi_value undefined(napi_env env)
{
	napi_value result;
	napi_get_undefined(env, &result);
	return result;
}

/* openat(dirfd, name, flags, mode) -> fd; O_CLOEXEC is always added. */
static napi_value Openat(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "isii", &args) != 0)
		return usage(env, "openat(dirfd, name, flags, mode)");
	int fd = openat(args.ints[0], args.strings[0], args.ints[2] | O_CLOEXEC, (mode_t)args.ints[3]);
	if (fd < 0)
		return throw_errno(env, errno, "openat");
	return number(env, fd);
}

/* linkat(olddirfd, oldname, newdirfd, newname, flags) */
static napi_value Linkat(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "isisi", &args) != 0)
		return usage(env, "linkat(olddirfd, oldname, newdirfd, newname, flags)");
	if (linkat(args.ints[0], args.strings[0], args.ints[2], args.strings[1], args.ints[4]) != 0)
		return throw_errno(env, errno, "linkat");
	return undefined(env);
}

/* renameat(olddirfd, oldname, newdirfd, newname) */
static napi_value Renameat(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "isis", &args) != 0)
		return usage(env, "renameat(olddirfd, oldname, newdirfd, newname)");
	if (renameat(args.ints[0], args.strings[0], args.ints[2], args.strings[1]) != 0)
		return throw_errno(env, errno, "renameat");
	return undefined(env);
}

/* unlinkat(dirfd, name, flags) */
static napi_value Unlinkat(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "isi", &args) != 0)
		return usage(env, "unlinkat(dirfd, name, flags)");
	if (unlinkat(args.ints[0], args.strings[0], args.ints[2]) != 0)
		return throw_errno(env, errno, "unlinkat");
	return undefined(env);
}

/* fstatat(dirfd, name, flags) -> {dev, ino, mode, nlink, uid, gid, size} */
static napi_value Statat(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "isi", &args) != 0)
		return usage(env, "statat(dirfd, name, flags)");
	struct stat st;
	if (fstatat(args.ints[0], args.strings[0], &st, args.ints[2]) != 0)
		return throw_errno(env, errno, "fstatat");
	napi_value result;
	napi_create_object(env, &result);
	napi_set_named_property(env, result, "dev", number(env, (double)st.st_dev));
	napi_set_named_property(env, result, "ino", number(env, (double)st.st_ino));
	napi_set_named_property(env, result, "mode", number(env, st.st_mode));
	napi_set_named_property(env, result, "nlink", number(env, (double)st.st_nlink));
	napi_set_named_property(env, result, "uid", number(env, st.st_uid));
	napi_set_named_property(env, result, "gid", number(env, st.st_gid));
	napi_set_named_property(env, result, "size", number(env, (double)st.st_size));
	return result;
}

/* flock(fd, operation) -> true, or false when LOCK_NB found it held. */
static napi_value Flock(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "ii", &args) != 0)
		return usage(env, "flock(fd, operation)");
	napi_value result;
	int status;
	do
		status = flock(args.ints[0], args.ints[1]);
	while (status != 0 && errno == EINTR);
	if (status != 0 && errno != EWOULDBLOCK)
		return throw_errno(env, errno, "flock");
	napi_get_boolean(env, status == 0, &result);
	return result;
}

/* flistxattr(fd) -> names */
static napi_value Listxattr(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "i", &args) != 0)
		return usage(env, "listxattr(fd)");
	char *names = NULL;
	ssize_t length;
	for (;;) {
		length = flistxattr(args.ints[0], NULL, 0);
		if (length < 0)
			return throw_errno(env, errno, "flistxattr");
		free(names);
		names = malloc(length > 0 ? (size_t)length : 1);
		if (!names)
			return throw_errno(env, ENOMEM, "flistxattr");
		length = flistxattr(args.ints[0], names, (size_t)length);
		if (length >= 0)
			break;
		if (errno != ERANGE) {
			free(names);
			return throw_errno(env, errno, "flistxattr");
		}
	}
	napi_value result;
	napi_create_array(env, &result);
	uint32_t count = 0;
	for (ssize_t at = 0; at < length;) {
		size_t size = strlen(names + at);
		napi_value name;
		napi_create_string_utf8(env, names + at, size, &name);
		napi_set_element(env, result, count++, name);
		at += (ssize_t)size + 1;
	}
	free(names);
	return result;
}

/* fgetxattr(fd, name) -> Buffer */
static napi_value Getxattr(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "is", &args) != 0)
		return usage(env, "getxattr(fd, name)");
	for (;;) {
		ssize_t size = fgetxattr(args.ints[0], args.strings[0], NULL, 0);
		if (size < 0)
			return throw_errno(env, errno, "fgetxattr");
		void *data;
		napi_value result;
		if (napi_create_buffer(env, (size_t)size, &data, &result) != napi_ok)
			return throw_errno(env, ENOMEM, "fgetxattr");
		ssize_t got = size > 0 ? fgetxattr(args.ints[0], args.strings[0], data, (size_t)size) : 0;
		if (got == size)
			return result;
		/* Changed size between the two calls: ask again. */
		if (got >= 0 || errno == ERANGE)
			continue;
		return throw_errno(env, errno, "fgetxattr");
	}
}

/* fsetxattr(fd, name, value) */
static napi_value Setxattr(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "isb", &args) != 0)
		return usage(env, "setxattr(fd, name, value: Uint8Array)");
	if (fsetxattr(args.ints[0], args.strings[0], args.bytes, args.byte_length, 0) != 0)
		return throw_errno(env, errno, "fsetxattr");
	return undefined(env);
}

/* fremovexattr(fd, name) */
static napi_value Removexattr(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "is", &args) != 0)
		return usage(env, "removexattr(fd, name)");
	if (fremovexattr(args.ints[0], args.strings[0]) != 0)
		return throw_errno(env, errno, "fremovexattr");
	return undefined(env);
}

/* The inode flags (FS_IOC_GETFLAGS: immutable, append-only…) of an open file or directory. */
static napi_value InodeFlags(napi_env env, napi_callback_info info)
{
	arguments args;
	if (read_arguments(env, info, "i", &args) != 0)
		return usage(env, "inodeFlags(fd)");
	int flags = 0;
	if (ioctl(args.ints[0], FS_IOC_GETFLAGS, &flags) != 0)
		return throw_errno(env, errno, "ioctl(FS_IOC_GETFLAGS)");
	return number(env, (unsigned)flags);
}

static napi_value Init(napi_env env, napi_value exports)
{
	static const struct {
		const char *name;
		napi_callback function;
	} functions[] = {
		{"openat", Openat},
		{"linkat", Linkat},
		{"renameat", Renameat},
		{"unlinkat", Unlinkat},
		{"statat", Statat},
		{"flock", Flock},
		{"listxattr", Listxattr},
		{"getxattr", Getxattr},
		{"setxattr", Setxattr},
		{"removexattr", Removexattr},
		{"inodeFlags", InodeFlags},
	};
	for (size_t index = 0; index < sizeof functions / sizeof functions[0]; index++) {
		napi_value value;
		napi_create_function(env, functions[index].name, NAPI_AUTO_LENGTH,
		                     functions[index].function, NULL, &value);
		napi_set_named_property(env, exports, functions[index].name, value);
	}
	static const struct {
		const char *name;
		double value;
	} constants[] = {
		{"AT_FDCWD", AT_FDCWD},
		{"AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW},
		{"AT_SYMLINK_FOLLOW", AT_SYMLINK_FOLLOW},
		{"O_RDONLY", O_RDONLY},
		{"O_WRONLY", O_WRONLY},
		{"O_RDWR", O_RDWR},
		{"O_CREAT", O_CREAT},
		{"O_EXCL", O_EXCL},
		{"O_NOFOLLOW", O_NOFOLLOW},
		{"O_DIRECTORY", O_DIRECTORY},
		{"O_NONBLOCK", O_NONBLOCK},
		{"O_PATH", O_PATH},
		{"O_TMPFILE", O_TMPFILE},
		{"LOCK_EX", LOCK_EX},
		{"LOCK_NB", LOCK_NB},
		{"LOCK_UN", LOCK_UN},
		{"FS_IMMUTABLE_FL", FS_IMMUTABLE_FL},
		{"FS_APPEND_FL", FS_APPEND_FL},
	};
	napi_value table;
	napi_create_object(env, &table);
	for (size_t index = 0; index < sizeof constants / sizeof constants[0]; index++) {
		napi_set_named_property(env, table, constants[index].name,
		                        number(env, constants[index].value));
	}
	napi_set_named_property(env, exports, "constants", table);
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
