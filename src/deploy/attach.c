// SPDX-License-Identifier: GPL-2.0
/*
 * Attach kava's view in a container's mount namespace (see attach.h).
 *
 * Everything that allocates or reads files is done in the calling process:
 * the view's files cloned with open_tree(), their device and inode, the
 * container's mountinfo (how many view mounts are stacked on each target).
 * A forked child then joins the container's mount namespace and root and
 * only makes system calls (stat, umount2, move_mount): the agent forks from
 * a multi-threaded process, where the child must not take malloc's or
 * stdio's locks. Results come back through a shared anonymous mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup/path.h"
#include "common/util.h"
#include "deploy/attach.h"
#include "deploy/mountinfo.h"
#include "view/files.h"
#include "view/tmpfs.h"

#define FUSE_SUPER_MAGIC 0x65735546
#define MAX_DETACH 64            /* dead layers detached from one target, at most */

const struct attach_target attach_targets[ATTACH_NTARGETS] = {
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

const char *attach_result_name(enum attach_result r)
{
	switch (r) {
	case ATTACH_MOUNTED: return "mounted";
	case ATTACH_REPLACED: return "replaced";
	case ATTACH_CURRENT: return "current";
	case ATTACH_MISSING: return "missing";
	case ATTACH_FAILED: return "failed";
	case ATTACH_UNMOUNTED: return "unmounted";
	case ATTACH_NOT_MOUNTED: return "not-mounted";
	}
	return "?";
}

/* The nearest ancestor of pid's cgroup with a directory in the tmpfs view. */
static int tmpfs_container_root(const char *dir, pid_t pid, char *out, size_t size, char *why,
				size_t why_size)
{
	char mount[PATH_MAX], path[64], rel[PATH_MAX], abs[PATH_MAX], *text = NULL;
	uint64_t id;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_file(path, &text, NULL) < 0 || cgroup2_mount(mount, sizeof(mount)) < 0 ||
	    cgroup_v2_path_from_proc(text, rel, sizeof(rel)) < 0) {
		free(text);
		snprintf(why, why_size, "cannot find the cgroup v2 of process %d", (int)pid);
		return -ENOENT;
	}
	free(text);
	if (snprintf(abs, sizeof(abs), "%s%s", mount, rel) >= (int)sizeof(abs)) {
		snprintf(why, why_size, "cgroup path of process %d is too long", (int)pid);
		return -ENAMETOOLONG;
	}
	do {
		if (cgroup_id_of_path(abs, &id) == 0) {
			view_tmpfs_container_dir(dir, id, out, size);
			if (access(out, F_OK) == 0)
				return 0;
		}
	} while (cgroup_path_up(abs, mount));
	snprintf(why, why_size, "process %d is in no enabled container with files in %s", (int)pid,
		 dir);
	return -ENOENT;
}

int attach_view_root(const char *dir, pid_t pid, char *out, size_t size, char *why,
		     size_t why_size)
{
	struct statfs sfs;

	if (statfs(dir, &sfs) < 0) {
		int err = -errno;

		snprintf(why, why_size, "%s: %s (is 'kava run' serving a view there?)", dir,
			 strerror(errno));
		return err;
	}
	if ((unsigned long)sfs.f_type == FUSE_SUPER_MAGIC) {
		snprintf(out, size, "%s", dir);
		return 0;
	}
	if (sfs.f_type != TMPFS_MAGIC) {
		snprintf(why, why_size, "%s holds no kava view (start 'kava run --view fuse|tmpfs')",
			 dir);
		return -ENOENT;
	}
	return tmpfs_container_root(dir, pid, out, size, why, why_size);
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return -errno;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int attach_target_ready(pid_t pid)
{
	char path[64];
	struct statfs sfs;
	int r;

	/* a mount namespace of its own: not kava's, nor the host's (kava may run in a pod) */
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	r = same_file(path, "/proc/self/ns/mnt");
	if (r != 0)
		return r < 0 ? r : 0;
	if (same_file(path, "/proc/1/ns/mnt") == 1)
		return 0;
	/* pivoted into its own root (before pivot_root it is still kava's or the host's) */
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	r = same_file(path, "/");
	if (r != 0)
		return r < 0 ? r : 0;
	if (same_file(path, "/proc/1/root") == 1)
		return 0;
	/* and its /proc mounted */
	snprintf(path, sizeof(path), "/proc/%d/root/proc", (int)pid);
	return statfs(path, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* What the child needs, prepared by the parent; the report is shared with it. */
struct job {
	pid_t pid;
	int attach;
	const char *rootfs;                /* root in the namespace, or NULL: the task's */
	int ns_fd, root_fd;
	int fds[ATTACH_NTARGETS];          /* open_tree clones (attach) */
	dev_t dev[ATTACH_NTARGETS];        /* and what they are */
	ino_t ino[ATTACH_NTARGETS];
	int layers[ATTACH_NTARGETS];       /* view mounts stacked on each target now */
	struct attach_report *rep;         /* MAP_SHARED */
};

/* In the child: one target. System calls only. */
static void child_attach_one(const struct job *j, size_t i)
{
	const char *t = attach_targets[i].target;
	struct stat st;
	int detached = 0, k, r = stat(t, &st), e = r < 0 ? errno : 0;

	if (r < 0 && (e == ENOENT || e == ENOTDIR)) {
		j->rep->result[i] = ATTACH_MISSING;
		return;
	}
	if (r == 0 && st.st_dev == j->dev[i] && st.st_ino == j->ino[i]) {
		j->rep->result[i] = ATTACH_CURRENT;
		return;
	}
	/* stale views (another agent's connection, a tmpfs view) ... */
	for (k = 0; k < j->layers[i]; k++)
		if (umount2(t, MNT_DETACH) == 0)
			detached++;
	/* ... and whatever mount is dead there (a dead view, a dead LXCFS) */
	while (detached < MAX_DETACH && stat(t, &st) < 0 && errno == ENOTCONN &&
	       umount2(t, MNT_DETACH) == 0)
		detached++;
	if (move_mount(j->fds[i], "", AT_FDCWD, t, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		j->rep->result[i] = ATTACH_FAILED;
		j->rep->err[i] = errno;
		return;
	}
	j->rep->result[i] = detached ? ATTACH_REPLACED : ATTACH_MOUNTED;
}

static void child_detach_one(const struct job *j, size_t i)
{
	const char *t = attach_targets[i].target;
	int k, detached = 0;

	for (k = 0; k < j->layers[i]; k++) {
		if (umount2(t, MNT_DETACH) < 0) {
			j->rep->result[i] = ATTACH_FAILED;
			j->rep->err[i] = errno;
			return;
		}
		detached++;
	}
	j->rep->result[i] = detached ? ATTACH_UNMOUNTED : ATTACH_NOT_MOUNTED;
}

static void child(const struct job *j)
{
	size_t i;

	if (setns(j->ns_fd, CLONE_NEWNS) < 0 ||
	    (j->rootfs ? chdir(j->rootfs) : fchdir(j->root_fd)) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		_exit(100 + (errno & 0x7f));
	for (i = 0; i < ATTACH_NTARGETS; i++) {
		if (j->attach)
			child_attach_one(j, i);
		else
			child_detach_one(j, i);
		if (j->rep->result[i] == ATTACH_FAILED)
			j->rep->failed++;
	}
	_exit(0);
}

/* Open the namespace and root of pid, and count the view layers on each target. */
static int prepare(struct job *j, char *why, size_t why_size)
{
	char path[64], *mountinfo = NULL;
	size_t i;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)j->pid);
	j->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)j->pid);
	j->root_fd = j->ns_fd < 0 ? -1 : open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->root_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "cannot open the mount namespace of process %d: %s",
			 (int)j->pid, strerror(errno));
		return err;
	}
	if (!j->rootfs && same_file(path, "/") == 1) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)j->pid);
		if (same_file(path, "/proc/self/ns/mnt") == 1) {
			snprintf(why, why_size, "process %d shares kava's mount namespace and root: "
				 "refusing to cover this system's own /proc", (int)j->pid);
			return -EINVAL;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)j->pid);
	err = read_file(path, &mountinfo, NULL);
	if (err < 0) {
		snprintf(why, why_size, "cannot read %s: %s", path, strerror(-err));
		return err;
	}
	for (i = 0; i < ATTACH_NTARGETS; i++) {
		char at[PATH_MAX];

		/* mountinfo names mount points as seen from the task's root */
		snprintf(at, sizeof(at), "%s%s", j->rootfs ? j->rootfs : "", attach_targets[i].target);
		j->layers[i] = mountinfo_view_layers(mountinfo, at);
	}
	free(mountinfo);
	return 0;
}

/* Clone each of the view's files as a detached mount, and note what it is. */
static int clone_sources(struct job *j, const char *view_root, char *why, size_t why_size)
{
	char src[PATH_MAX + 64];
	struct stat st;
	size_t i;

	for (i = 0; i < ATTACH_NTARGETS; i++) {
		snprintf(src, sizeof(src), "%s/%s", view_root, attach_targets[i].view_path);
		j->fds[i] = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (j->fds[i] < 0 || fstat(j->fds[i], &st) < 0) {
			int err = -errno;

			snprintf(why, why_size, "cannot clone %s: %s", src, strerror(errno));
			return err;
		}
		j->dev[i] = st.st_dev;
		j->ino[i] = st.st_ino;
	}
	return 0;
}

static int run(struct job *j, const char *view_root, struct attach_report *rep, char *why,
	       size_t why_size)
{
	pid_t c;
	int status, err;
	size_t i;

	memset(rep, 0, sizeof(*rep));
	j->ns_fd = j->root_fd = -1;
	for (i = 0; i < ATTACH_NTARGETS; i++)
		j->fds[i] = -1;
	j->rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j->rep == MAP_FAILED) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	memset(j->rep, 0, sizeof(*j->rep));
	err = prepare(j, why, why_size);
	if (!err && j->attach)
		err = clone_sources(j, view_root, why, why_size);
	if (err)
		goto out;
	c = fork();
	if (c < 0) {
		err = -errno;
		snprintf(why, why_size, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (c == 0)
		child(j);
	while (waitpid(c, &status, 0) < 0)
		if (errno != EINTR) {
			err = -errno;
			snprintf(why, why_size, "waitpid: %s", strerror(errno));
			goto out;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) >= 100) {
		err = WIFEXITED(status) ? -(WEXITSTATUS(status) - 100) : -EINTR;
		snprintf(why, why_size, "cannot enter the mount namespace and root of process %d: %s",
			 (int)j->pid, strerror(-err));
		goto out;
	}
	*rep = *j->rep;
out:
	for (i = 0; i < ATTACH_NTARGETS; i++)
		if (j->fds[i] >= 0)
			close(j->fds[i]);
	if (j->ns_fd >= 0)
		close(j->ns_fd);
	if (j->root_fd >= 0)
		close(j->root_fd);
	munmap(j->rep, sizeof(*j->rep));
	return err;
}

int attach_view(const char *view_root, pid_t pid, struct attach_report *rep, char *why,
		size_t why_size)
{
	struct job j = { .pid = pid, .attach = 1 };

	return run(&j, view_root, rep, why, why_size);
}

int attach_view_rootfs(const char *view_root, pid_t pid, const char *rootfs,
		       struct attach_report *rep, char *why, size_t why_size)
{
	struct job j = { .pid = pid, .attach = 1, .rootfs = rootfs };

	return run(&j, view_root, rep, why, why_size);
}

int detach_view(pid_t pid, struct attach_report *rep, char *why, size_t why_size)
{
	struct job j = { .pid = pid, .attach = 0 };

	return run(&j, NULL, rep, why, why_size);
}
