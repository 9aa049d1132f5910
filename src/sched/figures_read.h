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

#endif
