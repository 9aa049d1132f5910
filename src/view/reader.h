/* SPDX-License-Identifier: GPL-2.0 */
/* Whose view: the container of the process reading a virtual file. */
#ifndef KAVA_VIEW_READER_H
#define KAVA_VIEW_READER_H

#include <sys/types.h>
#include "cgroup/limits.h"
#include "sched/state.h"
#include "kava.h"

/*
 * Map a reader to its container: the nearest enabled ancestor of its cgroup
 * v2. Fills `owner` (slot KAVA_NO_SLOT: the reader is in no enabled cgroup
 * and sees the host's files). Returns 0, or -ESRCH when the process is gone.
 *
 * The fast path asks kava's own task storage, keyed by a pidfd: a pidfd
 * pins the process, so a recycled pid cannot be mistaken for the reader,
 * and a task that runs has been switched in, so kava has already resolved
 * its cgroup. Tasks without a record fall back to /proc/PID/cgroup.
 */
int view_reader_resolve(const struct kava_state *st, const char *cgroup2_mount, pid_t pid,
			struct kava_owner *owner);

/*
 * view_reader_resolve(), and the owner's slot as the fast path read it to
 * check it is live: *have_slot VIEW_SLOT_WHOLE when `slot` holds it read
 * now, VIEW_SLOT_IDENTITY when only its cgroup_id and gen are known (a
 * resolution kept from an earlier request: the slot is live, its figures
 * must be read), VIEW_SLOT_NONE: not read here.
 *
 * A reader's resolution is kept with its pidfd and used again, with no
 * system call, while kava_seq's counts stand (reader_memo.h).
 */
#define VIEW_SLOT_NONE     0
#define VIEW_SLOT_WHOLE    1
#define VIEW_SLOT_IDENTITY 2
int view_reader_resolve_slot(const struct kava_state *st, const char *cgroup2_mount, pid_t pid,
			     struct kava_owner *owner, struct kava_slot *slot, int *have_slot);

/*
 * The v1 cgroup directories of process `pid` into `p`, as
 * container_paths_v1() reads them from /proc/PID/cgroup: kept with its
 * pidfd (view_reader_resolve() keeps it) while kava_seq's counts stand.
 */
int view_reader_v1(const struct kava_state *st, const struct v1_mounts *m, pid_t pid,
		   struct container_paths *p);

/* The slow path alone: /proc/PID/cgroup, then enabled ancestors by id. */
int view_reader_resolve_by_proc(const struct kava_state *st, const char *cgroup2_mount,
				pid_t pid, struct kava_owner *owner);

#endif
