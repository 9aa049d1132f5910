/* SPDX-License-Identifier: GPL-2.0 */
/* The FUSE view: /var/lib/kava/{proc,sys}/... answered per reader. */
#ifndef KAVA_VIEW_FUSE_H
#define KAVA_VIEW_FUSE_H

#include "view.h"

struct view_fuse;

/*
 * Mount the view at `mountpoint` (created if missing; a dead mount left by
 * a crashed agent is detached first) and serve it from a thread.
 */
int view_fuse_start(struct view_source *src, const char *mountpoint, struct view_fuse **out,
		    char *why, size_t why_size);

/* Unmount and stop serving. */
void view_fuse_stop(struct view_fuse *vf);

#endif
