/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched.bpf.c's maps: the pinned ABI (types in include/kava.h) and the
 * private per-CPU front cache. Included by sched.bpf.c only.
 */
#ifndef KAVA_SCHED_MAPS_BPF_H
#define KAVA_SCHED_MAPS_BPF_H

/* Set by the loader before load: possible CPUs (the per-CPU loops). */
const volatile __u32 nr_cpus = 1;
/* Set by the loader: the kernel's PAGE_SIZE (page_counter figures are pages). */
const volatile __u32 page_size = 4096;

/* Task states from include/linux/sched.h. */
#define TASK_RUNNING         0x00000000
#define TASK_UNINTERRUPTIBLE 0x00000002
#define TASK_DEAD            0x00000080
#define TASK_NOLOAD          0x00000400
#define TASK_FROZEN          0x00008000
#define TASK_ON_RQ_QUEUED    1

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kava_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KAVA_MAX_CONTAINERS);
	__type(key, __u64);                     /* enabled cgroup id */
	__type(value, struct kava_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_enabled SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KAVA_CGCACHE_SIZE);
	__type(key, __u64);                     /* any cgroup id seen */
	__type(value, struct kava_cgcache_entry); /* slot KAVA_NO_SLOT: not in a container */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_cgcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KAVA_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, struct kava_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KAVA_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, struct kava_cpustats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_cpustats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kava_cpucur);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_cpucur SEC(".maps");

/*
 * A per-CPU front for kava_cgcache: direct-mapped, same answers and the same
 * epoch rule, read with no hash walk and no helper call. Private to the
 * programs (not pinned, not ABI). One ARRAY map holds every CPU's ways
 * (KAVA_FRONT_WAYS each; the loader sizes it to the possible CPUs), so a
 * lookup is the verifier's inlined array access: one cache line of ours per
 * event, where a per-CPU array costs the map's pointer table and the value's
 * header too (measured: that and the LRU hash behind a 16-way front were
 * most of the cost of an event for a task outside every container).
 *
 * Keyed by the cgroup's css serial number (cgroup_subsys_state.serial_nr:
 * unique, never reused), which lies in the cgroup's first cache line, not
 * by its id, which is one more pointer away (cgroup->kn->id).
 *
 * Only the sched_switch and sched_wakeup(_new) handlers use it. A task
 * waking itself runs sched_wakeup with interrupts on, so another handler
 * could nest on the same CPU: each entry carries a sequence count (odd
 * while written), and a reader that sees it odd or changed takes the slow
 * path, so nobody uses an entry half-written.
 */
struct front_entry {
	__u64 serial;      /* css serial of the cgroup; 0: empty */
	__u64 owner;       /* kava_owner_pack() of its container, 0: none */
	__u32 epoch;       /* kava_config.epoch it was resolved in */
	__u32 seq;         /* odd while being written */
	__u64 pad;         /* two entries per cache line */
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KAVA_FRONT_WAYS);	/* times the CPUs, set by the loader */
	__type(key, __u32);
	__type(value, struct front_entry);
} kava_front SEC(".maps");

/*
 * kava_cpucur's owner (slot, gen) on this CPU was resolved while
 * kava_config.epoch was this value minus 1 (0: not known, e.g. written by
 * retarget_running() from another CPU). While it equals the epoch + 1 of
 * the running event, the slot is live without reading kava_slots (see
 * stats_fresh()). Private, like kava_front: a kava_cpucur field would
 * change the pinned ABI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} kava_curepoch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct kava_task);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kava_timer_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_timer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KAVA_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, struct kava_memstat);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_memstat SEC(".maps");

#endif /* KAVA_SCHED_MAPS_BPF_H */
