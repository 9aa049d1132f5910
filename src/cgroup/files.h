/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the renderers are given: a container's limits and usage, normalized
 * from cgroup v2 files or v1 controllers. Filled by src/limits.c; every
 * field is in bytes (or counts), UINT64_MAX meaning "no limit".
 */
#ifndef KAVA_RENDER_INPUTS_H
#define KAVA_RENDER_INPUTS_H

#include <stdint.h>
#include "cgroup/cpuset.h"

#define KAVA_UNLIMITED UINT64_MAX

struct mem_stat {              /* memory.stat, v2 names (v1 total_* mapped onto them) */
	uint64_t anon, file, shmem, file_mapped, file_dirty, file_writeback;
	uint64_t active_anon, inactive_anon, active_file, inactive_file, unevictable;
	uint64_t slab_reclaimable, slab_unreclaimable, kernel_stack, pagetables;
	uint64_t anon_thp, shmem_thp, swapcached;
	uint64_t file_thp, percpu, sec_pagetables, vmalloc, zswap, zswapped;	/* v2 only */
};

struct mem_limits {
	uint64_t limit;            /* smallest memory limit of the cgroup and its ancestors */
	uint64_t usage;            /* memory.current / memory.usage_in_bytes */
	uint64_t swap_limit;       /* smallest swap limit; 0: cannot swap */
	uint64_t swap_usage;
	int swap_known;            /* 0: no swap accounting, the host's swap is shown */
	struct mem_stat stat;
};

struct cpu_limits {
	struct cpuset effective;   /* cpuset.cpus.effective (or the host's online CPUs) */
	int64_t quota_us;          /* tightest cpu.max quota on the path, -1: none */
	uint64_t period_us;
};

/* One device's I/O as io.stat (v2) or blkio (v1) count it. */
struct io_dev {
	unsigned int major, minor;
	uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};

struct io_stats {
	unsigned int n;
	struct io_dev dev[64];
};

/* Parse memory.stat text (v2 names, or v1 with total_* hierarchy figures). */
void mem_stat_parse(const char *text, int v1, struct mem_stat *out);

/* Parse a v2 memory.max / swap.max style value: "max" or a number. */
uint64_t parse_limit(const char *text);

/* Parse io.stat (v2) into devices. */
void io_stat_parse_v2(const char *text, struct io_stats *out);

/* Parse blkio.throttle.io_service_bytes and io_serviced (v1). */
void io_stat_parse_v1(const char *bytes_text, const char *ios_text, struct io_stats *out);

/* Parse cpu.max ("max 100000" or "50000 100000"). */
void cpu_max_parse(const char *text, int64_t *quota_us, uint64_t *period_us);

#endif
