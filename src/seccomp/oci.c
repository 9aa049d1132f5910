// SPDX-License-Identifier: GPL-2.0
/* Receiving a container's seccomp listener from an OCI runtime (see oci.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
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

int oci_receive(int conn, struct oci_handover *h)
{
	struct timeval tv = { .tv_sec = 5 };
	char *json = malloc(STATE_MAX + 1);
	size_t len = 0;

	h->notify_fd = -1;
	h->pid = 0;
	snprintf(h->id, sizeof(h->id), "?");
	if (!json)
		return -ENOMEM;
	/* the runtime writes everything at once; a silent peer must not stall the thread */
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (len < STATE_MAX) {
		char control[CMSG_SPACE(sizeof(int) * FDS_MAX)];
		struct iovec iov = { .iov_base = json + len, .iov_len = STATE_MAX - len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
				     .msg_controllen = sizeof(control) };
		ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		take_fds(&mh, h);
		len += (size_t)n;
	}
	json[len] = '\0';
	oci_state_fields(json, h->id, sizeof(h->id), &h->pid);
	free(json);
	return h->notify_fd >= 0 ? 0 : -EPROTO;
}
