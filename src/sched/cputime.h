/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's cputime arithmetic (kernel/sched/cputime.c), for the figures
 * kava shows: exec time split into user and system, kept monotonic.
 */
#ifndef KAVA_SCHED_CPUTIME_H
#define KAVA_SCHED_CPUTIME_H

#include <stdint.h>

/*
 * Split exec time into user and system in proportion to the tick-sampled
 * utime/stime, as the kernel's cputime_adjust() scales them (all user when
 * no tick landed in system, all system when none landed in user).
 */
void split_cputime(uint64_t exec_ns, uint64_t user_ticks, uint64_t system_ticks,
		   uint64_t *user_ns, uint64_t *system_ns);

/*
 * Keep (*user, *system) at or above what was shown last, as cputime_adjust()
 * keeps utime and stime against prev_cputime: busy (their sum) never below
 * the last busy; system never below the last system and user = busy -
 * system, unless that takes user back, then user stays and system gets the
 * rest. Any unit (ns, ticks). A split that follows sampled ticks, and a
 * running task's time current to its last tick only, both wobble.
 */
void cputime_keep_monotonic(uint64_t last_user, uint64_t last_system, uint64_t *user,
			    uint64_t *system);

#endif
