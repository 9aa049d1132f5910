/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy events: reading kpol_events (the BPF ring buffer pinned under
 * <pin dir>/policy) and writing each event as a text line or a JSON line.
 * Events are consumed: two readers share them.
 */
#ifndef KAVA_EVENTS_H
#define KAVA_EVENTS_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "kava_policy.h"

struct events_opts {
	int follow;                        /* keep reading until *stop */
	int json;                          /* JSON lines instead of text */
	FILE *out;
	volatile sig_atomic_t *stop;       /* set by a signal handler; may be NULL */
};

/* Print pending events (and, with follow, new ones until *stop). Returns
 * the number printed, or a negative errno with one line in `why`. */
int events_run(const struct events_opts *o, char *why, size_t why_size);

/*
 * Write one event. `cgroup` and `container` are the paths of the task's
 * cgroup and of the policied cgroup (NULL: unknown); `real_ns` is the
 * event's time on CLOCK_REALTIME.
 */
void events_print(FILE *out, const struct kava_pol_event *e, int json, const char *cgroup,
		  const char *container, uint64_t real_ns);

/* "cgroup_dev", "file_open", "inode_mknod", "capable", or "?" */
const char *events_hook_name(unsigned int hook);


#endif
