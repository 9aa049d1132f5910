/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kava_seq (include/kava.h): counts of the events after which a process's
 * container or cgroup directories may differ from what the view resolved
 * for its pid, read by the agent from a shared page (BPF_F_MMAPABLE) to
 * keep a reader's resolution while none happened (src/view/reader.c).
 * Included by sched.bpf.c only.
 *
 * What can change the answer for a pid, and the event counted for each:
 * - the task moves to another cgroup, in cgroup2 or in any v1 hierarchy:
 *   cgroup_attach_task() fires its tracepoint once the migration is done
 *   (cgroup.procs, cgroup.threads, v1 tasks, cgroup_attach_task_all()),
 *   for the leader of a moved thread group only: any move of anyone
 *   counts, so that is enough. A v1 cpuset emptied by CPU hotplug moves
 *   its tasks with cgroup_transfer_tasks() (its own tracepoint), and a v1
 *   cgroup can be renamed (cgroup1_rename(), tracepoint cgroup_rename),
 *   which changes the directory /proc/PID/cgroup names: moves.
 * - the pid comes to name another task. A freed pid is given to a task
 *   being made (alloc_pid() in copy_process()), and every new task is put
 *   on a run queue by wake_up_new_task(), which fires sched_wakeup_new
 *   under the run queue's lock, before the task can run and so before it
 *   can open a file (io_uring and vhost workers, made without
 *   kernel_clone(), included). A thread that execs takes its leader's pid
 *   (de_thread(): exchange_tids()) and returns to user space only after
 *   sched_process_exec fires; counted when its pid changed. Both in
 *   kava_pidseq, at the entry of the task's (new) pid only.
 * - an enable or disable: counted by userspace (registry.c), after the
 *   slot and the enabled table changed.
 * Nothing else moves a task: a fork inherits its parent's cgroups
 * (cgroup_fork()), CLONE_INTO_CGROUP places a new task (counted as one),
 * and an exec keeps them.
 */
#ifndef KAVA_SCHED_SEQ_BPF_H
#define KAVA_SCHED_SEQ_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct kava_seq);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_seq SEC(".maps");

/* Not gated on kava_config.nr_enabled: a count missed while nothing is enabled could be needed after. */
static __always_inline void seq_moved(void)
{
	__u32 zero = 0;
	struct kava_seq *s = bpf_map_lookup_elem(&kava_seq, &zero);

	if (s)
		__sync_fetch_and_add(&s->moves, 1);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KAVA_PIDSEQ_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kava_pidseq SEC(".maps");

/* `pid` may name another task now: its entry only (pid, not tgid: the view resolves a thread's pid) */
static __always_inline void seq_new_task(__u32 pid)
{
	__u32 idx = pid & (KAVA_PIDSEQ_SLOTS - 1);
	__u64 *n = bpf_map_lookup_elem(&kava_pidseq, &idx);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* A second program on this tracepoint, beside kava_sched_wakeup_new, which returns early for most tasks. */
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(kava_seq_new_task, struct task_struct *p)
{
	seq_new_task(p->pid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kava_seq_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 pid = BPF_CORE_READ(p, pid);

	if (pid != (__u32)old_pid)
		seq_new_task(pid);
	return 0;
}

SEC("tp_btf/cgroup_transfer_tasks")
int BPF_PROG(kava_seq_transfer, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	seq_moved();
	return 0;
}

SEC("tp_btf/cgroup_rename")
int BPF_PROG(kava_seq_rename, struct cgroup *cgrp, const char *path)
{
	seq_moved();
	return 0;
}

#endif /* KAVA_SCHED_SEQ_BPF_H */
