/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LXC's seccomp proxy (lxc.seccomp.notify.proxy = unix:PATH): LXC's monitor
 * keeps the container's listener and forwards each notification over a
 * SOCK_SEQPACKET connection as struct seccomp_notify_proxy_msg, the request,
 * a response to fill and an optional cookie, with the caller's /proc/PID
 * directory and /proc/PID/mem as SCM_RIGHTS (lxc/src/lxc/seccomp.c,
 * seccomp_notify_handler(); LXC 4.0 and later). The proxy sends the same
 * message back (without the cookie) with the response filled in; LXC
 * answers the kernel with it.
 */
#ifndef KAVA_SECCOMP_LXC_H
#define KAVA_SECCOMP_LXC_H

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

struct seccomp_ctx;

/* LXC's struct seccomp_notify_proxy_msg, as it lays it out. */
struct lxc_proxy_msg {
	uint64_t reserved;
	int32_t monitor_pid;
	int32_t init_pid;
	struct seccomp_notif_sizes sizes;
	uint64_t cookie_len;
	/* followed by: seccomp_notif, seccomp_notif_resp, cookie */
};

/* Where the parts of one message are. */
struct lxc_proxy_layout {
	size_t req_off, resp_off;
	size_t reply_len;          /* what goes back: the message without its cookie */
};

/*
 * Check a message of `len` bytes and find its parts (pure). The request is
 * copied to *req. -EPROTO when it is not one LXC sends.
 */
int lxc_proxy_parse(const void *buf, size_t len, struct seccomp_notif *req,
		    struct lxc_proxy_layout *lay);

/*
 * Serve the next message queued on connection `conn`. The message is read
 * with MSG_PEEK and consumed only after the reply went out, so a message a
 * crashed agent had not answered is still there for the next one.
 * Returns 0, -EAGAIN when nothing is queued, -EPIPE when LXC hung up.
 */
int lxc_proxy_serve(struct seccomp_ctx *ctx, int conn);

#endif
