/* SPDX-License-Identifier: GPL-2.0 */
/* The FUSE view: /var/lib/kava/{proc,sys}/... answered per reader. */
#ifndef KAVA_VIEW_FUSE_H
#define KAVA_VIEW_FUSE_H

#include "view/budget.h"
#include "view/content.h"

struct view_fuse;

/*
 * Mount the view at `mountpoint` (created if missing; a dead mount left by
 * a crashed agent is detached first) and serve it from a thread, within
 * the per-container budgets of `budget` (NULL: the defaults; its describe
 * hook is the view's own).
 */
int view_fuse_start(struct view_source *src, const char *mountpoint,
		    const struct budget_conf *budget, struct view_fuse **out, char *why,
		    size_t why_size);

/* A container's budget figures (budget_index() of its owner); -ENOENT if it made no request. */
int view_fuse_budget_stats(struct view_fuse *vf, uint32_t idx, struct budget_stats *out);

/*
 * Stop serving (and unmount, unless systemd keeps the connection for the
 * next agent). Returns 1 when serving threads may still be answering a
 * request: the caller must then leave what they read (the view source,
 * kava's state) alone and just exit.
 */
int view_fuse_stop(struct view_fuse *vf);

#endif
