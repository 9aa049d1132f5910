// SPDX-License-Identifier: GPL-2.0
/*
 * kava mount | umount TARGET: put the view over a container's /proc files
 * and /sys/devices/system/cpu, inside the container's own mount namespace.
 *
 * The view's files are cloned as detached mounts (open_tree) in kava's
 * namespace, then attached (move_mount) after joining the container's: a
 * plain bind mount cannot take its source from another mount namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup/path.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "view/files.h"
#include "view/tmpfs.h"

#define FUSE_SUPER_MAGIC 0x65735546

/* What goes where inside the container: the view's files, and the cpu directory. */
struct mount_item {
	const char *view_path;   /* relative to the view root */
	const char *target;      /* absolute, inside the container */
};

static const struct mount_item items[] = {
	{ "proc/meminfo", "/proc/meminfo" },
	{ "proc/cpuinfo", "/proc/cpuinfo" },
	{ "proc/stat", "/proc/stat" },
	{ "proc/uptime", "/proc/uptime" },
	{ "proc/loadavg", "/proc/loadavg" },
	{ "proc/diskstats", "/proc/diskstats" },
	{ "proc/swaps", "/proc/swaps" },
	{ "proc/pressure/cpu", "/proc/pressure/cpu" },
	{ "proc/pressure/memory", "/proc/pressure/memory" },
	{ "proc/pressure/io", "/proc/pressure/io" },
	{ VIEW_CPU_DIR, "/sys/devices/system/cpu" },
};
#define NITEMS (sizeof(items) / sizeof(items[0]))

static void mount_usage(const char *cmd)
{
	printf("usage: kava %s [--mount DIR] TARGET\n\n"
	       "TARGET is a container's pid, or its cgroup path (then any process in it).\n"
	       "%s\n\n"
	       "  --mount DIR   where the view lives (default /var/lib/kava): a FUSE view\n"
	       "                is used as is, a tmpfs view through DIR/<cgroup id>/\n",
	       cmd, !strcmp(cmd, "mount")
	       ? "Bind the view over /proc/{meminfo,cpuinfo,stat,uptime,loadavg,diskstats,swaps},\n"
		 "/proc/pressure/* and /sys/devices/system/cpu in the target's mount namespace.\n"
		 "Targets that do not exist there (no /proc/pressure, say) are skipped."
	       : "Undo 'kava mount': detach those mounts in the target's mount namespace.");
}

/* TARGET -> a pid: digits are a pid, anything else a cgroup (its first process). */
static pid_t target_pid(const char *cmd, const char *target)
{
	char abs[PATH_MAX], path[PATH_MAX + 16], *end;
	uint64_t id;
	long v = strtol(target, &end, 10);
	FILE *f;
	int pid = 0;

	if (*target && !*end) {
		if (v <= 0 || kill((pid_t)v, 0) < 0) {
			cmd_error(cmd, "no process %s", target);
			return -1;
		}
		return (pid_t)v;
	}
	if (cmd_resolve_cgroup(cmd, target, abs, sizeof(abs), &id) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.procs", abs);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%d", &pid) != 1) {
		if (f)
			fclose(f);
		cmd_error(cmd, "%s has no process to find its mount namespace by", abs);
		return -1;
	}
	fclose(f);
	return pid;
}

/* The view root for this target: DIR itself (FUSE) or DIR/<cgroup id> (tmpfs). */
static int view_root(const char *cmd, const char *dir, pid_t pid, char *out, size_t size)
{
	char mount[PATH_MAX], text_path[64], rel[PATH_MAX], abs[PATH_MAX], *text = NULL;
	struct statfs sfs;
	uint64_t id;
	FILE *f;
	size_t n;

	if (statfs(dir, &sfs) < 0) {
		cmd_error(cmd, "%s: %s (is 'kava run' serving a view there?)", dir, strerror(errno));
		return -1;
	}
	if ((unsigned long)sfs.f_type == FUSE_SUPER_MAGIC) {
		snprintf(out, size, "%s", dir);
		return 0;
	}
	if (sfs.f_type != TMPFS_MAGIC) {
		cmd_error(cmd, "%s holds no kava view (start 'kava run --view fuse|tmpfs')", dir);
		return -1;
	}
	/* tmpfs: the container's directory is named by its enabled cgroup's id */
	snprintf(text_path, sizeof(text_path), "/proc/%d/cgroup", (int)pid);
	f = fopen(text_path, "re");
	if (!f) {
		cmd_error(cmd, "cannot read %s", text_path);
		return -1;
	}
	text = calloc(1, 65536);
	n = text ? fread(text, 1, 65535, f) : 0;
	fclose(f);
	if (!text || !n || cgroup2_mount(mount, sizeof(mount)) < 0 ||
	    cgroup_v2_path_from_proc(text, rel, sizeof(rel)) < 0) {
		free(text);
		cmd_error(cmd, "cannot find the cgroup v2 of process %d", (int)pid);
		return -1;
	}
	free(text);
	/* nearest ancestor with a directory in the view */
	if (snprintf(abs, sizeof(abs), "%s%s", mount, rel) >= (int)sizeof(abs)) {
		cmd_error(cmd, "cgroup path of process %d is too long", (int)pid);
		return -1;
	}
	for (;;) {
		char *slash;

		if (cgroup_id_of_path(abs, &id) == 0) {
			view_tmpfs_container_dir(dir, id, out, size);
			if (access(out, F_OK) == 0)
				return 0;
		}
		slash = strrchr(abs, '/');
		if (!slash || (size_t)(slash - abs) < strlen(mount))
			break;
		*slash = '\0';
	}
	cmd_error(cmd, "process %d is in no enabled container with files in %s", (int)pid, dir);
	return -1;
}

static int join_mount_ns(pid_t pid)
{
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNS) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* In a child: join the namespace, attach (or detach) each item; exit status = failures. */
static int in_namespace(pid_t pid, const int *fds, int attach)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return -errno;
	if (child == 0) {
		int failed = 0, err;
		size_t i;

		err = join_mount_ns(pid);
		if (err < 0) {
			fprintf(stderr, "kava: cannot join the mount namespace of %d: %s\n", (int)pid,
				strerror(-err));
			_exit(100);
		}
		for (i = 0; i < NITEMS; i++) {
			if (access(items[i].target, F_OK) < 0)
				continue;	/* e.g. no /proc/pressure on this kernel */
			if (attach ? move_mount(fds[i], "", AT_FDCWD, items[i].target,
						MOVE_MOUNT_F_EMPTY_PATH) < 0
				   : umount2(items[i].target, MNT_DETACH) < 0) {
				if (!attach && (errno == EINVAL))
					continue;	/* nothing mounted there */
				fprintf(stderr, "kava: %s %s: %s\n", attach ? "mount" : "umount",
					items[i].target, strerror(errno));
				failed++;
			}
		}
		_exit(failed);
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int mount_cmd(int argc, char **argv, int attach)
{
	static const struct option opts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = attach ? "mount" : "umount", *dir = "/var/lib/kava";
	int fds[NITEMS], opt, ret = 1;
	char root[PATH_MAX], src[PATH_MAX + 64];
	size_t i;
	pid_t pid;

	for (i = 0; i < NITEMS; i++)
		fds[i] = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'm')
			dir = optarg;
		else if (opt == 'h') {
			mount_usage(cmd);
			return 0;
		} else
			return 2;
	}
	if (optind != argc - 1) {
		cmd_error(cmd, "expected one TARGET (see 'kava %s --help')", cmd);
		return 2;
	}
	if (geteuid() != 0) {
		cmd_error(cmd, "must run as root (it joins another mount namespace)");
		return 1;
	}
	pid = target_pid(cmd, argv[optind]);
	if (pid <= 0)
		return 1;
	if (attach) {
		if (view_root(cmd, dir, pid, root, sizeof(root)) < 0)
			return 1;
		for (i = 0; i < NITEMS; i++) {
			snprintf(src, sizeof(src), "%s/%s", root, items[i].view_path);
			fds[i] = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
			if (fds[i] < 0) {
				cmd_error(cmd, "cannot clone %s: %s", src, strerror(errno));
				goto out;
			}
		}
	}
	ret = in_namespace(pid, fds, attach);
	if (ret == 0)
		printf("%s %s view %s process %d's mount namespace\n", attach ? "mounted" : "unmounted",
		       attach ? root : "kava", attach ? "in" : "from", (int)pid);
	else
		cmd_error(cmd, "%d of the mounts failed", ret == 100 ? (int)NITEMS : ret);
	ret = ret ? 1 : 0;
out:
	for (i = 0; i < NITEMS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

int cmd_mount(int argc, char **argv)
{
	return mount_cmd(argc, argv, 1);
}

int cmd_umount(int argc, char **argv)
{
	return mount_cmd(argc, argv, 0);
}
