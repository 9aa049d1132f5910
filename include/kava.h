/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI between kava's BPF programs and its userspace: map keys and values.
 * Every map is pinned under KAVA_PIN_DIR with BTF, so `bpftool map dump
 * pinned /sys/fs/bpf/kava/<map>` prints these structs with named fields.
 * Changing a layout here changes the pinned ABI: bump KAVA_ABI_VERSION.
 */
#ifndef KAVA_H
#define KAVA_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KAVA_ABI_VERSION     7
#define KAVA_PIN_DIR         "/sys/fs/bpf/kava"
#define KAVA_MAX_CONTAINERS  1024     /* enabled-cgroup table size */
#define KAVA_MAX_DEPTH       32       /* ancestors walked to find an enabled cgroup */
#define KAVA_CGCACHE_SIZE    65536    /* cgroup id -> container cache (LRU) */
#define KAVA_FRONT_WAYS      4096     /* per-CPU front of that cache (private, not ABI) */
#define KAVA_HIST_BUCKETS    32       /* log2(ns) run-queue wait buckets */
#define KAVA_NO_SLOT         0xffffffffu

/*
 * Where a cgroup belongs: the slot of its nearest enabled ancestor (or
 * KAVA_NO_SLOT) and that slot's generation. Value of kava_enabled (key: the
 * enabled cgroup's id).
 */
struct kava_owner {
	__u32 slot;
	__u32 gen;
};

/* kava_cgcache value: an owner resolved while kava_config.epoch was `epoch`. */
struct kava_cgcache_entry {
	struct kava_owner owner;
	__u32 epoch;
	__u32 pad;
};

/* One enabled container: kava_slots[slot]. Written by userspace on
 * enable/disable, load averages by the BPF timer. */
struct kava_slot {
	__u64 cgroup_id;        /* 0: slot free */
	__u32 gen;              /* bumped on every enable/disable of the slot */
	__u32 last_pid;         /* last pid allocated, in the task's own pid namespace */
	__u64 enabled_ns;       /* CLOCK_MONOTONIC at enable */
	__u64 avenrun[3];       /* 1/5/15 min load, fixed point (FSHIFT 11) */
	__u64 samples;          /* load samples taken */
	__s64 last_active;      /* tasks counted at the last sample */
	__u64 start_boot_ns;    /* CLOCK_BOOTTIME origin of the container's uptime: enable,
				 * or the start of its oldest task then (set by the seed) */
};

/*
 * Per-CPU figures of one container: kava_cpustats[slot] on each CPU. Counts
 * of tasks are deltas applied on whichever CPU saw the event, so a single
 * CPU's value can be negative; only the sum over CPUs (as s64) is meaningful.
 * CPU time is charged to the CPU the task ran on.
 */
struct kava_cpustats {
	__s64 nr_running;          /* runnable, including the one on CPU */
	__s64 nr_uninterruptible;  /* blocked and counting for load */
	__s64 nr_iowait;           /* blocked in I/O wait (procs_blocked) */
	__s64 nr_threads;          /* live tasks */
	__u64 exec_ns;             /* sum_exec_runtime charged (matches cpu.stat usage) */
	__u64 user_tick_ns;        /* task utime growth: splits exec_ns into user ... */
	__u64 system_tick_ns;      /* ... and system, as the kernel's cputime_adjust() */
	__u64 switches;            /* context switches away from container tasks */
	__u64 forks;               /* tasks created (processes and threads) */
	__u64 wait_hist[KAVA_HIST_BUCKETS]; /* run-queue wait before each run, bucket = log2(ns) */
	__u64 wait_sum_ns;         /* those waits added up (a histogram's _sum) */
};

/* kava_cpucur[0] on each CPU: the task currently on that CPU, as of its switch-in. */
struct kava_cpucur {
	__u64 exec_at_in;          /* se.sum_exec_runtime then (the slice so far: /proc/PID/schedstat) */
	__u64 utime_at_in;
	__u64 stime_at_in;
	__s32 pid;                 /* -1 before the first switch seen */
	__u32 slot;                /* container of that task, or KAVA_NO_SLOT */
	__u32 gen;
	__u32 valid;
};

/* Per-task record (task storage): which container counts the task, and how. */
enum kava_task_state {
	KAVA_TS_UNTRACKED = 0,
	KAVA_TS_RUNNABLE,          /* TASK_RUNNING: on a run queue or on CPU */
	KAVA_TS_BLOCKED_LOAD,      /* sleeping and counts for load (D, not NOLOAD/frozen) */
	KAVA_TS_SLEEPING,          /* any other sleep */
};

struct kava_task {
	__u64 owner;               /* kava_owner_pack(): (gen << 32 | slot) + 1; 0 = untracked */
	__u64 run_delay_seen;      /* sched_info.run_delay / pcount at the task's last */
	__u64 pcount_seen;         /* switch-out: the next wait is the growth */
	__u32 state;               /* enum kava_task_state */
	__u32 iowait;              /* blocked with in_iowait set */
};

/*
 * kava_memstat[slot]: memory.stat figures sysinfo(2) reports but no BPF
 * program can read (rstat), published by the agent every tick. Written by
 * userspace only; `gen` ties it to one enable of the slot.
 */
struct kava_memstat {
	__u32 gen;
	__u32 pad;
	__u64 shmem_bytes;         /* memory.stat shmem (v1: total_shmem) */
	__u64 published_ns;        /* CLOCK_MONOTONIC of the last update */
};

/* kava_config[0]: global switches read on the hot path. */
struct kava_config {
	__u32 abi_version;
	__u32 nr_enabled;          /* 0: every program returns at once */
	__u64 load_freq_ns;        /* LOAD_FREQ: 5 s + 1 tick */
	__u32 epoch;               /* bumped on enable/disable: older cache entries are stale */
	__u32 seeding;             /* slot + 1 while the seed that follows its enable runs, else 0 */
};

/*
 * kava_seq[0]: counts of the events after which any process's container or
 * cgroup directories may differ from what was last resolved for its pid,
 * so the view may keep a reader's resolution while none happened
 * (src/view/reader.c). An ARRAY with BPF_F_MMAPABLE: the agent reads it
 * from a shared page, no system call. Each field only grows and has one
 * writer side: the BPF programs add to moves atomically, userspace to
 * registry (never a whole-value update, which would lose a concurrent add).
 */
struct kava_seq {
	__u64 moves;               /* tasks moved between cgroups in any hierarchy, v1 renames */
	__u64 registry;            /* enables and disables, counted after kava_slots and kava_enabled changed */
};

/*
 * kava_pidseq[pid % KAVA_PIDSEQ_SLOTS]: tasks made with that pid, and execs
 * that gave a thread its leader's pid (a __u64 each, only growing, BPF's
 * atomic adds; 8 bytes, the array's own element stride: array_map_alloc()
 * rounds every value up to 8, and the mapped page shows that layout): after one, the pid may name another task than the reader
 * resolved. Kept per pid, not as one count, so a process made elsewhere
 * (on a busy host, many a second) leaves other readers' resolutions alone.
 * Also BPF_F_MMAPABLE, read by the agent.
 */
#define KAVA_PIDSEQ_SLOTS    16384    /* a power of two */

/* kava_timer[0]: the load-average clock. */
struct kava_timer_state {
	__u64 next_sample_ns;      /* CLOCK_MONOTONIC of the next LOAD_FREQ boundary */
	__u64 fired;               /* timer callbacks run */
	__u64 missed;              /* periods caught up with calc_load_n() */
#ifdef __VMLINUX_H__
	struct bpf_timer timer;
#else
	__u64 timer[2];            /* struct bpf_timer: opaque to userspace */
#endif
};

/*
 * The rules both sides apply to these structs, written once. `static inline`
 * in the header, as kava_loadavg.h does, so the BPF programs and the agent
 * compile the same code.
 */

/* kava_task.owner: an owner packed into one word; 0 means untracked. */
static inline __u64 kava_owner_pack(struct kava_owner o)
{
	return ((__u64)o.gen << 32 | o.slot) + 1;
}

/* The inverse of kava_owner_pack(); `packed` must not be 0. */
static inline struct kava_owner kava_owner_unpack(__u64 packed)
{
	struct kava_owner o = { .slot = (__u32)(packed - 1), .gen = (__u32)((packed - 1) >> 32) };

	return o;
}

/*
 * A slot is live for an owner while it holds an enabled cgroup (cgroup_id
 * not 0) in the owner's generation: a disable or a reuse of the slot bumps
 * gen, so figures are never charged to, or read for, a successor.
 */
static inline int kava_slot_live(const struct kava_slot *s, __u32 gen)
{
	return s->cgroup_id != 0 && s->gen == gen;
}

/*
 * The layouts userspace reads through bpf_map_lookup_elem() without BTF:
 * sizes are part of the pinned ABI (a change needs a KAVA_ABI_VERSION bump).
 */
_Static_assert(sizeof(struct kava_owner) == 8, "kava_owner layout");
_Static_assert(sizeof(struct kava_cgcache_entry) == 16, "kava_cgcache_entry layout");
_Static_assert(sizeof(struct kava_slot) == 72, "kava_slot layout");
_Static_assert(sizeof(struct kava_cpustats) == 80 + 8 * KAVA_HIST_BUCKETS, "kava_cpustats layout");
_Static_assert(sizeof(struct kava_cpucur) == 40, "kava_cpucur layout");
_Static_assert(sizeof(struct kava_task) == 32, "kava_task layout");
_Static_assert(sizeof(struct kava_config) == 24, "kava_config layout");
_Static_assert(sizeof(struct kava_memstat) == 24, "kava_memstat layout");
_Static_assert(sizeof(struct kava_timer_state) == 40, "kava_timer_state layout");
_Static_assert(sizeof(struct kava_seq) == 16, "kava_seq layout");
_Static_assert((KAVA_PIDSEQ_SLOTS & (KAVA_PIDSEQ_SLOTS - 1)) == 0, "kava_pidseq size");

#endif /* KAVA_H */
