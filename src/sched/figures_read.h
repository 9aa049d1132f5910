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

/*
 * Split exec time into user and system in proportion to the tick-sampled
 * utime/stime, as the kernel's cputime_adjust() scales them (all user when
 * no tick landed in system, all system when none landed in user).
 */
void split_cputime(uint64_t exec_ns, uint64_t user_ticks, uint64_t system_ticks,
		   uint64_t *user_ns, uint64_t *system_ns);

#endif
