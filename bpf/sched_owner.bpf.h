/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which container a task counts for: the cgroup -> container resolution
 * behind every handler of sched.bpf.c. Included by sched.bpf.c only.
 */
#ifndef KAVA_SCHED_OWNER_BPF_H
#define KAVA_SCHED_OWNER_BPF_H

#include "sched_maps.bpf.h"

/* The config, or NULL while nothing is enabled: the first test of every handler. */
static __always_inline struct kava_config *active_config(void)
{
	__u32 zero = 0;
	struct kava_config *cfg = bpf_map_lookup_elem(&kava_config, &zero);

	return cfg && cfg->nr_enabled ? cfg : NULL;
}

/*
 * Handlers get BTF-typed task pointers (tp_btf, iter/task), so kernel
 * structures are read with plain loads the verifier guards (no probe-read
 * helper calls on the hot path); CO-RE relocates every field offset.
 */
static __always_inline __u64 cgroup_id_of(struct cgroup *cgrp)
{
	return cgrp->kn->id;
}

/*
 * The container a cgroup belongs to: its nearest enabled ancestor (itself
 * included). Cached per cgroup id and tagged with the config epoch, which
 * userspace bumps on every enable and disable: an entry written before the
 * bump, even one racing with it, is never trusted after it. A descendant
 * created after enable is resolved on first sight.
 */
static __always_inline struct kava_owner resolve_cgroup(struct cgroup *cgrp, __u32 epoch,
						       bool sched_handler)
{
	struct kava_cgcache_entry entry = { .owner.slot = KAVA_NO_SLOT, .epoch = epoch }, *cached;
	__u64 id = cgroup_id_of(cgrp), cur_id = id;
	struct cpucache_entry *front = NULL;
	struct kava_owner *hit;
	struct cpucache *cc;
	__u32 zero = 0;
	int depth;

	cc = sched_handler ? bpf_map_lookup_elem(&kava_cpucache, &zero) : NULL;
	if (cc && !cc->busy) {
		front = &cc->e[id & (CPUCACHE_WAYS - 1)];
		if (front->cgroup_id == id && front->epoch == epoch)
			return front->owner;
		cc->busy = 1;	/* until the entry is rewritten below */
		barrier();
	}
	cached = bpf_map_lookup_elem(&kava_cgcache, &id);
	if (cached && cached->epoch == epoch) {
		entry.owner = cached->owner;
		goto remember;
	}
	for (depth = 0; depth < KAVA_MAX_DEPTH && cgrp; depth++) {
		hit = bpf_map_lookup_elem(&kava_enabled, &cur_id);
		if (hit) {
			entry.owner = *hit;
			break;
		}
		if (!cgrp->self.parent)
			break;
		cgrp = cgrp->self.parent->cgroup;
		if (!cgrp)
			break;
		cur_id = cgroup_id_of(cgrp);
	}
	bpf_map_update_elem(&kava_cgcache, &id, &entry, BPF_ANY);
remember:
	if (front) {
		front->cgroup_id = id;
		front->owner = entry.owner;
		front->epoch = epoch;
		barrier();	/* a nested run sees the entry whole, or not at all */
		cc->busy = 0;
	}
	return entry.owner;
}

static __always_inline struct kava_owner resolve_task(struct task_struct *p, __u32 epoch)
{
	return resolve_cgroup(p->cgroups->dfl_cgrp, epoch, false);
}

/* resolve_task() for the sched_switch/sched_wakeup(_new) handlers only (see kava_cpucache). */
static __always_inline struct kava_owner resolve_task_sched(struct task_struct *p, __u32 epoch)
{
	return resolve_cgroup(p->cgroups->dfl_cgrp, epoch, true);
}

/* The slot's figures on this CPU, or NULL when the slot was disabled or reused. */
static __always_inline struct kava_cpustats *stats_of(__u32 slot, __u32 gen)
{
	struct kava_slot *s = bpf_map_lookup_elem(&kava_slots, &slot);

	if (!s || !kava_slot_live(s, gen))
		return NULL;
	return bpf_map_lookup_elem(&kava_cpustats, &slot);
}

#endif /* KAVA_SCHED_OWNER_BPF_H */
