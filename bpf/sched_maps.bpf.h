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
 * A small per-CPU front for kava_cgcache: direct-mapped by cgroup id, same
 * entries and the same epoch rule, but no hash walk on the hot path. Private
 * to the programs (not pinned, not ABI). Only the sched_switch and
 * sched_wakeup(_new) handlers use it; the process-context ones (cgroup
 * attach, the seeding iterator, sysinfo) go straight to kava_cgcache. The
 * sched handlers run with preemption off, but a task waking itself
 * (try_to_wake_up() with p == current) runs sched_wakeup with interrupts
 * on, so an interrupt's wakeup could nest: `busy` makes a nested run skip
 * the front, and nobody ever sees an entry half-written.
 */
#define CPUCACHE_WAYS 16
struct cpucache_entry {
	__u64 cgroup_id;
	struct kava_owner owner;
	__u32 epoch;
	__u32 pad;
};
struct cpucache {
	__u32 busy;        /* a handler on this CPU is rewriting an entry */
	__u32 pad;
	struct cpucache_entry e[CPUCACHE_WAYS];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpucache);
} kava_cpucache SEC(".maps");

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
