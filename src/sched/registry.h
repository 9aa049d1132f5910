/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table of enabled containers: kava_enabled (cgroup id -> slot) and
 * kava_slots (slot -> state). Serialized between kava processes by a lock
 * file; the BPF side only reads the table.
 */
#ifndef KAVA_REGISTRY_H
#define KAVA_REGISTRY_H

#include <stdint.h>
#include "sched/state.h"
#include "kava.h"

/* Enable a cgroup: -EEXIST if it already is, -ENOSPC when the table is full. */
int registry_enable(struct kava_state *st, uint64_t cgroup_id, uint32_t *slot);

/* Disable a cgroup: -ENOENT if it is not enabled. */
int registry_disable(struct kava_state *st, uint64_t cgroup_id);

/*
 * A cgroup was removed: drop its cgroup -> container cache entry (the
 * cgroup_rmdir event; entries of disabled containers go at disable).
 */
void registry_forget_cgroup(struct kava_state *st, uint64_t cgroup_id);

/*
 * kava_config.epoch: it moves on after every enable and disable, once the
 * table holds the change (update_config()), so a reader that read the epoch
 * and then the whole table need not read the table again while the epoch
 * stands. 0 or a negative errno.
 */
int registry_epoch(const struct kava_state *st, uint32_t *epoch);

/* kava_config.nr_enabled: how many cgroups are enabled. 0 or a negative errno. */
int registry_count(const struct kava_state *st, uint32_t *count);

/* The slot of an enabled cgroup, or -ENOENT. */
int registry_lookup(struct kava_state *st, uint64_t cgroup_id, uint32_t *slot,
		    struct kava_slot *out);

/* Call fn for each enabled slot (table order); stops at a non-zero return. */
int registry_foreach(const struct kava_state *st,
		     int (*fn)(uint32_t slot, const struct kava_slot *s, void *arg), void *arg);

/* Count tasks that existed before enable (runs the kava_seed iterator). */
int registry_seed(struct kava_state *st);



/*
 * Disable enabled cgroups that no longer exist (removed with rmdir while
 * enabled). Returns how many were pruned, or a negative errno.
 */
int registry_prune(struct kava_state *st, const char *cgroup2_mount);
#endif
