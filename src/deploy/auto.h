/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Automatic enablement, in the agent: cgroups whose path matches a rule of
 * kava.conf or --auto are enabled when the kernel reports them created
 * (bpf/autoenable.bpf.c), and at start for those that exist (one walk of
 * the cgroup2 tree); any enabled cgroup is disabled when the kernel reports
 * it removed. A rule's policy file is applied on enable; with auto-mount,
 * the view is attached in the container when it is ready (automount.h).
 * When the 1024-entry table is full, the cgroups left out are logged once
 * and enabled, in order, as slots free up.
 */
#ifndef KAVA_DEPLOY_AUTO_H
#define KAVA_DEPLOY_AUTO_H

#include <stddef.h>

#include "deploy/conf.h"
#include "policy/parse.h"
#include "sched/state.h"
#include "view/content.h"

struct auto_engine;

struct auto_opts {
	const struct kava_conf *conf;          /* the rules (none: removal events only) */
	struct policy *const *policies;        /* per rule, parsed; NULL where none */
	int mount;                             /* auto-mount */
	const char *view_dir;                  /* the view, for auto-mount */
	const struct view_source *tmpfs_src;   /* the tmpfs view's source, or NULL (FUSE) */
};

/*
 * Attach the BPF side, then walk the tree: enable every existing match and
 * prune enabled cgroups that are gone. 0, or -errno with one line in why.
 */
int auto_start(struct auto_engine **out, struct kava_state *st, const char *cgroup2_mount,
	       const struct auto_opts *o, char *why, size_t why_size);

/* Poll this descriptor for readability, then call auto_handle(). */
int auto_fd(const struct auto_engine *e);

/* Act on every event the kernel sent (and rescan if some were lost). */
void auto_handle(struct auto_engine *e);

void auto_stop(struct auto_engine *e);

#endif
