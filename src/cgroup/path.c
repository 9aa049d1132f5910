// SPDX-License-Identifier: GPL-2.0
/* Finding cgroup v2 and naming cgroups: mounts, paths and ids. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup/path.h"
#include "common/mountinfo.h"
#include "common/util.h"

int cgroup2_mount_from_mountinfo(const char *text, char *out, size_t size)
{
	struct mountinfo_entry e;
	const char *cursor = text;

	while (mountinfo_next(&cursor, &e)) {
		if (strcmp(e.fstype, "cgroup2"))
			continue;
		return snprintf(out, size, "%s", e.mountpoint) < (int)size ? 0 : -ENAMETOOLONG;
	}
	return -ENOENT;
}

int cgroup2_mount(char *out, size_t size)
{
	char *text = NULL;
	int err;

	err = read_file("/proc/self/mountinfo", &text, NULL);
	if (err < 0)
		return err;
	err = cgroup2_mount_from_mountinfo(text, out, size);
	free(text);
	return err;
}

/* Does the path have a ".." component? */
static int has_dotdot(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, "..")) != NULL) {
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
		p += 2;
	}
	return 0;
}

int cgroup_path_join(const char *mount, const char *path, char *out, size_t size)
{
	char buf[PATH_MAX];
	size_t used = 0;
	const char *p;
	int n;

	if (!path || !*path || has_dotdot(path))
		return -EINVAL;
	if (path[0] == '/')
		n = snprintf(buf, sizeof(buf), "%s", path);
	else
		n = snprintf(buf, sizeof(buf), "%s/%s", mount, path);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;

	/* Rebuild component by component, dropping "", "." and refusing "..". */
	p = buf;
	while (*p) {
		const char *slash;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (!(len == 1 && *p == '.')) {
			if (used + 1 + len + 1 > size)
				return -ENAMETOOLONG;
			out[used++] = '/';
			memcpy(out + used, p, len);
			used += len;
		}
		p += len;
	}
	if (used == 0) {
		if (size < 2)
			return -ENAMETOOLONG;
		out[used++] = '/';
	}
	out[used] = '\0';
	return 0;
}

int cgroup_path_up(char *dir, const char *root)
{
	size_t n = strlen(root);
	char *slash;

	if (strlen(dir) <= n || strncmp(dir, root, n) || (n > 1 && dir[n] != '/'))
		return 0;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir || (size_t)(slash - dir) < n)
		return 0;
	*slash = '\0';
	return 1;
}

int cgroup_v2_path_from_proc(const char *text, char *out, size_t size)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len >= 3 && !strncmp(line, "0::", 3)) {
			if (len - 3 + 1 > size)
				return -ENAMETOOLONG;
			memcpy(out, line + 3, len - 3);
			out[len - 3] = '\0';
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup_id_of_path(const char *abs, uint64_t *id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} handle;
	int mount_id;

	handle.fh.handle_bytes = sizeof(handle.id);
	if (name_to_handle_at(AT_FDCWD, abs, &handle.fh, &mount_id, 0) < 0)
		return -errno;
	if (handle.fh.handle_bytes != sizeof(handle.id))
		return -EPROTO;
	memcpy(id, handle.fh.f_handle, sizeof(*id));
	return 0;
}

int cgroup_resolve(const char *path, char *abs, size_t abs_size, uint64_t *id,
		   char *why, size_t why_size)
{
	char mount[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	int err;

	err = cgroup2_mount(mount, sizeof(mount));
	if (err < 0) {
		snprintf(why, why_size, "no cgroup2 filesystem is mounted (see /proc/self/mountinfo)");
		return err;
	}
	err = cgroup_path_join(mount, path, abs, abs_size);
	if (err < 0) {
		snprintf(why, why_size, "%s: %s", path,
			 err == -EINVAL ? "not a valid cgroup path ('..' is not allowed)" : strerror(-err));
		return err;
	}
	if (stat(abs, &st) < 0) {
		err = -errno;
		snprintf(why, why_size, "%s: %s", abs,
			 err == -ENOENT ? "no such cgroup (it does not exist or was removed)" : strerror(-err));
		return err;
	}
	if (!S_ISDIR(st.st_mode) || statfs(abs, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(why, why_size, "%s: not a cgroup v2 directory (cgroup2 is mounted at %s)",
			 abs, mount);
		return -ENOTDIR;
	}
	err = cgroup_id_of_path(abs, id);
	if (err < 0) {
		snprintf(why, why_size, "%s: cannot read the cgroup id: %s", abs, strerror(-err));
		return err;
	}
	return 0;
}

int cgroup_path_of_id(const char *mount, uint64_t id, char *out, size_t size)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} handle;
	char link[64];
	int mfd, fd, err = 0;
	ssize_t n;

	mfd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	handle.fh.handle_bytes = sizeof(id);
	handle.fh.handle_type = 0xfe;	/* FILEID_KERNFS */
	memcpy(handle.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mfd, &handle.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		err = -errno;
	else
		out[n] = '\0';
	close(fd);
out:
	close(mfd);
	return err;
}

pid_t cgroup_first_pid(const char *dir)
{
	char path[PATH_MAX + 16], *text = NULL;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (read_file(path, &text, NULL) == 0)
		pid = strtol(text, NULL, 10);
	free(text);
	return pid > 0 ? (pid_t)pid : 0;
}
