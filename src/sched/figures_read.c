// SPDX-License-Identifier: GPL-2.0
/* Reading one container's figures from kava's pinned maps. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "sched/cputime.h"
#include "sched/figures_read.h"
#include "kava.h"
#include "common/fdcache.h"
#include "common/util.h"

/*
 * The CPU time of task `tid` so far: the first field of /proc/TID/schedstat
 * is its se.sum_exec_runtime (proc_pid_schedstat()), current to the last
 * update_curr(). 0 if the task is gone.
 */
static uint64_t exec_runtime_of(pid_t tid)
{
	unsigned long long ns = 0;
	char path[64], *text = NULL;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", tid);
	if (fdcache_read(path, FDCACHE_ONE_RECORD, &text, NULL) < 0 || sscanf(text, "%llu", &ns) != 1)
		ns = 0;
	free(text);
	return ns;
}

int figures_read(const struct kava_state *st, uint32_t slot, struct kava_figures *f)
{
	struct kava_slot s;

	memset(f, 0, sizeof(*f));
	if (bpf_map_lookup_elem(st->slots_fd, &slot, &s) < 0)
		return -errno;
	return figures_read_from(st, slot, &s, 0, f);
}

int figures_read_from(const struct kava_state *st, uint32_t slot, const struct kava_slot *s,
		      int flags, struct kava_figures *f)
{
	struct kava_cpustats *cpus = NULL;
	struct kava_cpucur *cur = NULL;
	int cputime = !(flags & FIGURES_NO_CPUTIME);
	int err = 0;

	if (!s->cgroup_id) {
		memset(f, 0, sizeof(*f));
		return -ENOENT;
	}
	cpus = calloc(st->nr_cpus, sizeof(*cpus));
	cur = cputime ? calloc(st->nr_cpus, sizeof(*cur)) : NULL;
	if (!cpus || (cputime && !cur)) {
		err = -ENOMEM;
		goto out;
	}
	err = bpf_map_lookup_elem(st->cpustats_fd, &slot, cpus) < 0 ? -errno : 0;
	if (!err && cputime)
		err = figures_read_cur(st, cur);
	/*
	 * figures_of() clears what a reader reads (cpu[] up to nr_cpus); the
	 * whole 16 KiB only where nothing was read, as before: clearing it at
	 * every call was ~17,000 instructions an open of stat, uptime or loadavg
	 */
	if (!err)
		figures_of(st, slot, s, cpus, cur, f);
out:
	if (err)
		memset(f, 0, sizeof(*f));
	free(cpus);
	free(cur);
	return err;
}

void figures_of(const struct kava_state *st, uint32_t slot, const struct kava_slot *s,
		const struct kava_cpustats *cpus, const struct kava_cpucur *cur,
		struct kava_figures *f)
{
	unsigned int c, b;

	/* all but cpu[] past nr_cpus: 16 KiB a container, and a scrape reads 1,000 */
	memset(f, 0, offsetof(struct kava_figures, cpu));
	f->nr_cpus = st->nr_cpus < KAVA_MAX_CPUS ? st->nr_cpus : KAVA_MAX_CPUS;
	memset(f->cpu, 0, f->nr_cpus * sizeof(f->cpu[0]));
	memset(&f->nr_running, 0, sizeof(*f) - offsetof(struct kava_figures, nr_running));
	f->cgroup_id = s->cgroup_id;
	for (c = 0; c < st->nr_cpus; c++) {
		const struct kava_cpustats *cs = &cpus[c];
		uint64_t exec = cs->exec_ns;

		f->nr_running += cs->nr_running;
		f->nr_uninterruptible += cs->nr_uninterruptible;
		f->nr_iowait += cs->nr_iowait;
		f->nr_threads += cs->nr_threads;
		f->switches += cs->switches;
		f->forks += cs->forks;
		for (b = 0; b < KAVA_HIST_BUCKETS; b++)
			f->wait_hist[b] += cs->wait_hist[b];
		f->wait_sum_ns += cs->wait_sum_ns;
		if (!cur)
			continue;
		/*
		 * A container task on this CPU right now: add its slice so far.
		 * cpustats was read before cpucur, so a slice that ended in
		 * between is in neither, never in both.
		 */
		if (cur[c].valid && cur[c].slot == slot && cur[c].gen == s->gen && cur[c].pid > 0) {
			uint64_t now_exec = exec_runtime_of(cur[c].pid);

			if (now_exec > cur[c].exec_at_in)
				exec += now_exec - cur[c].exec_at_in;
		}
		if (c < f->nr_cpus)
			split_cputime(exec, cs->user_tick_ns, cs->system_tick_ns,
				      &f->cpu[c].user_ns, &f->cpu[c].system_ns);
	}
	memcpy(f->avenrun, s->avenrun, sizeof(f->avenrun));
	f->load_samples = s->samples;
	f->last_active = s->last_active;
	f->last_pid = s->last_pid;
	f->enabled_ns = s->enabled_ns;
	f->start_boot_ns = s->start_boot_ns;
}

/* The kernel's ENOTSUPP (not in the uapi): a map type without batch operations. */
#define KERNEL_ENOTSUPP 524

int figures_read_stats(const struct kava_state *st, uint32_t first, uint32_t n,
		       struct kava_cpustats *out)
{
	uint32_t keys[FIGURES_STATS_MAX], prev = first - 1, next = 0, count = n;

	if (n > FIGURES_STATS_MAX)
		return -EINVAL;
	/*
	 * generic_map_lookup_batch(): in_batch is the key before the first
	 * one read (none: from key 0), each value every possible CPU's.
	 */
	if (bpf_map_lookup_batch(st->cpustats_fd, first ? &prev : NULL, &next, keys, out, &count,
				 NULL) < 0 && errno != ENOENT)
		return errno == EINVAL || errno == KERNEL_ENOTSUPP || errno == EOPNOTSUPP ?
		       -EOPNOTSUPP : -errno;
	return (int)count;
}

int figures_read_cur(const struct kava_state *st, struct kava_cpucur *out)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(st->cpucur_fd, &zero, out) < 0 ? -errno : 0;
}
