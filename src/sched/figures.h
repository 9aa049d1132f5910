/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One container's figures as kava's BPF programs keep them, summed over CPUs
 * and ready for display: the input the renderers and `kava stat` share.
 * Filled by figures_read() (src/figures.c) from the pinned maps.
 */
#ifndef KAVA_FIGURES_H
#define KAVA_FIGURES_H

#include <stdint.h>
#include "kava.h"

#define KAVA_MAX_CPUS 1024

struct kava_cpu_time {
	uint64_t user_ns;     /* exec time split by the tick-sampled user share */
	uint64_t system_ns;
};

struct kava_figures {
	uint64_t cgroup_id;
	unsigned int nr_cpus;               /* host possible CPUs; cpu[] entries used */
	struct kava_cpu_time cpu[KAVA_MAX_CPUS]; /* indexed by host CPU number */
	int64_t nr_running;                 /* runnable tasks, incl. those on CPU */
	int64_t nr_uninterruptible;         /* D-state tasks counting for load */
	int64_t nr_iowait;                  /* procs_blocked as /proc/stat means it */
	int64_t nr_threads;                 /* live tasks */
	uint64_t switches;
	uint64_t forks;
	uint64_t avenrun[3];                /* fixed point, FSHIFT 11 */
	uint64_t load_samples;
	int64_t last_active;                /* tasks counted at the last sample */
	uint32_t last_pid;
	uint64_t enabled_ns;                /* CLOCK_MONOTONIC when enabled */
	uint64_t start_boot_ns;             /* CLOCK_BOOTTIME origin of the container's uptime */
	uint64_t wait_hist[KAVA_HIST_BUCKETS];
	uint64_t wait_sum_ns;               /* the waits of wait_hist added up */
};

#endif
