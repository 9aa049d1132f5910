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

#endif
