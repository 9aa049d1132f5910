// SPDX-License-Identifier: GPL-2.0
/*
 * kava's scheduler accounting: per enabled container cgroup, the tasks that
 * count for load, per-CPU CPU time, switches, forks and run-queue wait, and
 * load averages kept by a bpf_timer with the kernel's own arithmetic.
 *
 * Maps: sched_maps.bpf.h; cgroup -> container: sched_owner.bpf.h; load
 * averages: sched_load.bpf.h; sysinfo(2): sched_sysinfo.bpf.h.
 *
 * Every handler first rejects events while nothing is enabled, then maps the
 * task's cgroup v2 to its container through a per-CPU front cache keyed by
 * the cgroup (sched_owner.bpf.h), so a task of a cgroup that is not enabled
 * costs two pointer loads and one cache entry.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kava.h"
#include "kava_loadavg.h"
#include "sched_owner.bpf.h"
#include "sched_seq.bpf.h"

char LICENSE[] SEC("license") = "GPL";

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
				      __u32 state, __u32 iowait, bool atomic, bool fresh)
{
	struct kava_cpustats *st;

	if (ts->state == state && ts->iowait == iowait)
		return;
	st = stats_for(o, fresh);
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
 * claim the task first, or is still counting it in: the winner publishes the
 * owner before it adds the counts and sets the state, so a task owned
 * already but still UNTRACKED is not ours to move (the seeding iterator,
 * slow and preemptible, and a sched handler on another CPU could otherwise
 * both count it runnable).
 */
static __always_inline bool claim(struct task_struct *task, struct kava_task *ts,
				  struct kava_owner o, __u32 state, __u32 iowait, bool atomic,
				  bool fresh)
{
	__u64 want = kava_owner_pack(o), had = ts->owner;
	struct kava_cpustats *old_st = NULL, *st;

	if (had == want)
		return *(volatile __u32 *)&ts->state != KAVA_TS_UNTRACKED;
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
	st = stats_for(o, fresh);
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

/*
 * A task that counts for no container now can still hold a record: a thread
 * moved out with its process. cgroup_attach_task() moves every thread of
 * the process but fires its tracepoint for the leader only, so the other
 * threads leave with no event, and the handlers, which look a task's record
 * up only once its cgroup resolves to a container, never see them again.
 * Released at the task's last switch-out (prev_state TASK_DEAD: __schedule()
 * from do_task_dead()), so a dying task outside every container pays one
 * task storage lookup, or by the next seed (kava_seed()).
 */
static __always_inline void release_stray(struct task_struct *p, struct kava_task *ts, bool atomic)
{
	if (ts && ts->owner)
		release(p, ts, atomic);
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
				       __u32 epoch, bool cur_fresh)
{
	struct kava_cpustats *st;
	struct kava_owner o;

	if (cur->valid && cur->pid == prev->pid) {
		if (cur->slot == KAVA_NO_SLOT)
			return;
		o.slot = cur->slot;
		o.gen = cur->gen;
		st = stats_for(o, cur_fresh);
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
	st = stats_fresh(o.slot);
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
					struct kava_owner o, bool fresh)
{
	struct kava_cpustats *st;
	__u64 delay, pcount;

	if (!bpf_core_field_exists(struct task_struct, sched_info))
		return;
	delay = p->sched_info.run_delay;
	pcount = p->sched_info.pcount;
	if (pcount != ts->pcount_seen && delay >= ts->run_delay_seen) {
		st = stats_for(o, fresh);
		if (st) {
			__u64 wait = delay - ts->run_delay_seen;

			st->wait_hist[log2_bucket(wait) & (KAVA_HIST_BUCKETS - 1)]++;
			st->wait_sum_ns += wait;
		}
	}
	ts->run_delay_seen = delay;
	ts->pcount_seen = pcount;
}

static __always_inline void switch_out(struct kava_cpucur *cur, struct task_struct *prev,
				       bool preempt, unsigned int prev_state, __u32 epoch,
				       bool cur_fresh)
{
	struct kava_owner o;
	struct kava_task *ts;
	bool fresh = true;

	if (cur->valid && cur->pid == prev->pid) {
		o.slot = cur->slot;
		o.gen = cur->gen;
		fresh = cur_fresh;
	} else {
		o = resolve_task_sched(prev, epoch);
	}
	if (o.slot == KAVA_NO_SLOT) {
		if (prev_state & TASK_DEAD)
			release_stray(prev, bpf_task_storage_get(&kava_tasks, prev, 0, 0), false);
		return;
	}
	ts = bpf_task_storage_get(&kava_tasks, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || !claim(prev, ts, o, KAVA_TS_RUNNABLE, 0, false, fresh))
		return;
	if (prev_state & TASK_DEAD) {
		release(prev, ts, false);
		return;
	}
	record_wait(prev, ts, o, fresh);
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
			  iowait_of(prev), false, fresh);
	} else {
		set_state(ts, o, KAVA_TS_RUNNABLE, 0, false, fresh);
	}
}

/*
 * Record the task coming on this CPU. Its own record (task storage) is not
 * touched: a task of a container is runnable in it already when it is
 * switched in, counted so by the handler that made it runnable (sched_wakeup,
 * sched_wakeup_new, or the switch-out of its preemption), so there is nothing
 * to change. The one exception, a task none of them claimed yet (it ran
 * before its container was enabled and the seed has not reached it), is
 * claimed at its switch-out, or by the seed, whichever comes first.
 */
static __always_inline void switch_in(struct kava_cpucur *cur, __u64 *cur_epoch,
				      struct task_struct *next, __u32 epoch)
{
	struct kava_owner o = { .slot = KAVA_NO_SLOT };

	*cur_epoch = (__u64)epoch + 1;
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
}

SEC("tp_btf/sched_switch")
int BPF_PROG(kava_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct kava_config *cfg;
	struct kava_cpucur *cur;
	__u64 *cur_epoch;
	__u32 zero = 0, epoch;
	bool cur_fresh;

	cfg = active_config();
	if (!cfg)
		return 0;
	cur = bpf_map_lookup_elem(&kava_cpucur, &zero);
	cur_epoch = bpf_map_lookup_elem(&kava_curepoch, &zero);
	if (!cur || !cur_epoch)
		return 0;
	epoch = cfg->epoch;
	cur_fresh = *cur_epoch == (__u64)epoch + 1;
	charge_cpu(cur, prev, epoch, cur_fresh);
	switch_out(cur, prev, preempt, prev_state, epoch, cur_fresh);
	switch_in(cur, cur_epoch, next, epoch);
	return 0;
}

/*
 * A task of a container is runnable now: claimed for it (first sight) and
 * counted as runnable. Returns its record, or NULL when it counts for no
 * container (or another handler won the claim). Both wakeup handlers.
 */
static __always_inline struct kava_task *wake(struct task_struct *p, struct kava_owner *o)
{
	struct kava_config *cfg = active_config();
	struct kava_task *ts;

	if (!cfg)
		return NULL;
	*o = resolve_task_sched(p, cfg->epoch);
	if (o->slot == KAVA_NO_SLOT)
		return NULL;
	ts = bpf_task_storage_get(&kava_tasks, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || !claim(p, ts, *o, KAVA_TS_RUNNABLE, 0, false, true))
		return NULL;
	/* ttwu_runnable() also fires sched_wakeup for a task still queued or
	 * on CPU: set_state() makes that a no-op. */
	set_state(ts, *o, KAVA_TS_RUNNABLE, 0, false, true);
	return ts;
}

/* A task became runnable (try_to_wake_up() -> ttwu_do_wakeup()). */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(kava_sched_wakeup, struct task_struct *p)
{
	struct kava_owner o;

	wake(p, &o);
	return 0;
}

/* A new task is put on a run queue for the first time (wake_up_new_task()). */
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(kava_sched_wakeup_new, struct task_struct *p)
{
	struct kava_cpustats *st;
	struct kava_slot *slot;
	struct kava_owner o;

	if (!wake(p, &o))
		return 0;
	st = stats_fresh(o.slot);
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
	__u64 exec, utime, stime, *cur_epoch;

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
	/* written from another CPU: that CPU's switch-out checks the slot itself */
	cur_epoch = bpf_map_lookup_percpu_elem(&kava_curepoch, &zero, cpu);
	if (cur_epoch)
		*cur_epoch = 0;
}

/* A task moved to another cgroup (cgroup_migrate_execute()). */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(kava_cgroup_attach_task, struct cgroup *dst_cgrp, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	struct kava_config *cfg;
	struct kava_owner o;
	struct kava_task *ts;

	seq_moved();	/* any hierarchy, enabled or not: the view's readers (sched_seq.bpf.h) */
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
		claim(task, ts, o, state_of_sleeper(task), iowait_of(task), true, false);
	return 0;
}

/*
 * The container's uptime counts from its enable or from the start of the
 * oldest task it held then, whichever is earlier: a fixed origin, so uptime
 * and stat's idle (measured over the same span) only move forward. Only the
 * seed that follows the slot's enable runs this (kava_config.seeding), and
 * for every task it visits, claimed already by a sched handler or not.
 */
static __always_inline void take_origin(struct task_struct *p, struct kava_owner o)
{
	struct kava_slot *s = bpf_map_lookup_elem(&kava_slots, &o.slot);
	__u64 start = BPF_CORE_READ(p, start_boottime);

	if (s && s->gen == o.gen && start && start < s->start_boot_ns)
		s->start_boot_ns = start;
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
	if (o.slot == KAVA_NO_SLOT) {	/* a thread moved out with its process, if it has a record */
		release_stray(p, bpf_task_storage_get(&kava_tasks, p, 0, 0), true);
		return 0;
	}
	if (cfg->seeding == o.slot + 1)
		take_origin(p, o);
	ts = bpf_task_storage_get(&kava_tasks, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts || ts->owner == kava_owner_pack(o))
		return 0;
	state = BPF_CORE_READ(p, on_cpu) ? KAVA_TS_RUNNABLE : state_of_sleeper(p);
	claim(p, ts, o, state, state == KAVA_TS_RUNNABLE ? 0 : iowait_of(p), true, false);
	return 0;
}

#include "sched_load.bpf.h"
#include "sched_sysinfo.bpf.h"
