/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /proc/stat cpuN lines each enabled container was shown last, so the
 * next render keeps every counter at or above them (stat_cpu_lines()); the
 * metrics keep their CPU seconds per host CPU in a history of their own.
 */
#ifndef KAVA_VIEW_CPU_HISTORY_H
#define KAVA_VIEW_CPU_HISTORY_H

#include <pthread.h>
#include <stdint.h>

#include "view/render/render.h"

struct cpu_history_entry {
	uint64_t cgroup_id;        /* with gen: which container the lines were for */
	uint32_t gen;
	int n;
	struct cpu_ticks *lines;   /* n lines, or NULL */
};

struct cpu_history {
	pthread_mutex_t lock;
	struct cpu_history_entry *slot;   /* KAVA_MAX_CONTAINERS entries, by slot */
};

int cpu_history_init(struct cpu_history *h);
void cpu_history_free(struct cpu_history *h);

/*
 * The cpuN lines for `in` (stat_cpu_lines()) kept monotonic against what
 * slot `slot` (cgroup_id, gen) was shown last, and remembered as the new
 * last. Under one lock, so concurrent readers of one container never see
 * its counters go back whatever order their figures were read in. *lines
 * is the caller's to free. A slot reused by another container starts afresh.
 */
int cpu_history_lines(struct cpu_history *h, uint32_t slot, uint64_t cgroup_id, uint32_t gen,
		      struct stat_inputs *in, struct cpu_ticks **lines, int *n);

/*
 * The same for lines the caller made (any unit; metrics: ns per host CPU):
 * each of the n lines kept at or above slot `slot`'s last ones
 * (cpu_ticks_keep_monotonic()) when it had as many, then remembered.
 */
void cpu_history_keep(struct cpu_history *h, uint32_t slot, uint64_t cgroup_id, uint32_t gen,
		      struct cpu_ticks *lines, int n);

#endif
