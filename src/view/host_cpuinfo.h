/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's /proc/cpuinfo, kept while its text cannot have changed, for the
 * views' cpuinfo. See host_cpuinfo.c for when that is.
 */
#ifndef KAVA_VIEW_HOST_CPUINFO_H
#define KAVA_VIEW_HOST_CPUINFO_H

#include <stdint.h>

#include "cgroup/cpuset.h"

/* How long a fixed text is reused at most: a late microcode load shows after this. */
#define HOST_CPUINFO_KEEP_NS (10ull * 1000000000ull)

/*
 * Can this host's cpuinfo text (as read, whole or its first blocks) change
 * other than by CPUs coming or going? Not where its "cpu MHz" moves: CPUs
 * flagged "aperfmperf", or `has_cpufreq` (a cpufreq policy exists). Pure.
 */
int host_cpuinfo_fixed(const char *text, int has_cpufreq);

/* May a kept text be reused: fixed, younger than HOST_CPUINFO_KEEP_NS, every visible block in it. Pure. */
int host_cpuinfo_reusable(int fixed, uint64_t age_ns, int has_blocks);

/*
 * render_cpuinfo() of the host's text for `visible`: the kept text where
 * host_cpuinfo_reusable(), else read afresh (and kept, where fixed).
 * Thread-safe. Errors as fdcache_read() and render_cpuinfo().
 */
int host_cpuinfo_render(const struct cpuset *visible, char **out, size_t *len);

/*
 * Forget the kept text and read `cpuinfo` (NULL: /proc/cpuinfo) and
 * `cpufreq_dir` (NULL: /sys/devices/system/cpu/cpufreq) from now on; for tests.
 */
void host_cpuinfo_reset(const char *cpuinfo, const char *cpufreq_dir);

#endif /* KAVA_VIEW_HOST_CPUINFO_H */
