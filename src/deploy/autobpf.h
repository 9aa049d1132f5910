/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpf/autoenable.bpf.c from userspace: load and attach it (per agent, not
 * pinned), receive its cgroup mkdir/rmdir and watched-exec events from the
 * ring buffer, and keep the set of cgroups whose exec events are wanted.
 */
#ifndef KAVA_DEPLOY_AUTOBPF_H
#define KAVA_DEPLOY_AUTOBPF_H

#include <stddef.h>
#include <stdint.h>

#include "kava_auto.h"

struct auto_bpf;

/* Called for each event; `path` is "" for exec events. Return 0 to go on. */
typedef int (*auto_event_fn)(const struct kava_auto_event *e, const char *path, void *ctx);

/* Load, attach, set up the ring buffer. 0, or -errno with one line in why. */
int auto_bpf_open(struct auto_bpf **out, auto_event_fn fn, void *ctx, char *why,
		  size_t why_size);

/* A descriptor that polls readable when events wait. */
int auto_bpf_fd(const struct auto_bpf *a);

/* Deliver every waiting event to fn; returns how many, or -errno. */
int auto_bpf_consume(struct auto_bpf *a);

/* Want (on) or stop wanting exec events of tasks under cgroup `id`. */
int auto_bpf_watch(struct auto_bpf *a, uint64_t id, int on);

/* Events lost so far because the ring buffer was full. */
uint64_t auto_bpf_lost(const struct auto_bpf *a);

void auto_bpf_close(struct auto_bpf *a);

#endif
