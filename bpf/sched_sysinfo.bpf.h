/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysinfo(2) for tasks of enabled containers: busybox free and uptime,
 * glibc's getloadavg() and libuv read it instead of /proc. After the
 * kernel's do_sysinfo() filled the caller's struct sysinfo, every field is
 * rewritten with the container's figures, all of them from the kernel, so
 * the answer is right whether an agent runs or not:
 *
 *   uptime        since the container's origin (kava_slot.start_boot_ns), the
 *                 view's /proc/uptime; rounded up as do_sysinfo() does
 *   loads, procs  kava's load averages and live tasks
 *   totalram      the smallest memory.max of the container's memory cgroup and
 *                 its ancestors (page_counter max up the parent chain), capped
 *                 at the host's; freeram = totalram - usage (memory.current)
 *   totalswap     v2: the smallest memory.swap.max, capped at the host's swap,
 *                 the host's when unlimited; v1: memsw limit - memory limit;
 *   freeswap      totalswap - the container's swap usage
 *   sharedram     the container's Shmem as the agent last published it
 *                 (kava_memstat: memory.stat lives in rstat trees no BPF program
 *                 can read across kernels), capped at totalram; bufferram 0
 * These are the rules of the view's meminfo and swaps (render/meminfo.c).
 * mem_unit is the kernel's: values are divided by what do_sysinfo() chose.
 *
 * Needs bpf_probe_write_user, which kernel lockdown refuses: the loader
 * then leaves this program out.
 */
#ifndef KAVA_SCHED_SYSINFO_BPF_H
#define KAVA_SCHED_SYSINFO_BPF_H

#include "sched_owner.bpf.h"
#include "sched_load.bpf.h"

#define SI_LOAD_SHIFT 16
#define NSEC_PER_SEC 1000000000ull

/* The smallest max of a page_counter and its parents (pages); unlimited is huge. */
static __always_inline __u64 min_max_up(struct page_counter *pc)
{
	__u64 best = ~0ull;
	int i;

	for (i = 0; i < KAVA_MAX_DEPTH && pc; i++) {
		__u64 max = BPF_CORE_READ(pc, max);

		if (max < best)
			best = max;
		pc = BPF_CORE_READ(pc, parent);
	}
	return best;
}

/*
 * The container's memory cgroup: the calling task's, walked up to the
 * container's depth in its hierarchy. On cgroup v2 that is the container's
 * own cgroup (or, where the memory controller is not enabled that far
 * down, the nearest ancestor that has it: the kernel charges there); on a
 * hybrid host the v1 memory cgroup at the same depth, as the view reads v1
 * cgroups at the container's relative path.
 */
static __always_inline struct mem_cgroup *container_memcg(struct task_struct *task, __u64 cgid)
{
	struct cgroup *cg = task->cgroups->dfl_cgrp;
	struct cgroup_subsys_state *css = NULL;
	int level = -1, i, id;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return NULL;
	id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	for (i = 0; i < KAVA_MAX_DEPTH && cg; i++) {
		if (BPF_CORE_READ(cg, kn, id) == cgid) {
			level = BPF_CORE_READ(cg, level);
			break;
		}
		cg = BPF_CORE_READ(cg, self.parent, cgroup);
	}
	if (level < 0 || id < 0 || id >= 64)
		return NULL;
	if (bpf_probe_read_kernel(&css, sizeof(css),
				  (void *)&task->cgroups->subsys[0] + id * sizeof(void *)) || !css)
		return NULL;
	for (i = 0; i < KAVA_MAX_DEPTH && css; i++) {
		struct cgroup_subsys_state *parent;

		if (BPF_CORE_READ(css, cgroup, level) <= level)
			break;
		parent = BPF_CORE_READ(css, parent);
		if (!parent)
			break;
		css = parent;
	}
	/* css is mem_cgroup's first member; the offset is relocated all the same */
	return css ? (struct mem_cgroup *)((void *)css - bpf_core_field_offset(struct mem_cgroup, css))
		   : NULL;
}

static __always_inline __u64 min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

/*
 * Memory and swap of the container into `si`, which holds the host's
 * figures in units of `unit` bytes. Page counters at or above 2^62 bytes
 * are "max" (PAGE_COUNTER_MAX), as the view's parse_limit() reads them.
 */
static __always_inline void container_memory(struct task_struct *task, __u64 cgid, __u32 slot,
					     __u32 gen, struct sysinfo *si, __u64 unit)
{
	struct mem_cgroup *memcg = container_memcg(task, cgid);
	__u64 ps = page_size, unl = (1ull << 62) / page_size;
	__u64 host_ram, host_swap, total, usage, limit, swap_total, swap_free, swap_usage;
	__u64 swap_limit = ~0ull;
	struct kava_memstat *ms;

	if (!memcg || !ps)
		return;
	host_ram = si->totalram * unit;
	host_swap = si->totalswap * unit;
	usage = (__u64)BPF_CORE_READ(memcg, memory.usage.counter) * ps;
	limit = min_max_up(&memcg->memory);
	total = limit < unl && limit * ps < host_ram ? limit * ps : host_ram;
	if (BPF_CORE_READ(memcg, css.cgroup, root, hierarchy_id) == 0) {
		/* cgroup v2: memory.swap.current / memory.swap.max */
		__u64 max = min_max_up(&memcg->swap);

		swap_usage = (__u64)BPF_CORE_READ(memcg, swap.usage.counter) * ps;
		if (max < unl)
			swap_limit = max * ps;
	} else {
		/* v1: memsw counts memory + swap, so swap is the difference */
		__u64 memsw_usage = (__u64)BPF_CORE_READ(memcg, memsw.usage.counter) * ps;
		__u64 memsw = min_max_up(&memcg->memsw);

		swap_usage = memsw_usage > usage ? memsw_usage - usage : 0;
		if (memsw < unl && limit < unl)
			swap_limit = memsw > limit ? (memsw - limit) * ps : 0;
	}
	if (swap_limit != ~0ull) {
		swap_total = min_u64(swap_limit, host_swap);
		swap_free = swap_total > swap_usage ? swap_total - swap_usage : 0;
	} else {	/* unlimited: the host's swap, less what the container holds */
		swap_total = host_swap;
		swap_free = host_swap > swap_usage ? host_swap - swap_usage : 0;
	}
	si->totalram = total / unit;
	si->freeram = (total > usage ? total - usage : 0) / unit;
	si->bufferram = 0;
	si->sharedram = 0;
	ms = bpf_map_lookup_elem(&kava_memstat, &slot);
	if (ms && ms->gen == gen)
		si->sharedram = min_u64(ms->shmem_bytes, total) / unit;
	si->totalswap = swap_total / unit;
	si->freeswap = swap_free / unit;
}

SEC("tracepoint/syscalls/sys_exit_sysinfo")
int kava_sysinfo_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;
	struct sum_ctx tc = { 0 };
	struct kava_config *cfg;
	struct kava_slot *s;
	struct kava_owner o;
	struct sysinfo *info, si;
	struct pt_regs *regs;
	__u64 now, up, unit;
	int i;

	cfg = active_config();
	if (!cfg || ctx->ret != 0)
		return 0;
	task = bpf_get_current_task_btf();
	o = resolve_task(task, cfg->epoch);
	if (o.slot == KAVA_NO_SLOT)
		return 0;
	s = bpf_map_lookup_elem(&kava_slots, &o.slot);
	if (!s || !kava_slot_live(s, o.gen))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	info = (struct sysinfo *)PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (!info || bpf_probe_read_user(&si, sizeof(si), info))
		return 0;
	/* get_avenrun(info->loads, 0, SI_LOAD_SHIFT - FSHIFT) */
	for (i = 0; i < 3; i++)
		si.loads[i] = s->avenrun[i] << (SI_LOAD_SHIFT - KAVA_FSHIFT);
	tc.slot = o.slot;
	bpf_loop(nr_cpus, sum_cpu, &tc, 0);
	si.procs = tc.threads <= 0 ? 0 : tc.threads > 0xffff ? 0xffff : (__u16)tc.threads;
	/* do_sysinfo(): tp.tv_sec + (tp.tv_nsec ? 1 : 0), from the container's origin */
	now = bpf_ktime_get_boot_ns();
	up = now > s->start_boot_ns ? now - s->start_boot_ns : 0;
	si.uptime = (long)(up / NSEC_PER_SEC + (up % NSEC_PER_SEC ? 1 : 0));
	unit = si.mem_unit ? si.mem_unit : 1;
	container_memory(task, s->cgroup_id, o.slot, o.gen, &si, unit);
	bpf_probe_write_user(info, &si, sizeof(si));
	return 0;
}

#endif /* KAVA_SCHED_SYSINFO_BPF_H */
