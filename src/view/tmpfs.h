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

/* The directory of one container inside the tmpfs view. */
void view_tmpfs_container_dir(const char *dir, uint64_t cgroup_id, char *out, size_t size);

#endif
