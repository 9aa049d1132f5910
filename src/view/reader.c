// SPDX-License-Identifier: GPL-2.0
/* Whose view: the container of the process reading a virtual file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cgroup/path.h"
#include "common/fdcache.h"
#include "common/util.h"
#include "view/reader.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL	/* Linux 6.9: a pidfd for a thread, not only a leader */
#endif

static int open_pidfd(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0 && errno == EINVAL)	/* not a thread-group leader */
		fd = (int)syscall(SYS_pidfd_open, pid, PIDFD_THREAD);
	return fd;
}

/* Is this owner a slot that is enabled now, in this generation? `s`: the slot read. */
static int owner_is_live(const struct kava_state *st, struct kava_owner o, struct kava_slot *s)
{
	return o.slot < KAVA_MAX_CONTAINERS &&
	       bpf_map_lookup_elem(st->slots_fd, &o.slot, s) == 0 && kava_slot_live(s, o.gen);
}

int view_reader_resolve_by_proc(const struct kava_state *st, const char *cgroup2_mount,
				pid_t pid, struct kava_owner *owner)
{
	char procpath[64], rel[PATH_MAX], path[PATH_MAX], *text = NULL;
	int err;

	owner->slot = KAVA_NO_SLOT;
	owner->gen = 0;
	snprintf(procpath, sizeof(procpath), "/proc/%d/cgroup", (int)pid);
	err = fdcache_read(procpath, FDCACHE_ONE_RECORD, &text, NULL);
	if (err < 0)
		return err == -ENOENT ? -ESRCH : err;
	err = cgroup_v2_path_from_proc(text, rel, sizeof(rel));
	free(text);
	if (err < 0)
		return 0;	/* no v2 membership: the host's view */
	if (snprintf(path, sizeof(path), "%s%s", cgroup2_mount, strcmp(rel, "/") ? rel : "") >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	/* walk up: the nearest enabled ancestor wins */
	do {
		uint64_t id;

		if (cgroup_id_of_path(path, &id) == 0 &&
		    bpf_map_lookup_elem(st->enabled_fd, &id, owner) == 0)
			return 0;
	} while (cgroup_path_up(path, cgroup2_mount));
	owner->slot = KAVA_NO_SLOT;
	return 0;
}

/*
 * The pidfds of recent readers, kept: a reader that reads again (top, a
 * monitoring agent) costs one task-storage lookup instead of pidfd_open,
 * lookup and close. A pidfd names one task for good: once that task is
 * gone its lookup fails (bpf_pid_task_storage_lookup_elem(): no task), and
 * the pid, perhaps another task's now, gets a new pidfd. A lookup through a
 * kept pidfd that succeeds is therefore the live task with that pid.
 */
#define PIDFD_KEPT 64

static struct kept_pidfd {
	pthread_mutex_t lock;   /* held across the lookup: the fd is not closed under it */
	pid_t pid;
	int fd;                 /* -1: none */
} kept[PIDFD_KEPT] = { [0 ... PIDFD_KEPT - 1] = { PTHREAD_MUTEX_INITIALIZER, 0, -1 } };

/* kava's task storage of `pid`: 0, -ESRCH (no such task), or another -errno. */
static int task_of(const struct kava_state *st, pid_t pid, struct kava_task *ts)
{
	struct kept_pidfd *k = &kept[(unsigned int)pid % PIDFD_KEPT];
	int fd, err;

	pthread_mutex_lock(&k->lock);
	if (k->pid == pid && k->fd >= 0 && bpf_map_lookup_elem(st->tasks_fd, &k->fd, ts) == 0) {
		pthread_mutex_unlock(&k->lock);
		return 0;
	}
	fd = open_pidfd(pid);
	if (fd < 0) {
		err = errno == ESRCH ? -ESRCH : neg_errno_or(-EINVAL);
		pthread_mutex_unlock(&k->lock);
		return err;
	}
	err = bpf_map_lookup_elem(st->tasks_fd, &fd, ts) == 0 ? 0 : neg_errno_or(-ENOENT);
	if (k->fd >= 0)
		close(k->fd);
	k->pid = pid;
	k->fd = fd;
	pthread_mutex_unlock(&k->lock);
	return err;
}

int view_reader_resolve_slot(const struct kava_state *st, const char *cgroup2_mount, pid_t pid,
			     struct kava_owner *owner, struct kava_slot *slot, int *have_slot)
{
	struct kava_task ts = { 0 };
	int err = task_of(st, pid, &ts);

	*have_slot = 0;
	if (err == -ESRCH)
		return -ESRCH;
	if (err == 0 && ts.owner) {
		*owner = kava_owner_unpack(ts.owner);
		if (owner_is_live(st, *owner, slot)) {
			*have_slot = 1;
			return 0;
		}
	}
	return view_reader_resolve_by_proc(st, cgroup2_mount, pid, owner);
}

int view_reader_resolve(const struct kava_state *st, const char *cgroup2_mount, pid_t pid,
			struct kava_owner *owner)
{
	struct kava_slot slot;
	int have_slot;

	return view_reader_resolve_slot(st, cgroup2_mount, pid, owner, &slot, &have_slot);
}
