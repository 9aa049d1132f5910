/* SPDX-License-Identifier: GPL-2.0 */
/* CPU sets as the kernel writes them: "0-3,8,10-11". */
#ifndef KAVA_CPULIST_H
#define KAVA_CPULIST_H

#include <stdint.h>
#include "sched/figures.h"
#include "common/kbuf.h"

struct cpuset {
	uint64_t bits[KAVA_MAX_CPUS / 64];
};

/* Parse a cpulist; surrounding whitespace allowed, empty means empty. -EINVAL on bad text. */
int cpuset_parse(const char *text, struct cpuset *set);
void cpuset_format(const struct cpuset *set, struct kbuf *out);   /* "0-3,8\n" */
/* "f,ffffffff\n": a cpumask file (thread_siblings) for nbits possible CPUs */
void cpuset_format_mask(const struct cpuset *set, int nbits, struct kbuf *out);
int cpuset_count(const struct cpuset *set);
int cpuset_has(const struct cpuset *set, int cpu);
void cpuset_add(struct cpuset *set, int cpu);

/*
 * The CPUs a container sees: its effective cpuset, cut to the first
 * ceil(quota / period) of them when the tightest cpu.max (or cfs_quota_us)
 * on the container's path, limits_read_cpu()'s quota, is lower.
 * quota_us <= 0 means no quota.
 */
void cpuset_visible(const struct cpuset *effective, int64_t quota_us, uint64_t period_us,
		    struct cpuset *visible);

#endif
