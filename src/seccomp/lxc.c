// SPDX-License-Identifier: GPL-2.0
/* LXC's seccomp proxy protocol (see lxc.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "seccomp/lxc.h"
#include "seccomp/notify.h"

#define LXC_MSG_MAX 4096	/* header, request, response and a cookie of at most a few bytes */

int lxc_proxy_parse(const void *buf, size_t len, struct seccomp_notif *req,
		    struct lxc_proxy_layout *lay)
{
	struct lxc_proxy_msg msg;

	if (len < sizeof(msg))
		return -EPROTO;
	memcpy(&msg, buf, sizeof(msg));
	/* the kernel's structs may have grown, never shrunk below what we read */
	if (msg.reserved || msg.sizes.seccomp_notif < sizeof(*req) ||
	    msg.sizes.seccomp_notif_resp < sizeof(struct seccomp_notif_resp))
		return -EPROTO;
	lay->req_off = sizeof(msg);
	lay->resp_off = lay->req_off + msg.sizes.seccomp_notif;
	lay->reply_len = lay->resp_off + msg.sizes.seccomp_notif_resp;
	if (len < lay->reply_len || msg.cookie_len != len - lay->reply_len)
		return -EPROTO;
	memcpy(req, (const char *)buf + lay->req_off, sizeof(*req));
	return 0;
}

/* Receive (or peek at) one message and the descriptors that came with it. */
static ssize_t recv_msg(int conn, void *buf, size_t size, int fds[2], int flags)
{
	char control[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control) };
	struct cmsghdr *c;
	ssize_t n;
	int k = 0;

	fds[0] = fds[1] = -1;
	n = recvmsg(conn, &mh, flags | MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t i, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (k < 2)
				fds[k++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return n;
}

static void close_fds(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

int lxc_proxy_serve(struct seccomp_ctx *ctx, int conn)
{
	char buf[LXC_MSG_MAX], drop[LXC_MSG_MAX];
	struct seccomp_notif_resp resp;
	struct lxc_proxy_layout lay;
	struct seccomp_notif req;
	int fds[2], more[2], err = 0;
	ssize_t n;

	memset(buf, 0, sizeof(buf));
	n = recv_msg(conn, buf, sizeof(buf), fds, MSG_PEEK);
	if (n == 0)
		return -EPIPE;
	if (n == -EAGAIN || n == -EINTR)
		return -EAGAIN;
	if (n > 0 && lxc_proxy_parse(buf, (size_t)n, &req, &lay) == 0 && fds[1] >= 0) {
		/* LXC opened /proc/PID/mem and checked the request id after */
		seccomp_decide(ctx, &req, fds[1], &resp);
		memset(buf + lay.resp_off, 0, lay.reply_len - lay.resp_off);
		memcpy(buf + lay.resp_off, &resp, sizeof(resp));
		if (send(conn, buf, lay.reply_len, MSG_NOSIGNAL) != (ssize_t)lay.reply_len)
			err = -EPIPE;
	} else if (n < 0 && n != -EMSGSIZE) {
		err = (int)n;
	}	/* else not LXC's format: dropped below; LXC answers ENOSYS after its timeout */
	close_fds(fds);
	if (err < 0)
		return -EPIPE;	/* a connection that fails is done with */
	if (recv_msg(conn, drop, sizeof(drop), more, 0) >= 0)	/* now consume it */
		close_fds(more);
	return 0;
}
