// SPDX-License-Identifier: GPL-2.0
/*
 * Automatic enablement: the kernel tells the agent when a cgroup v2 directory
 * is created or removed (the cgroup_mkdir/cgroup_rmdir tracepoints, fired by
 * cgroup_mkdir() and cgroup_destroy_locked() in kernel/cgroup/cgroup.c with
 * the path cgroup_path() wrote), and when a task under a cgroup the agent
 * watches calls execve() (sched_process_exec, from exec_binprm()): for
 * --auto-mount, a container's first exec after its runtime's pivot_root is
 * when its mount namespace is ready. Nothing is polled.
 *
 * Loaded by each `kava run`, never pinned: a restarted agent walks the
 * cgroup tree once for what it missed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kava.h"
#include "kava_auto.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KAVA_AUTO_RINGBUF);
} kava_auto_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KAVA_AUTO_WATCH_MAX);
	__type(key, __u64);                     /* cgroup id waiting for its first ready exec */
	__type(value, __u8);
} kava_auto_watch SEC(".maps");

/* Shared with the agent through the skeleton's memory-mapped .bss. */
__u64 lost;                /* events the ring buffer had no room for */
__u32 nr_watched;          /* entries in kava_auto_watch: 0 skips exec events at once */

static __always_inline void count_lost(void)
{
	__sync_fetch_and_add(&lost, 1);
}

/*
 * The tracepoints fire for every hierarchy; cgroup v2's is the default
 * root, hierarchy id 0 (what /proc/cgroups prints for controllers bound to
 * v2), v1 hierarchies are numbered from 1.
 */
static __always_inline int send_path_event(__u32 kind, struct cgroup *cgrp, const char *path)
{
	struct kava_auto_path_event *e;

	if (cgrp->root->hierarchy_id != 0)
		return 0;
	e = bpf_ringbuf_reserve(&kava_auto_events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->h.kind = kind;
	e->h.pid = 0;
	e->h.cgroup_id = cgrp->kn->id;
	if (bpf_probe_read_kernel_str(e->path, sizeof(e->path), path) < 0)
		e->path[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(kava_auto_mkdir, struct cgroup *cgrp, const char *path)
{
	return send_path_event(KAVA_AUTO_MKDIR, cgrp, path);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(kava_auto_rmdir, struct cgroup *cgrp, const char *path)
{
	return send_path_event(KAVA_AUTO_RMDIR, cgrp, path);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kava_auto_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct kava_auto_event *e;
	struct cgroup *cgrp;
	bool watched = false;
	__u64 id = 0;
	int depth;

	if (!nr_watched)
		return 0;
	/*
	 * The task's cgroup v2 and its ancestors, nearest first. Shaped as
	 * resolve_cgroup()'s walk (sched_owner.bpf.h): nothing but the loop
	 * itself reads `depth`. Testing it after the loop made clang keep an exit
	 * flag that 6.1's verifier could not bound: it walked the loop to its
	 * 1M-instruction limit and refused the program (E2BIG), after minutes
	 * under TCG.
	 */
	cgrp = p->cgroups->dfl_cgrp;
	for (depth = 0; depth < KAVA_MAX_DEPTH && cgrp; depth++) {
		id = cgrp->kn->id;
		if (bpf_map_lookup_elem(&kava_auto_watch, &id)) {
			watched = true;
			break;
		}
		if (!cgrp->self.parent)
			break;
		cgrp = cgrp->self.parent->cgroup;
	}
	if (!watched)
		return 0;
	e = bpf_ringbuf_reserve(&kava_auto_events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->kind = KAVA_AUTO_EXEC;
	e->pid = (__u32)p->tgid;
	e->cgroup_id = id;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
