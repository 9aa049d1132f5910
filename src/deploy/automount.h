/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --auto-mount: containers enabled automatically wait here until their view
 * can be attached. A runtime creates the cgroup before any task joins it,
 * and the first task unshares its mount namespace and pivots into the
 * container's root before it execs the container's program. So a cgroup is
 * watched (exec events of tasks beneath it, from bpf/autoenable.bpf.c) and
 * the view is attached at the first exec whose task is ready
 * (attach_target_ready(): its own mount namespace and root, /proc mounted).
 */
#ifndef KAVA_DEPLOY_AUTOMOUNT_H
#define KAVA_DEPLOY_AUTOMOUNT_H

#include <stdint.h>
#include <sys/types.h>

#include "deploy/autobpf.h"
#include "view/content.h"

struct automount;

/*
 * view_dir: where the view lives; tmpfs_src: the view source when it is a
 * tmpfs view (refreshed before attaching, so the container's directory
 * exists), NULL for FUSE.
 */
struct automount *automount_new(struct auto_bpf *bpf, const char *view_dir,
				const struct view_source *tmpfs_src);

/* Watch a container cgroup; attaches at once when a task in it is ready. */
void automount_add(struct automount *m, uint64_t id, const char *abs_path);

/* A task beneath watched cgroup `id` called execve(). */
void automount_exec(struct automount *m, uint64_t id, pid_t pid);

/* The cgroup is gone or disabled: stop waiting. */
void automount_remove(struct automount *m, uint64_t id);

/* Containers still waiting. */
unsigned int automount_waiting(const struct automount *m);

void automount_free(struct automount *m);

#endif
