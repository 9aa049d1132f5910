/* SPDX-License-Identifier: GPL-2.0 */
/* Reading one container's figures from kava's pinned maps. */
#ifndef KAVA_FIGURES_READ_H
#define KAVA_FIGURES_READ_H

#include <stdint.h>
#include "sched/state.h"
#include "sched/figures.h"

/*
 * Fill `f` for an enabled slot: per-CPU counters summed as signed 64-bit,
 * CPU time including the slice of tasks on CPU right now (from their
 * sum_exec_runtime in /proc/PID/schedstat), user/system split as
 * cputime_adjust() does.
 */
int figures_read(const struct kava_state *st, uint32_t slot, struct kava_figures *f);

/* Counts and load only: no CPU time (cpu[] left 0), one map lookup fewer. */
#define FIGURES_NO_CPUTIME 1

/*
 * As figures_read(), from slot `slot` whose kava_slot the caller has just
 * read (`s`): one lookup of kava_slots fewer, for the view, which reads it
 * to locate the container anyway. `flags`: 0 or FIGURES_NO_CPUTIME.
 */
int figures_read_from(const struct kava_state *st, uint32_t slot, const struct kava_slot *s,
		      int flags, struct kava_figures *f);

/*
 * Slots [first, first + n) of kava_cpustats in one system call (batched
 * lookup, 5.6+), n <= FIGURES_STATS_MAX: out[(slot - first) * st->nr_cpus
 * + cpu]. A metrics scrape of 1,000 containers made 3,000 lookups (the
 * slot, its stats, the CPUs' current tasks). Returns how many slots were
 * read, -EOPNOTSUPP where the kernel has no batched lookups (read each slot
 * then), or a negative errno.
 */
#define FIGURES_STATS_MAX 64
int figures_read_stats(const struct kava_state *st, uint32_t first, uint32_t n,
		       struct kava_cpustats *out);

/* kava_cpucur (st->nr_cpus entries): read after the stats it completes. */
int figures_read_cur(const struct kava_state *st, struct kava_cpucur *out);

/*
 * `f` for slot `slot` (`s` as read) from its per-CPU stats `cpus` and the
 * CPUs' current tasks `cur` read after them (NULL: no CPU time), as
 * figures_read_from() computes it. f->cpu[] past f->nr_cpus is left as it
 * was (figures_read_from() clears it all).
 */
void figures_of(const struct kava_state *st, uint32_t slot, const struct kava_slot *s,
		const struct kava_cpustats *cpus, const struct kava_cpucur *cur,
		struct kava_figures *f);

#endif
