/* SPDX-License-Identifier: GPL-2.0 */
/* Whose view: the container of the process reading a virtual file. */
#ifndef KAVA_VIEW_READER_H
#define KAVA_VIEW_READER_H

#include <sys/types.h>
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
 * check it is live: *have_slot 1 when `slot` holds it (0: not read here).
 */
int view_reader_resolve_slot(const struct kava_state *st, const char *cgroup2_mount, pid_t pid,
			     struct kava_owner *owner, struct kava_slot *slot, int *have_slot);

/* The slow path alone: /proc/PID/cgroup, then enabled ancestors by id. */
int view_reader_resolve_by_proc(const struct kava_state *st, const char *cgroup2_mount,
				pid_t pid, struct kava_owner *owner);

#endif
