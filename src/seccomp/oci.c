// SPDX-License-Identifier: GPL-2.0
/* Receiving a container's seccomp listener from an OCI runtime (see oci.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "seccomp/oci.h"

#define STATE_MAX (64 * 1024)
#define FDS_MAX 16

/* The string value of the first "key" at or after `from`, JSON escapes kept as sent. */
static int json_string(const char *from, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p, *q;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(from, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	p += strspn(p, " \t\r\n");
	if (*p++ != ':')
		return -1;
	p += strspn(p, " \t\r\n");
	if (*p++ != '"')
		return -1;
	for (q = p; *q && *q != '"'; q++)
		if (*q == '\\' && q[1])
			q++;
	n = (size_t)(q - p) < size - 1 ? (size_t)(q - p) : size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

void oci_state_fields(const char *json, char *id, size_t id_size, int *pid)
{
	const char *state = strstr(json, "\"state\"");
	const char *p = strstr(json, "\"pid\"");

	if (!state || json_string(state, "id", id, id_size) < 0)
		snprintf(id, id_size, "?");
	*pid = 0;
	if (p) {
		p += strlen("\"pid\"");
		p += strspn(p, " \t\r\n:");
		*pid = atoi(p);
	}
}

int oci_is_seccomp_listener(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:seccomp notify");
}

/* Keep the first seccomp listener among the passed descriptors; close the rest. */
static void take_fds(struct msghdr *mh, struct oci_handover *h)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (h->notify_fd < 0 && oci_is_seccomp_listener(fd))
				h->notify_fd = fd;
			else
				close(fd);
		}
	}
}

int oci_pending_init(struct oci_pending *p, int conn)
{
	memset(p, 0, sizeof(*p));
	p->conn = conn;
	p->h.notify_fd = -1;
	snprintf(p->h.id, sizeof(p->h.id), "?");
	p->json = malloc(STATE_MAX + 1);
	return p->json ? 0 : -ENOMEM;
}

int oci_pending_read(struct oci_pending *p)
{
	while (p->len < STATE_MAX) {
		char control[CMSG_SPACE(sizeof(int) * FDS_MAX)];
		struct iovec iov = { .iov_base = p->json + p->len, .iov_len = STATE_MAX - p->len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
				     .msg_controllen = sizeof(control) };
		ssize_t n = recvmsg(p->conn, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;	/* more to come: the runtime has not closed yet */
		if (n <= 0)
			return 1;	/* closed (or failed): what came is all there is */
		take_fds(&mh, &p->h);
		p->len += (size_t)n;
	}
	return 1;
}

int oci_pending_finish(struct oci_pending *p, struct oci_handover *h)
{
	if (p->json) {
		p->json[p->len] = '\0';
		oci_state_fields(p->json, p->h.id, sizeof(p->h.id), &p->h.pid);
	}
	*h = p->h;
	if (p->conn >= 0)
		close(p->conn);
	free(p->json);
	p->json = NULL;
	p->conn = -1;
	return h->notify_fd >= 0 ? 0 : -EPROTO;
}
