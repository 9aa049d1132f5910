/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kava's seccomp listener: a thread of `kava run` that takes containers'
 * seccomp notify descriptors from OCI runtimes (linux.seccomp.listenerPath)
 * and LXC's notification proxy connections (lxc.seccomp.notify.proxy), and
 * answers their sysinfo(2) calls (notify.h).
 *
 * Under a service manager every descriptor it holds (the listening
 * sockets, each container's listener, each LXC connection, and a small
 * memfd that records the request being answered per listener) goes to the
 * fd store, so neither a restart nor a crash of the agent closes them: the
 * containers' calls wait for the next agent instead of failing with ENOSYS,
 * and a request a crashed agent had taken but not answered is answered by
 * the next one.
 */
#ifndef KAVA_SECCOMP_SERVER_H
#define KAVA_SECCOMP_SERVER_H

#include <stddef.h>
#include "sched/state.h"

struct view_source;
struct seccomp_server;

struct seccomp_server_opts {
	const char *oci_path;      /* SOCK_STREAM socket for OCI runtimes, or NULL */
	const char *lxc_path;      /* SOCK_SEQPACKET socket for LXC's proxy, or NULL */
};

/* Start serving (adopting what a previous agent stored). NULL with `why` on failure. */
struct seccomp_server *seccomp_server_start(const struct kava_state *st,
					    const struct view_source *src,
					    const struct seccomp_server_opts *o, char *why,
					    size_t why_size);

/* Stop the thread; descriptors stay in the fd store (or close, without one). */
void seccomp_server_stop(struct seccomp_server *s);

#endif
