/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tmpfs view: each enabled container's files rendered into
 * DIR/<cgroup id>/{proc,sys/devices/system/cpu}/..., refreshed on a period
 * and rewritten in place so bind mounts keep their inodes. The files stay
 * readable when kava stops (frozen at their last content).
 */
#ifndef KAVA_VIEW_TMPFS_H
#define KAVA_VIEW_TMPFS_H

#include <stddef.h>
#include "view/content.h"

/* Mount a tmpfs on `dir` unless one is already there. */
int view_tmpfs_prepare(const char *dir, char *why, size_t why_size);

/* Render every enabled container once; remove directories of disabled ones. */
int view_tmpfs_refresh(const struct view_source *src, const char *dir);

/*
 * Refresh on open (tmpfs_notify.h): from now on view_tmpfs_refresh()
 * renders only containers someone reads, and an open of a file older than
 * `period_ms` waits (at most TMPFS_HOLD_NS) for view_tmpfs_serve() to render
 * its container. -errno with the reason (fanotify unavailable): every
 * container stays refreshed every period.
 */
int view_tmpfs_on_open(const char *dir, unsigned int period_ms, char *why, size_t why_size);

/* Readable when opens wait for view_tmpfs_serve(); -1 without refresh on open. */
int view_tmpfs_notify_fd(void);

/* Render the containers whose opens wait; how many were rendered. */
int view_tmpfs_serve(const struct view_source *src, const char *dir);

/* Stop refreshing on open (waiting opens are allowed). */
void view_tmpfs_stop(void);

struct tmpfs_notify_stats;
/* Counts of the refresh on open; -ENOENT when it is off. */
int view_tmpfs_notify_stats(struct tmpfs_notify_stats *out);

/* The directory of one container inside the tmpfs view. */
void view_tmpfs_container_dir(const char *dir, uint64_t cgroup_id, char *out, size_t size);

#endif
