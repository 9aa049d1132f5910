/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Answering one seccomp user notification: sysinfo(2) from a task in an
 * enabled container gets the container's struct sysinfo written into its
 * memory and returns 0; everything else continues into the kernel
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE), as if no filter had asked.
 */
#ifndef KAVA_SECCOMP_NOTIFY_H
#define KAVA_SECCOMP_NOTIFY_H

#include <linux/seccomp.h>
#include <sys/sysinfo.h>
#include <stdint.h>
#include "sched/state.h"

struct view_source;

struct seccomp_ctx {
	const struct kava_state *st;
	const struct view_source *src;
	const char *cgroup2_mount;
	uint64_t answered;        /* sysinfo(2) answered for a container */
	uint64_t continued;       /* let through to the kernel */
	uint64_t gone;            /* the caller died or was interrupted meanwhile */
};

/*
 * What to do with request `req`: 1 when it is a native-ABI sysinfo(2) by a
 * task in an enabled container (then *si holds the answer), 0 when the
 * kernel should answer it (another call, another ABI, a task outside every
 * container, or a container that vanished meanwhile).
 */
int seccomp_wants_answer(struct seccomp_ctx *ctx, const struct seccomp_notif *req,
			 struct sysinfo *si);

/* Does request `req` ask for sysinfo(2) in this kernel's native ABI? (pure) */
int seccomp_is_native_sysinfo(const struct seccomp_notif *req);

/*
 * Decide `req` and fill `resp`, writing the answer into the caller through
 * `mem_fd` (its /proc/PID/mem, opened and checked against the request id by
 * the caller of this function). A write that fails answers EFAULT, as the
 * kernel's copy_to_user() would.
 */
void seccomp_decide(struct seccomp_ctx *ctx, const struct seccomp_notif *req, int mem_fd,
		    struct seccomp_notif_resp *resp);

/*
 * Answer request `req` received on listener `notify_fd` (OCI runtimes hand
 * kava the listener itself): open the caller's memory, make sure the
 * request is still live (a recycled pid is not the caller), decide, send.
 * Returns 0, or -ENOENT when the caller is gone (nothing to answer).
 */
int seccomp_answer(struct seccomp_ctx *ctx, int notify_fd, const struct seccomp_notif *req);

#endif
