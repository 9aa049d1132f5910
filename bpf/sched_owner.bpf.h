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
 * Whether the cgroup is still live: cgroup_destroy_locked() clears
 * CSS_ONLINE in its self css (under cgroup_mutex) before cgroup_rmdir()
 * fires the rmdir tracepoint on which the agent forgets the cgroup's cache
 * entry. A task can still be seen in a removed cgroup, e.g. a thread preempted after
 * its cgroup_exit() in do_exit(), once its siblings have left too, is
 * switched in again before its final schedule, and the seed can visit it.
 * An entry made for it then would outlive the agent's forget (the 10,000
 * container soak found 126 such), so a cgroup going away is resolved but
 * not cached (init_cgroup_housekeeping() sets the flag for every cgroup,
 * the root too). The flags share a cache line with serial_nr.
 */
static __always_inline bool cgroup_online(struct cgroup *cgrp)
{
	return cgrp->self.flags & CSS_ONLINE;
}

/*
 * The container a cgroup belongs to: its nearest enabled ancestor (itself
 * included). Cached per cgroup id and tagged with the config epoch, which
 * userspace bumps on every enable and disable: an entry written before the
 * bump, even one racing with it, is never trusted after it. A descendant
 * created after enable is resolved on first sight.
 */
static __always_inline struct kava_owner resolve_cgroup_slow(struct cgroup *cgrp, __u32 epoch)
{
	struct cgroup *own = cgrp;
	struct kava_cgcache_entry entry = { .owner.slot = KAVA_NO_SLOT, .epoch = epoch }, *cached;
	__u64 id = cgroup_id_of(cgrp), cur_id = id;
	struct kava_owner *hit;
	int depth;

	cached = bpf_map_lookup_elem(&kava_cgcache, &id);
	if (cached && cached->epoch == epoch)
		return cached->owner;
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
	if (cgroup_online(own))
		bpf_map_update_elem(&kava_cgcache, &id, &entry, BPF_ANY);
	return entry.owner;
}

/* resolve_cgroup_slow() behind this CPU's front (kava_front), for the sched handlers. */
static __always_inline struct kava_owner resolve_cgroup_front(struct cgroup *cgrp, __u32 epoch)
{
	__u64 serial = cgrp->self.serial_nr;
	__u32 idx = bpf_get_smp_processor_id() * KAVA_FRONT_WAYS +
		    (__u32)((serial * 0x9E3779B97F4A7C15ull) >> 32) % KAVA_FRONT_WAYS;
	struct front_entry *e = bpf_map_lookup_elem(&kava_front, &idx);
	struct kava_owner o;
	__u32 seq;

	if (!e)
		return resolve_cgroup_slow(cgrp, epoch);
	seq = e->seq;
	barrier();
	if (!(seq & 1) && e->serial == serial && e->epoch == epoch) {
		__u64 packed = e->owner;

		barrier();
		if (e->seq == seq) {
			if (!packed) {
				o.slot = KAVA_NO_SLOT;
				o.gen = 0;
				return o;
			}
			return kava_owner_unpack(packed);
		}
	}
	o = resolve_cgroup_slow(cgrp, epoch);
	if (!cgroup_online(cgrp) || e->seq != seq || (seq & 1))
		return o;	/* a nested handler is rewriting it, or did */
	e->seq = seq + 1;
	barrier();
	e->serial = serial;
	e->owner = o.slot == KAVA_NO_SLOT ? 0 : kava_owner_pack(o);
	e->epoch = epoch;
	barrier();	/* a nested run sees the entry whole, or not at all */
	e->seq = seq + 2;
	return o;
}

static __always_inline struct kava_owner resolve_task(struct task_struct *p, __u32 epoch)
{
	return resolve_cgroup_slow(p->cgroups->dfl_cgrp, epoch);
}

/* resolve_task() for the sched_switch/sched_wakeup(_new) handlers only (see kava_front). */
static __always_inline struct kava_owner resolve_task_sched(struct task_struct *p, __u32 epoch)
{
	return resolve_cgroup_front(p->cgroups->dfl_cgrp, epoch);
}

/*
 * The figures on this CPU of a slot whose owner this event resolved itself
 * (resolve_task*() at the kava_config.epoch the event read), without the
 * liveness check of stats_of(). registry_enable() zeroes the figures and
 * writes kava_slots before it publishes the slot in kava_enabled and bumps
 * the epoch; unpublish() deletes the kava_enabled entry and retires the
 * slot's gen before it bumps the epoch again. So an owner cached or found
 * under the current epoch names a slot that was live in that epoch, and a
 * write that lands after its disable goes to figures nobody reads, zeroed
 * again before the slot is reused. That is one read of kava_slots less per
 * event: at 1,000 containers its 80-byte entries (a vmalloc'd array, 4 KiB
 * pages) are a cold line and a TLB miss on most events. What is left is
 * the race stats_of() narrows to a few instructions but does not close: an
 * event that spans a disable and the next enable of the same slot.
 */
static __always_inline struct kava_cpustats *stats_fresh(__u32 slot)
{
	return bpf_map_lookup_elem(&kava_cpustats, &slot);
}

/* The slot's figures on this CPU, or NULL when the slot was disabled or reused. */
static __always_inline struct kava_cpustats *stats_of(__u32 slot, __u32 gen)
{
	struct kava_slot *s = bpf_map_lookup_elem(&kava_slots, &slot);

	if (!s || !kava_slot_live(s, gen))
		return NULL;
	return bpf_map_lookup_elem(&kava_cpustats, &slot);
}

/* stats_fresh() for an owner resolved in this event at its epoch, else stats_of(). */
static __always_inline struct kava_cpustats *stats_for(struct kava_owner o, bool fresh)
{
	return fresh ? stats_fresh(o.slot) : stats_of(o.slot, o.gen);
}

#endif /* KAVA_SCHED_OWNER_BPF_H */
