/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where each enabled container's cgroup files are: its v2 directory and its
 * v1 directories at the same relative path, remembered per slot generation.
 * Resolving a cgroup id to a path (open_by_handle_at(), readlink()) and
 * probing the v1 hierarchies costs about ten system calls, and every view
 * file, sysinfo(2) answer, memstat tick and metrics scrape needs the paths.
 * One entry per slot of kava's table (KAVA_MAX_CONTAINERS), its strings on
 * the heap: a slot reused by another cgroup or generation is resolved
 * again, and view_paths_prune() frees the entries of containers gone. A
 * dropped entry's files lose their kept descriptors too (common/fdcache.h).
 */
#ifndef KAVA_VIEW_PATHS_H
#define KAVA_VIEW_PATHS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "kava.h"

struct view_source;
struct container_paths;

struct view_paths;

struct view_paths *view_paths_new(void);
void view_paths_free(struct view_paths *vp);

/*
 * The paths of the container in slot `index`, whose slot reads `slot`:
 * cached, or resolved and cached. `v1_complete`: every mounted v1
 * controller was found at the same path. -ESTALE/-ENOENT when the cgroup
 * is gone.
 */
int view_paths_get(const struct view_source *src, const struct kava_slot *slot, uint32_t index,
		   struct container_paths *out, int *v1_complete);

/*
 * The process last found to stand in for the container in slot `index`
 * (hybrid host, no reader: its v1 cgroups are the container's), 0 when
 * none is remembered for this slot generation; and remembering one.
 */
pid_t view_paths_stand_in(const struct view_source *src, const struct kava_slot *slot,
			  uint32_t index);
void view_paths_set_stand_in(const struct view_source *src, const struct kava_slot *slot,
			     uint32_t index, pid_t pid);

/* Drop slot `index`'s entry (its cgroup moved or went away). */
void view_paths_forget(const struct view_source *src, uint32_t index);

/*
 * Free the entries whose slot no longer holds the same live cgroup and
 * generation (disabled, removed, reused). Returns how many were freed.
 */
int view_paths_prune(const struct view_source *src);

/* How many entries are held, and how many resolutions were made so far. */
void view_paths_stats(const struct view_source *src, size_t *held, uint64_t *resolved);

#endif
