// SPDX-License-Identifier: GPL-2.0
/* The kernel's cputime arithmetic, mirrored (kernel/sched/cputime.c). */
#include "sched/cputime.h"

void split_cputime(uint64_t exec_ns, uint64_t user_ticks, uint64_t system_ticks,
		   uint64_t *user_ns, uint64_t *system_ns)
{
	if (system_ticks == 0) {
		*user_ns = exec_ns;
	} else if (user_ticks == 0) {
		*user_ns = 0;
	} else {
		/* exec * u / (u + s) without overflow: the kernel's mul_u64_u64_div_u64() */
		*user_ns = (uint64_t)((unsigned __int128)exec_ns * user_ticks /
				      (user_ticks + system_ticks));
	}
	*system_ns = exec_ns - *user_ns;
}

void cputime_keep_monotonic(uint64_t last_user, uint64_t last_system, uint64_t *user,
			    uint64_t *system)
{
	uint64_t busy = *user + *system, last_busy = last_user + last_system;

	if (busy < last_busy)
		busy = last_busy;
	if (*system < last_system)
		*system = last_system;
	*user = busy - *system;
	if (*user < last_user) {
		*user = last_user;
		*system = busy - *user;
	}
}
