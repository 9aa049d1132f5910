/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PSI triggers written to the view's proc/pressure/{cpu,memory,io}: the
 * kernel's syntax and limits (kernel/sched/psi.c: psi_write() and
 * psi_trigger_create(); Documentation/accounting/psi.rst), as a pure
 * function. The agent then registers the same trigger on the container's
 * own cgroup pressure file, where the kernel checks it once more.
 */
#ifndef KAVA_VIEW_PSI_TRIGGER_H
#define KAVA_VIEW_PSI_TRIGGER_H

#include <stddef.h>
#include <stdint.h>

#define PSI_TRIGGER_BUF 32              /* psi_write() reads at most this much */
#define PSI_WINDOW_MAX_US 10000000u     /* WINDOW_MAX_US */
#define PSI_UNPRIV_WINDOW_US 2000000u   /* unprivileged writers: multiples of 2 s */

struct psi_trigger {
	int full;                 /* "full" (1) or "some" (0) */
	uint32_t stall_us;        /* threshold */
	uint32_t window_us;
	char text[PSI_TRIGGER_BUF];   /* the trigger as the kernel reads it */
};

/*
 * Parse `n` bytes a reader wrote as /proc/pressure/X's psi_write() does: at
 * most 32 bytes, the last one of them replaced by the end of the string
 * (so "some 150000 1000000" written without its NUL loses its last digit,
 * as it would on the kernel's file). `privileged`: the writer holds
 * CAP_SYS_RESOURCE (others may only use windows of whole 2 s). 0, or
 * -EINVAL as the kernel answers bad input.
 */
int psi_trigger_parse(const char *buf, size_t n, int privileged, struct psi_trigger *out);

#endif
