// SPDX-License-Identifier: GPL-2.0
/*
 * kava's scheduler accounting: per enabled container cgroup, the tasks that
 * count for load, per-CPU CPU time, switches, forks and run-queue wait, and
 * load averages kept by a bpf_timer with the kernel's own arithmetic.
 *
 * Every handler first rejects events while nothing is enabled, then maps the
 * task's cgroup v2 to its container through a cgroup-id cache, so tasks of
 * cgroups that are not enabled cost one hash lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kava.h"
#include "kava_loadavg.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load. */
const volatile __u32 nr_cpus = 1;


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

static __always_inline __u64 owner_pack(struct kava_owner o)
{
	return ((__u64)o.gen << 32 | o.slot) + 1;
}

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

	if (!s || s->gen != gen || !s->cgroup_id)
		return NULL;
	return bpf_map_lookup_elem(&kava_cpustats, &slot);
}

struct contribution {
	__s64 running, uninterruptible, iowait;
};

static __always_inline struct contribution contribution_of(__u32 state, __u32 iowait)
{
	struct contribution c = {
		.running = state == KAVA_TS_RUNNABLE,
		.uninterruptible = state == KAVA_TS_BLOCKED_LOAD,
		.iowait = state != KAVA_TS_RUNNABLE && iowait,
	};
	return c;
}

/*
 * Apply (sign = +1) or withdraw (sign = -1) a task's counts to its container
 * on this CPU. Handlers running with the run-queue lock held (irqs off) add
 * plainly; preemptible ones (cgroup attach, the seeding iterator) use atomics
 * so an interrupting program on the same CPU cannot lose an update.
 */
static __always_inline void add_counts(struct kava_cpustats *st, __u32 state, __u32 iowait,
				       __s64 sign, bool thread_too, bool atomic)
{
	struct contribution c = contribution_of(state, iowait);
	__s64 threads = thread_too ? 1 : 0;

	if (atomic) {
		__sync_fetch_and_add(&st->nr_running, sign * c.running);
		__sync_fetch_and_add(&st->nr_uninterruptible, sign * c.uninterruptible);
		__sync_fetch_and_add(&st->nr_iowait, sign * c.iowait);
		__sync_fetch_and_add(&st->nr_threads, sign * threads);
	} else {
		st->nr_running += sign * c.running;
		st->nr_uninterruptible += sign * c.uninterruptible;
		st->nr_iowait += sign * c.iowait;
		st->nr_threads += sign * threads;
	}
}

/* Move a tracked task to a new state, adjusting its container's counts. */
static __always_inline void set_state(struct kava_task *ts, struct kava_owner o,
				      __u32 state, __u32 iowait, bool atomic)
{
	struct kava_cpustats *st;

	if (ts->state == state && ts->iowait == iowait)
		return;
	st = stats_of(o.slot, o.gen);
	if (st) {
		add_counts(st, ts->state, ts->iowait, -1, false, atomic);
		add_counts(st, state, iowait, 1, false, atomic);
	}
	ts->state = state;
	ts->iowait = iowait;
}

/*
 * Make `o` the container that counts this task. A task seen for the first
 * time, or still owned by a disabled slot, starts counting as `state`; a
 * task owned by another live container (moved between cgroups) takes its
 * current state along. Returns false when another handler won the race to
 * claim the task first (only the seeding iterator can race here).
 */
static __always_inline bool claim(struct task_struct *task, struct kava_task *ts,
				  struct kava_owner o, __u32 state, __u32 iowait, bool atomic)
{
	__u64 want = owner_pack(o), had = ts->owner;
	struct kava_cpustats *old_st = NULL, *st;

	if (had == want)
		return true;
	if (had) {
		__u64 packed = had - 1;

		old_st = stats_of((__u32)packed, (__u32)(packed >> 32));
		if (old_st) {	/* a live container: carry the state over */
			state = ts->state;
			iowait = ts->iowait;
		}
	}
	if (__sync_val_compare_and_swap(&ts->owner, had, want) != had)
		return false;
	if (old_st)
		add_counts(old_st, ts->state, ts->iowait, -1, true, atomic);
	st = stats_of(o.slot, o.gen);
	if (st)
		add_counts(st, state, iowait, 1, true, atomic);
	ts->state = state;
	ts->iowait = iowait;
	if (bpf_core_field_exists(struct task_struct, sched_info)) {
		ts->run_delay_seen = task->sched_info.run_delay;
		ts->pcount_seen = task->sched_info.pcount;
	}
	return true;
}

/* Stop counting a task (it exited, or left every container). */
static __always_inline void release(struct task_struct *p, struct kava_task *ts, bool atomic)
{
	__u64 packed = ts->owner - 1;
	struct kava_cpustats *st;

	if (!ts->owner)
		return;
	st = stats_of((__u32)packed, (__u32)(packed >> 32));
	if (st)
		add_counts(st, ts->state, ts->iowait, -1, true, atomic);
	ts->owner = 0;
	bpf_task_storage_delete(&kava_tasks, p);
}

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8)  { v >>= 8;  r += 8; }
	if (v >> 4)  { v >>= 4;  r += 4; }
	if (v >> 2)  { v >>= 2;  r += 2; }
	if (v >> 1)  { r += 1; }
	return r < KAVA_HIST_BUCKETS ? r : KAVA_HIST_BUCKETS - 1;
}

/*
 * How a task that is not on CPU counts right now, read the way the kernel
 * decides it: queued on a run queue (and not a delayed dequeue) is runnable;
 * otherwise sched_contributes_to_load, set by the kernel when the task
 * blocked (try_to_block_task()), says whether it counts for load.
 */
static __always_inline __u32 state_of_sleeper(struct task_struct *t)
{
	bool delayed = false;

	if (bpf_core_field_exists(t->se.sched_delayed))
		delayed = t->se.sched_delayed;
	if (t->on_rq == TASK_ON_RQ_QUEUED && !delayed)
		return KAVA_TS_RUNNABLE;
	if (BPF_CORE_READ_BITFIELD(t, sched_contributes_to_load))
		return KAVA_TS_BLOCKED_LOAD;
	return KAVA_TS_SLEEPING;
}

static __always_inline __u32 iowait_of(struct task_struct *t)
{
	return BPF_CORE_READ_BITFIELD(t, in_iowait);
}

/* The pid of a task in its own (innermost) pid namespace. */
static __always_inline __u32 pid_in_own_ns(struct task_struct *p)
{
	struct pid *pid = BPF_CORE_READ(p, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);

	return BPF_CORE_READ(pid, numbers[level].nr);
}

/*
 * Charge the CPU time of the task leaving this CPU to its container: the
 * growth of sum_exec_runtime since its switch-in, the figure update_curr()
 * charges to the cgroup's cpu.stat. When this CPU's record is not about
 * `prev` (its switch-in was not seen: just after enable, or a missed
 * event), the slice is still known: set_next_entity() saved its start in
 * se.prev_sum_exec_runtime; the container then comes from the task itself.
 */
static __always_inline void charge_cpu(struct kava_cpucur *cur, struct task_struct *prev,
				       __u32 epoch)
{
	struct kava_cpustats *st;
	struct kava_owner o;

	if (cur->valid && cur->pid == prev->pid) {
		if (cur->slot == KAVA_NO_SLOT)
			return;
		st = stats_of(cur->slot, cur->gen);
		if (!st)
			return;
		st->exec_ns += prev->se.sum_exec_runtime - cur->exec_at_in;
		st->user_tick_ns += prev->utime - cur->utime_at_in;
		st->system_tick_ns += prev->stime - cur->stime_at_in;
		st->switches++;
		return;
	}
	if (!prev->pid)
		return;
	o = resolve_task_sched(prev, epoch);
	if (o.slot == KAVA_NO_SLOT)
		return;
	st = stats_of(o.slot, o.gen);
	if (!st)
		return;
	st->exec_ns += prev->se.sum_exec_runtime - prev->se.prev_sum_exec_runtime;
	st->switches++;
}

/*
 * The run-queue wait before the slice that is ending, from the kernel's own
 * sched_info (CONFIG_SCHED_INFO): sched_info_arrive() adds each wait to
 * run_delay and counts the arrival in pcount, so the growth since the
 * task's last switch-out is the wait that preceded this run. No clock read.
 */
static __always_inline void record_wait(struct task_struct *p, struct kava_task *ts,
					struct kava_owner o)
{
	struct kava_cpustats *st;
	__u64 delay, pcount;

	if (!bpf_core_field_exists(struct task_struct, sched_info))
		return;
	delay = p->sched_info.run_delay;
	pcount = p->sched_info.pcount;
	if (pcount != ts->pcount_seen && delay >= ts->run_delay_seen) {
		st = stats_of(o.slot, o.gen);
		if (st)
			st->wait_hist[log2_bucket(delay - ts->run_delay_seen) & (KAVA_HIST_BUCKETS - 1)]++;
	}
	ts->run_delay_seen = delay;
	ts->pcount_seen = pcount;
}

static __always_inline void switch_out(struct kava_cpucur *cur, struct task_struct *prev,
				       bool preempt, unsigned int prev_state, __u32 epoch)
{
	struct kava_owner o;
	struct kava_task *ts;

	if (cur->valid && cur->pid == prev->pid) {
		if (cur->slot == KAVA_NO_SLOT)
			return;
		o.slot = cur->slot;
		o.gen = cur->gen;
	} else {
		o = resolve_task_sched(prev, epoch);
		if (o.slot == KAVA_NO_SLOT)
			return;
	}
	ts = bpf_task_storage_get(&kava_tasks, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || !claim(prev, ts, o, KAVA_TS_RUNNABLE, 0, false))
		return;
	if (prev_state & TASK_DEAD) {
		release(prev, ts, false);
		return;
	}
	record_wait(prev, ts, o);
	/*
	 * Blocked, as __schedule() decides it: not a preemption, a sleeping
	 * state, and not turned back to TASK_RUNNING by a pending signal (on
	 * older kernels prev_state still holds the old state in that case).
	 */
	if (!preempt && prev_state != TASK_RUNNING &&
	    prev->__state != TASK_RUNNING) {
		bool load = (prev_state & TASK_UNINTERRUPTIBLE) &&
			    !(prev_state & TASK_NOLOAD) && !(prev_state & TASK_FROZEN);

		set_state(ts, o, load ? KAVA_TS_BLOCKED_LOAD : KAVA_TS_SLEEPING,
			  iowait_of(prev), false);
	} else {
		set_state(ts, o, KAVA_TS_RUNNABLE, 0, false);
	}
}

static __always_inline void switch_in(struct kava_cpucur *cur, struct task_struct *next,
				      __u32 epoch)
{
	struct kava_owner o = { .slot = KAVA_NO_SLOT };
	struct kava_task *ts;

	cur->valid = 1;
	cur->pid = next->pid;
	if (next->pid)
		o = resolve_task_sched(next, epoch);
	cur->slot = o.slot;
	cur->gen = o.gen;
	if (o.slot == KAVA_NO_SLOT)
		return;
	/* no clock read: userspace measures the running slice from sum_exec_runtime */
	cur->exec_at_in = next->se.sum_exec_runtime;
	cur->utime_at_in = next->utime;
	cur->stime_at_in = next->stime;

	ts = bpf_task_storage_get(&kava_tasks, next, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || !claim(next, ts, o, KAVA_TS_RUNNABLE, 0, false))
		return;
	set_state(ts, o, KAVA_TS_RUNNABLE, 0, false);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(kava_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct kava_config *cfg;
	struct kava_cpucur *cur;
	__u32 zero = 0;

	cfg = active_config();
	if (!cfg)
		return 0;
	cur = bpf_map_lookup_elem(&kava_cpucur, &zero);
	if (!cur)
		return 0;
	charge_cpu(cur, prev, cfg->epoch);
	switch_out(cur, prev, preempt, prev_state, cfg->epoch);
	switch_in(cur, next, cfg->epoch);
	return 0;
}

/* A task became runnable (try_to_wake_up() -> ttwu_do_wakeup()). */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(kava_sched_wakeup, struct task_struct *p)
{
	struct kava_config *cfg;
	struct kava_owner o;
	struct kava_task *ts;

	cfg = active_config();
	if (!cfg)
		return 0;
	o = resolve_task_sched(p, cfg->epoch);
	if (o.slot == KAVA_NO_SLOT)
		return 0;
	ts = bpf_task_storage_get(&kava_tasks, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || !claim(p, ts, o, KAVA_TS_RUNNABLE, 0, false))
		return 0;
	/* ttwu_runnable() also fires this for a task still queued or on CPU:
	 * set_state() makes that a no-op. */
	set_state(ts, o, KAVA_TS_RUNNABLE, 0, false);
	return 0;
}

/* A new task is put on a run queue for the first time (wake_up_new_task()). */
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(kava_sched_wakeup_new, struct task_struct *p)
{
	struct kava_config *cfg;
	struct kava_cpustats *st;
	struct kava_slot *slot;
	struct kava_owner o;
	struct kava_task *ts;

	cfg = active_config();
	if (!cfg)
		return 0;
	o = resolve_task_sched(p, cfg->epoch);
	if (o.slot == KAVA_NO_SLOT)
		return 0;
	ts = bpf_task_storage_get(&kava_tasks, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || !claim(p, ts, o, KAVA_TS_RUNNABLE, 0, false))
		return 0;
	st = stats_of(o.slot, o.gen);
	if (st)
		st->forks++;
	slot = bpf_map_lookup_elem(&kava_slots, &o.slot);
	if (slot)
		*(volatile __u32 *)&slot->last_pid = pid_in_own_ns(p);
	return 0;
}

/*
 * A task that is on a CPU while it moves: charge its slice so far to the
 * container it leaves (as the kernel charges cpu.stat to the cgroup the
 * task was in at each update_curr()), and start the rest of the slice for
 * the one it joins. That CPU's record is written from here; its own
 * sched_switch can race with this only in the instant the task leaves it.
 */
static __always_inline void retarget_running(struct task_struct *p, struct kava_owner o)
{
	__u32 zero = 0, cpu = BPF_CORE_READ(p, thread_info.cpu);
	struct kava_cpustats *st;
	struct kava_cpucur *cur;
	__u64 exec, utime, stime;

	if (!BPF_CORE_READ(p, on_cpu))
		return;
	cur = bpf_map_lookup_percpu_elem(&kava_cpucur, &zero, cpu);
	if (!cur || !cur->valid || cur->pid != BPF_CORE_READ(p, pid))
		return;
	exec = BPF_CORE_READ(p, se.sum_exec_runtime);
	utime = BPF_CORE_READ(p, utime);
	stime = BPF_CORE_READ(p, stime);
	if (cur->slot != KAVA_NO_SLOT && stats_of(cur->slot, cur->gen)) {
		st = bpf_map_lookup_percpu_elem(&kava_cpustats, &cur->slot, cpu);
		if (st) {
			__sync_fetch_and_add(&st->exec_ns, exec - cur->exec_at_in);
			__sync_fetch_and_add(&st->user_tick_ns, utime - cur->utime_at_in);
			__sync_fetch_and_add(&st->system_tick_ns, stime - cur->stime_at_in);
		}
	}
	cur->exec_at_in = exec;
	cur->utime_at_in = utime;
	cur->stime_at_in = stime;
	cur->slot = o.slot;
	cur->gen = o.gen;
}

/* A task moved to another cgroup (cgroup_migrate_execute()). */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(kava_cgroup_attach_task, struct cgroup *dst_cgrp, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	struct kava_config *cfg;
	struct kava_owner o;
	struct kava_task *ts;

	cfg = active_config();
	if (!cfg)
		return 0;
	/* Fires for v1 hierarchies too: what counts is the task's v2 cgroup. */
	o = resolve_task(task, cfg->epoch);
	retarget_running(task, o);
	if (o.slot == KAVA_NO_SLOT) {
		ts = bpf_task_storage_get(&kava_tasks, task, 0, 0);
		if (ts)
			release(task, ts, true);
		return 0;
	}
	ts = bpf_task_storage_get(&kava_tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		claim(task, ts, o, state_of_sleeper(task), iowait_of(task), true);
	return 0;
}

/*
 * Seeding: run by userspace after an enable, once over every task, to count
 * the tasks that existed before (they may sleep for hours without an event).
 */
SEC("iter/task")
int kava_seed(struct bpf_iter__task *ctx)
{
	struct task_struct *p = ctx->task;
	struct kava_config *cfg;
	struct kava_owner o;
	struct kava_task *ts;
	__u32 state;

	if (!p || BPF_CORE_READ(p, exit_state) || (BPF_CORE_READ(p, flags) & 0x00200000 /* PF_KTHREAD */))
		return 0;
	cfg = active_config();
	if (!cfg)
		return 0;
	o = resolve_task(p, cfg->epoch);
	if (o.slot == KAVA_NO_SLOT)
		return 0;
	ts = bpf_task_storage_get(&kava_tasks, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || ts->owner == owner_pack(o))
		return 0;
	state = BPF_CORE_READ(p, on_cpu) ? KAVA_TS_RUNNABLE : state_of_sleeper(p);
	claim(p, ts, o, state, state == KAVA_TS_RUNNABLE ? 0 : iowait_of(p), true);
	return 0;
}

/* ---- load averages: sampled every LOAD_FREQ, as calc_global_load() ---- */

/* One slot's task counts summed over CPUs (bpf_loop callback). */
struct sum_ctx {
	__u32 slot;
	__s64 active;      /* runnable + uninterruptible: what counts for load */
	__s64 threads;
};

static long sum_cpu(__u32 cpu, struct sum_ctx *c)
{
	struct kava_cpustats *st = bpf_map_lookup_percpu_elem(&kava_cpustats, &c->slot, cpu);

	if (st) {
		c->active += st->nr_running + st->nr_uninterruptible;
		c->threads += st->nr_threads;
	}
	return 0;
}

struct sample_ctx {
	__u64 periods;
};

static long sample_slot(__u32 index, struct sample_ctx *c)
{
	struct sum_ctx sum = { .slot = index };
	struct kava_slot *s = bpf_map_lookup_elem(&kava_slots, &index);
	__u64 active;

	if (!s || !s->cgroup_id)
		return 0;
	bpf_loop(nr_cpus, sum_cpu, &sum, 0);
	s->last_active = sum.active;
	/* calc_load_fold_active()/calc_global_load(): negative sums count as 0 */
	active = sum.active > 0 ? (__u64)sum.active * KAVA_FIXED_1 : 0;
	s->avenrun[0] = kava_calc_load_n(s->avenrun[0], KAVA_EXP_1, active, c->periods);
	s->avenrun[1] = kava_calc_load_n(s->avenrun[1], KAVA_EXP_5, active, c->periods);
	s->avenrun[2] = kava_calc_load_n(s->avenrun[2], KAVA_EXP_15, active, c->periods);
	s->samples++;
	return 0;
}

static int load_timer_fired(void *map, __u32 *key, struct kava_timer_state *t)
{
	struct sample_ctx c = { .periods = 1 };
	struct kava_config *cfg;
	__u32 zero = 0;
	__u64 now = bpf_ktime_get_ns(), freq;

	cfg = bpf_map_lookup_elem(&kava_config, &zero);
	if (!cfg || !cfg->load_freq_ns)
		return 0;
	freq = cfg->load_freq_ns;
	/* Periods the timer slept through are folded in at once, as calc_global_nohz(). */
	if (now > t->next_sample_ns + freq) {
		c.periods = 1 + (now - t->next_sample_ns) / freq;
		t->missed += c.periods - 1;
	}
	t->next_sample_ns += c.periods * freq;
	t->fired++;
	bpf_loop(KAVA_MAX_CONTAINERS, sample_slot, &c, 0);
	bpf_timer_start(&t->timer, t->next_sample_ns > now ? t->next_sample_ns - now : freq, 0);
	return 0;
}

/* Run once by the loader (BPF_PROG_TEST_RUN) to arm the load-average clock. */
SEC("syscall")
int kava_start_timer(void *ctx)
{
	struct kava_timer_state *t;
	struct kava_config *cfg;
	__u32 zero = 0;
	__u64 freq;

	t = bpf_map_lookup_elem(&kava_timer, &zero);
	cfg = bpf_map_lookup_elem(&kava_config, &zero);
	if (!t || !cfg)
		return 1;
	if (t->next_sample_ns)
		return 0;	/* already running */
	freq = cfg->load_freq_ns;	/* LOAD_FREQ (5*HZ+1 jiffies), set by the loader */
	if (!freq)
		return 5;
	if (bpf_timer_init(&t->timer, &kava_timer, 1 /* CLOCK_MONOTONIC */))
		return 2;
	if (bpf_timer_set_callback(&t->timer, load_timer_fired))
		return 3;
	t->next_sample_ns = bpf_ktime_get_ns() + freq;
	if (bpf_timer_start(&t->timer, freq, 0))
		return 4;
	return 0;
}

/* ---- sysinfo(2): glibc's getloadavg() and libuv read loads from it ---- */

#define SI_LOAD_SHIFT 16

/*
 * After a successful sysinfo() by a task in an enabled container, write the
 * container's load averages and task count over the host's in the caller's
 * struct sysinfo, as do_sysinfo() fills them (get_avenrun(loads, 0,
 * SI_LOAD_SHIFT - FSHIFT)). The memory fields stay the host's.
 */
SEC("tracepoint/syscalls/sys_exit_sysinfo")
int kava_sysinfo_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;
	struct sum_ctx tc = { 0 };
	struct kava_config *cfg;
	struct kava_slot *s;
	struct kava_owner o;
	struct sysinfo *info;
	struct pt_regs *regs;
	unsigned long loads[3];
	__u16 procs;
	int i;

	cfg = active_config();
	if (!cfg || ctx->ret != 0)
		return 0;
	task = bpf_get_current_task_btf();
	o = resolve_task(task, cfg->epoch);
	if (o.slot == KAVA_NO_SLOT)
		return 0;
	s = bpf_map_lookup_elem(&kava_slots, &o.slot);
	if (!s || s->gen != o.gen || !s->cgroup_id)
		return 0;
	for (i = 0; i < 3; i++)
		loads[i] = s->avenrun[i] << (SI_LOAD_SHIFT - KAVA_FSHIFT);
	tc.slot = o.slot;
	bpf_loop(nr_cpus, sum_cpu, &tc, 0);
	procs = tc.threads > 0 ? (__u16)tc.threads : 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	info = (struct sysinfo *)PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (!info)
		return 0;
	bpf_probe_write_user(&info->loads, loads, sizeof(loads));
	bpf_probe_write_user(&info->procs, &procs, sizeof(procs));
	return 0;
}
