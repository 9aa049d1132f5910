// SPDX-License-Identifier: GPL-2.0
/* Whose view: the container of the process reading a virtual file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cgroup/path.h"
#include "common/fdcache.h"
#include "common/util.h"
#include "view/reader.h"
#include "view/reader_memo.h"

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

/*
 * With each kept pidfd, what was resolved for its reader: its container
 * (and the slot's identity) and its v1 directories, used again without a
 * system call while kava_seq's counts stand (reader_memo.h; the events they
 * count: bpf/sched_seq.bpf.h). A repeat reader's open then makes neither
 * the two bpf(2) lookups nor the read of /proc/PID/cgroup.
 */
static struct kept_pidfd {
	pthread_mutex_t lock;   /* held across the lookup: the fd is not closed under it */
	pid_t pid;
	int fd;                 /* -1: none */
	struct reader_memo memo;
	struct reader_v1_memo v1;
} kept[PIDFD_KEPT] = { [0 ... PIDFD_KEPT - 1] = { PTHREAD_MUTEX_INITIALIZER, 0, -1, { 0 }, { 0 } } };

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
	if (k->pid != pid) {	/* another reader's resolutions go with its pidfd */
		k->memo.pid = 0;
		reader_v1_memo_clear(&k->v1);
	}
	k->pid = pid;
	k->fd = fd;
	pthread_mutex_unlock(&k->lock);
	return err;
}

/* `pid`'s kept resolution at counts `now`: 1 with *owner (and slot, *have_slot), 0: none. */
static int memo_get(pid_t pid, const struct reader_seq *now, struct kava_owner *owner,
		    struct kava_slot *slot, int *have_slot)
{
	struct kept_pidfd *k = &kept[(unsigned int)pid % PIDFD_KEPT];
	int hit, identity;

	pthread_mutex_lock(&k->lock);
	hit = k->pid == pid && reader_memo_get(&k->memo, pid, now, owner, slot, &identity);
	pthread_mutex_unlock(&k->lock);
	if (hit)
		*have_slot = identity ? VIEW_SLOT_IDENTITY : VIEW_SLOT_NONE;
	return hit;
}

/* Keep `owner` for `pid`, resolved after the counts `before` (its kept pidfd's entry only). */
static void memo_put(pid_t pid, const struct reader_seq *before, const struct kava_owner *owner,
		     const struct kava_slot *slot)
{
	struct kept_pidfd *k = &kept[(unsigned int)pid % PIDFD_KEPT];

	pthread_mutex_lock(&k->lock);
	if (k->pid == pid)
		reader_memo_put(&k->memo, pid, before, owner, slot);
	pthread_mutex_unlock(&k->lock);
}

/*
 * kava_pidseq is indexed by the kernel's own pids (task_struct.pid, the
 * initial pid namespace's), FUSE gives a reader's pid in this process's
 * namespace (fuse_req_ctx(), pid_nr_ns()): the same numbers only in the
 * initial namespace, whose /proc/self/ns/pid inode is the fixed
 * PROC_PID_INIT_INO (include/linux/proc_ns.h). Elsewhere (an agent run in
 * a container) nothing is kept: every open resolves anew.
 */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

static pthread_once_t pidns_once = PTHREAD_ONCE_INIT;
static int pidns_is_init;

static void check_pidns(void)
{
	struct stat sb;

	pidns_is_init = stat("/proc/self/ns/pid", &sb) == 0 && sb.st_ino == PROC_PID_INIT_INO;
}

/* The counts for `pid` (reader_memo.h); none (never the same) outside the initial pid namespace. */
static void seq_read(const struct kava_state *st, pid_t pid, struct reader_seq *out)
{
	(void)pthread_once(&pidns_once, check_pidns);
	reader_seq_read(st->seq, pidns_is_init ? st->pidseq : NULL, pid, out);
}

int view_reader_resolve_slot(const struct kava_state *st, const char *cgroup2_mount, pid_t pid,
			     struct kava_owner *owner, struct kava_slot *slot, int *have_slot)
{
	struct kava_task ts = { 0 };
	struct reader_seq before;
	int err;

	*have_slot = VIEW_SLOT_NONE;
	/* the counts first: an event after this read makes what follows stale, and it is seen */
	seq_read(st, pid, &before);
	if (memo_get(pid, &before, owner, slot, have_slot))
		return 0;
	err = task_of(st, pid, &ts);
	if (err == -ESRCH)
		return -ESRCH;
	if (err == 0 && ts.owner) {
		*owner = kava_owner_unpack(ts.owner);
		if (owner_is_live(st, *owner, slot)) {
			*have_slot = VIEW_SLOT_WHOLE;
			memo_put(pid, &before, owner, slot);
			return 0;
		}
	}
	err = view_reader_resolve_by_proc(st, cgroup2_mount, pid, owner);
	if (err == 0)
		memo_put(pid, &before, owner, NULL);	/* its slot is read by the render */
	return err;
}

int view_reader_v1(const struct kava_state *st, const struct v1_mounts *m, pid_t pid,
		   struct container_paths *p)
{
	struct kept_pidfd *k = &kept[(unsigned int)pid % PIDFD_KEPT];
	struct reader_seq before;
	int hit, err;

	if (pid <= 0)
		return container_paths_v1(m, pid, p);
	seq_read(st, pid, &before);
	pthread_mutex_lock(&k->lock);
	hit = k->pid == pid && reader_v1_memo_get(&k->v1, pid, &before, p);
	pthread_mutex_unlock(&k->lock);
	if (hit)
		return 0;
	err = container_paths_v1(m, pid, p);
	if (err < 0)
		return err;
	pthread_mutex_lock(&k->lock);
	if (k->pid == pid)	/* a failed copy only means reading again next time */
		(void)reader_v1_memo_put(&k->v1, pid, &before, p);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

int view_reader_resolve(const struct kava_state *st, const char *cgroup2_mount, pid_t pid,
			struct kava_owner *owner)
{
	struct kava_slot slot;
	int have_slot;

	return view_reader_resolve_slot(st, cgroup2_mount, pid, owner, &slot, &have_slot);
}
