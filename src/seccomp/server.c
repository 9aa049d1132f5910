// SPDX-License-Identifier: GPL-2.0
/* kava's seccomp listener thread (see server.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/fdstore.h"
#include "common/util.h"
#include "seccomp/lxc.h"
#include "seccomp/notify.h"
#include "seccomp/oci.h"
#include "seccomp/server.h"
#include "view/content.h"

#define SC_SLOTS 1024            /* containers served at once, per kind */
#define SC_PENDING 64            /* OCI runtimes handing a listener over at once */
#define SC_SLOT_SIZE 256         /* room for the kernel's struct seccomp_notif */
#define STATE_NAME "kava-sc-state"
#define OCI_NAME "kava-sc-oci"
#define LXC_NAME "kava-sc-lxc"
#define NOTIFY_PREFIX "kava-sc-n"  /* + slot: a container's listener */
#define CONN_PREFIX "kava-sc-x"    /* + slot: an LXC proxy connection */

enum ev_kind { EV_STOP = 1, EV_OCI, EV_LXC, EV_NOTIFY, EV_CONN, EV_HANDOVER };

struct seccomp_server {
	struct seccomp_ctx ctx;
	struct seccomp_server_opts o;
	int epfd, stopfd, oci_fd, lxc_fd;
	unsigned char *state;          /* SC_SLOTS requests, in a memfd the fd store keeps */
	int notify[SC_SLOTS];          /* container listeners (OCI), -1 when free */
	int conn[SC_SLOTS];            /* LXC proxy connections, -1 when free */
	struct oci_pending pend[SC_PENDING];   /* handovers under way; conn -1 when free */
	pthread_t thread;
};

static uint64_t ev_data(enum ev_kind k, int i)
{
	return (uint64_t)k << 32 | (uint32_t)i;
}

static int watch(struct seccomp_server *s, int fd, enum ev_kind k, int i)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ev_data(k, i) };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void slot_name(char *name, size_t size, const char *prefix, int i)
{
	snprintf(name, size, "%s%d", prefix, i);
}

static struct seccomp_notif *slot_req(struct seccomp_server *s, int i)
{
	return (struct seccomp_notif *)(void *)(s->state + (size_t)i * SC_SLOT_SIZE);
}

/* The request record: a memfd that outlives the agent in the fd store. */
static int open_state(struct seccomp_server *s, char *why, size_t why_size)
{
	size_t size = (size_t)SC_SLOTS * SC_SLOT_SIZE;
	struct seccomp_notif_sizes sizes;
	int fd = fdstore_take(STATE_NAME);

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0 ||
	    sizes.seccomp_notif > SC_SLOT_SIZE) {
		snprintf(why, why_size, "seccomp user notification is not available: %s",
			 strerror(errno ? errno : EOVERFLOW));
		return -ENOSYS;
	}
	if (fd < 0) {
		fd = memfd_create(STATE_NAME, MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
			snprintf(why, why_size, "cannot create the seccomp state: %s", strerror(errno));
			return -errno;
		}
		if (fdstore_put(fd, STATE_NAME) < 0)
			fprintf(stderr, "kava: run: seccomp: the service manager refused the state\n");
	}
	s->state = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);	/* the mapping and the stored copy keep it */
	if (s->state == MAP_FAILED) {
		s->state = NULL;
		snprintf(why, why_size, "cannot map the seccomp state: %s", strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

/* Is `fd` a listening unix socket of `type` bound at `path`? */
static int is_our_socket(int fd, const char *path, int type)
{
	struct sockaddr_un a = { 0 };
	socklen_t len = sizeof(a);
	int t = 0;
	socklen_t tlen = sizeof(t);
	struct stat sb;

	return getsockname(fd, (struct sockaddr *)&a, &len) == 0 && a.sun_family == AF_UNIX &&
	       !strncmp(a.sun_path, path, sizeof(a.sun_path)) &&
	       getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tlen) == 0 && t == type &&
	       stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

/* The listening socket at `path`: the one a previous agent stored, or a new one. */
static int open_listener(const char *path, int type, const char *name, char *why, size_t why_size)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = fdstore_take(name);
	char dir[sizeof(a.sun_path)], *slash;

	if (fd >= 0 && is_our_socket(fd, path, type))
		return fd;
	if (fd >= 0) {
		close(fd);
		fdstore_remove(name);
	}
	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(why, why_size, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (make_dirs(dir, 0755) < 0) {
			snprintf(why, why_size, "cannot create %s: %s", dir, strerror(errno));
			return -errno;
		}
	}
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, why_size, "cannot create a socket: %s", strerror(errno));
		return -errno;
	}
	unlink(path);	/* a previous agent's socket nobody keeps any more */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 128) < 0) {
		snprintf(why, why_size, "cannot listen at %s: %s", path, strerror(errno));
		close(fd);
		return -EADDRINUSE;
	}
	if (fdstore_put(fd, name) < 0)
		fprintf(stderr, "kava: run: seccomp: the service manager refused %s\n", path);
	return fd;
}

static int free_slot(const int *table)
{
	int i;

	for (i = 0; i < SC_SLOTS; i++)
		if (table[i] < 0)
			return i;
	return -1;
}

/* Keep descriptor `fd` in slot i of `table` and in the fd store. */
static int keep(struct seccomp_server *s, int *table, enum ev_kind k, const char *prefix, int i,
		int fd, int store)
{
	char name[64];

	if (watch(s, fd, k, i) < 0)
		return -1;
	table[i] = fd;
	slot_name(name, sizeof(name), prefix, i);
	if (store && fdstore_put(fd, name) < 0)
		fprintf(stderr, "kava: run: seccomp: the service manager refused %s (is "
			"FileDescriptorStoreMax= large enough?)\n", name);
	return 0;
}

static void forget(struct seccomp_server *s, int *table, const char *prefix, int i)
{
	char name[64];

	epoll_ctl(s->epfd, EPOLL_CTL_DEL, table[i], NULL);
	close(table[i]);
	table[i] = -1;
	slot_name(name, sizeof(name), prefix, i);
	fdstore_remove(name);
}

/*
 * Tests make the agent die right after taking a request (the window a crash
 * can hit): KAVA_TEST_SECCOMP_CRASH names a file; while it exists, the
 * agent removes it and kills itself with the request taken, unanswered.
 */
static void crash_point_for_tests(void)
{
	const char *path = getenv("KAVA_TEST_SECCOMP_CRASH");

	if (path && unlink(path) == 0)
		raise(SIGKILL);
}

/* A container's listener: take the next request into its slot and answer it. */
static void serve_notify(struct seccomp_server *s, int i, uint32_t events)
{
	struct seccomp_notif *req = slot_req(s, i);

	if (events & EPOLLIN) {
		/* the kernel wants a zeroed buffer; it writes the request straight into the
		 * record, so a crash after this ioctl still leaves it for the next agent */
		memset(req, 0, SC_SLOT_SIZE);
		if (ioctl(s->notify[i], SECCOMP_IOCTL_NOTIF_RECV, req) == 0) {
			crash_point_for_tests();
			seccomp_answer(&s->ctx, s->notify[i], req);
			return;
		}
	}
	if (events & (EPOLLHUP | EPOLLERR)) {
		/* every task of the filter is gone: the container exited */
		forget(s, s->notify, NOTIFY_PREFIX, i);
	}
}

/* A handover is complete: serve the container's listener it brought. */
static void take_handover(struct seccomp_server *s, int k)
{
	struct oci_handover h;
	int i;

	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->pend[k].conn, NULL);
	if (oci_pending_finish(&s->pend[k], &h) < 0) {
		fprintf(stderr, "kava: run: seccomp: a runtime connected but sent no seccomp "
			"listener\n");
		return;
	}
	i = free_slot(s->notify);
	if (i < 0 || keep(s, s->notify, EV_NOTIFY, NOTIFY_PREFIX, i, h.notify_fd, 1) < 0) {
		fprintf(stderr, "kava: run: seccomp: cannot serve container %s: %s\n", h.id,
			i < 0 ? "too many containers" : strerror(errno));
		close(h.notify_fd);
		return;
	}
	memset(slot_req(s, i), 0, SC_SLOT_SIZE);
	fprintf(stderr, "kava: run: seccomp: serving container %s (pid %d)\n", h.id, h.pid);
}

/*
 * An OCI runtime connected. What it sends is read as it comes (EV_HANDOVER):
 * runc sends at once, but crun's helper connects when the container starts
 * and sends only once the container's filter exists, seconds later on a
 * loaded host; meanwhile other containers' calls and handovers go on.
 */
static void accept_oci(struct seccomp_server *s)
{
	int fd, k;

	fd = accept4(s->oci_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (k = 0; k < SC_PENDING && s->pend[k].conn >= 0; k++)
		;
	if (k == SC_PENDING) {
		fprintf(stderr, "kava: run: seccomp: %d runtimes are handing over at once: one "
			"more refused\n", SC_PENDING);
		close(fd);
		return;
	}
	if (oci_pending_init(&s->pend[k], fd) < 0 || watch(s, fd, EV_HANDOVER, k) < 0) {
		fprintf(stderr, "kava: run: seccomp: cannot take a runtime's handover: %s\n",
			strerror(errno ? errno : ENOMEM));
		free(s->pend[k].json);
		s->pend[k].json = NULL;
		s->pend[k].conn = -1;
		close(fd);
	}
}

static void accept_lxc(struct seccomp_server *s)
{
	int fd = accept4(s->lxc_fd, NULL, NULL, SOCK_CLOEXEC), i;

	if (fd < 0)
		return;
	i = free_slot(s->conn);
	if (i < 0 || keep(s, s->conn, EV_CONN, CONN_PREFIX, i, fd, 1) < 0) {
		close(fd);
		return;
	}
	fprintf(stderr, "kava: run: seccomp: an LXC monitor connected\n");
}

static void *serve(void *arg)
{
	struct seccomp_server *s = arg;
	struct epoll_event ev[16];
	int n, k;

	for (;;) {
		n = epoll_wait(s->epfd, ev, 16, -1);
		for (k = 0; k < n; k++) {
			enum ev_kind kind = (enum ev_kind)(ev[k].data.u64 >> 32);
			int i = (int)(uint32_t)ev[k].data.u64;

			if (kind == EV_STOP)
				return NULL;
			if (kind == EV_OCI)
				accept_oci(s);
			else if (kind == EV_HANDOVER && s->pend[i].conn >= 0) {
				if (oci_pending_read(&s->pend[i]) != 0)
					take_handover(s, i);
			}
			else if (kind == EV_LXC)
				accept_lxc(s);
			else if (kind == EV_NOTIFY && s->notify[i] >= 0)
				serve_notify(s, i, ev[k].events);
			else if (kind == EV_CONN && s->conn[i] >= 0 &&
				 lxc_proxy_serve(&s->ctx, s->conn[i]) == -EPIPE)
				forget(s, s->conn, CONN_PREFIX, i);
		}
	}
}

/* Take back what a previous agent stored; answer requests it took and left. */
static int adopt(struct seccomp_server *s, const char *prefix, int *table, enum ev_kind k)
{
	char name[64], *end;
	int fd, adopted = 0;

	while ((fd = fdstore_take_prefix(prefix, name, sizeof(name))) >= 0) {
		long i = strtol(name + strlen(prefix), &end, 10);

		if (*end || i < 0 || i >= SC_SLOTS || table[i] >= 0 ||
		    keep(s, table, k, prefix, (int)i, fd, 0) < 0) {
			close(fd);
			fdstore_remove(name);
			continue;
		}
		adopted++;
		if (k == EV_NOTIFY && slot_req(s, (int)i)->id &&
		    ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &slot_req(s, (int)i)->id) == 0) {
			/* taken by the previous agent, never answered: still waiting */
			fprintf(stderr, "kava: run: seccomp: answering a request the previous "
				"agent left (listener %ld)\n", i);
			seccomp_answer(&s->ctx, fd, slot_req(s, (int)i));
		}
	}
	return adopted;
}

struct seccomp_server *seccomp_server_start(const struct kava_state *st,
					    const struct view_source *src,
					    const struct seccomp_server_opts *o, char *why,
					    size_t why_size)
{
	struct seccomp_server *s = calloc(1, sizeof(*s));
	int i, n;

	if (!s) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	s->o = *o;
	s->ctx.st = st;
	s->ctx.src = src;
	s->ctx.cgroup2_mount = src->cgroup2_mount;
	s->oci_fd = s->lxc_fd = -1;
	for (i = 0; i < SC_SLOTS; i++)
		s->notify[i] = s->conn[i] = -1;
	for (i = 0; i < SC_PENDING; i++)
		s->pend[i].conn = -1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->stopfd = eventfd(0, EFD_CLOEXEC);
	if (s->epfd < 0 || s->stopfd < 0 || watch(s, s->stopfd, EV_STOP, 0) < 0) {
		snprintf(why, why_size, "cannot set up epoll: %s", strerror(errno));
		goto fail;
	}
	if (open_state(s, why, why_size) < 0)
		goto fail;
	if (o->oci_path) {
		s->oci_fd = open_listener(o->oci_path, SOCK_STREAM, OCI_NAME, why, why_size);
		if (s->oci_fd < 0 || watch(s, s->oci_fd, EV_OCI, 0) < 0)
			goto fail;
	}
	if (o->lxc_path) {
		s->lxc_fd = open_listener(o->lxc_path, SOCK_SEQPACKET, LXC_NAME, why, why_size);
		if (s->lxc_fd < 0 || watch(s, s->lxc_fd, EV_LXC, 0) < 0)
			goto fail;
	}
	n = adopt(s, NOTIFY_PREFIX, s->notify, EV_NOTIFY);
	n += adopt(s, CONN_PREFIX, s->conn, EV_CONN);
	if (n)
		fprintf(stderr, "kava: run: seccomp: took over %d container listener(s) and "
			"connection(s) from the previous agent\n", n);
	if ((errno = pthread_create(&s->thread, NULL, serve, s)) != 0) {
		snprintf(why, why_size, "cannot start the seccomp thread: %s", strerror(errno));
		goto fail;
	}
	return s;
fail:
	for (i = 0; i < SC_SLOTS; i++) {
		if (s->notify[i] >= 0)
			close(s->notify[i]);
		if (s->conn[i] >= 0)
			close(s->conn[i]);
	}
	if (s->oci_fd >= 0)
		close(s->oci_fd);
	if (s->lxc_fd >= 0)
		close(s->lxc_fd);
	if (s->state)
		munmap(s->state, (size_t)SC_SLOTS * SC_SLOT_SIZE);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->stopfd >= 0)
		close(s->stopfd);
	free(s);
	return NULL;
}

void seccomp_server_stop(struct seccomp_server *s)
{
	uint64_t one = 1;
	int i;

	if (!s)
		return;
	if (write(s->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(s->thread, NULL);
	fprintf(stderr, "kava: run: seccomp: answered %llu sysinfo(2) calls, let %llu through\n",
		(unsigned long long)s->ctx.answered, (unsigned long long)s->ctx.continued);
	/* handovers under way are lost (not in the fd store): their runtimes fail */
	for (i = 0; i < SC_PENDING; i++) {
		struct oci_handover h;

		if (s->pend[i].conn >= 0 && oci_pending_finish(&s->pend[i], &h) == 0)
			close(h.notify_fd);
	}
	for (i = 0; i < SC_SLOTS; i++) {
		if (s->notify[i] >= 0)
			close(s->notify[i]);
		if (s->conn[i] >= 0)
			close(s->conn[i]);
	}
	/* without a service manager nobody keeps the sockets: remove their paths */
	if (!fdstore_available() && s->o.oci_path)
		unlink(s->o.oci_path);
	if (!fdstore_available() && s->o.lxc_path)
		unlink(s->o.lxc_path);
	if (s->oci_fd >= 0)
		close(s->oci_fd);
	if (s->lxc_fd >= 0)
		close(s->lxc_fd);
	munmap(s->state, (size_t)SC_SLOTS * SC_SLOT_SIZE);
	close(s->epfd);
	close(s->stopfd);
	free(s);
}
