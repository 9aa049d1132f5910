// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE view: PSI triggers on the proc/pressure files. A trigger a reader
 * writes is registered on its container's own cgroup pressure file (the
 * host's for readers outside containers), watched in one epoll set by a
 * thread, and forwarded to the reader's poll() as POLLPRI
 * (fuse_lowlevel_notify_poll).
 */
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/util.h"
#include "metrics/viewstats.h"
#include "view/fuse.h"
#include "view/fuse_handoff.h"
#include "view/handles.h"
#include "view/reader.h"
#include "view/psi_trigger.h"
#include "view/readrule.h"
#include "view/fuse_internal.h"

/* Does `pid` hold CAP_SYS_RESOURCE (psi_trigger_create()'s "privileged")? */
static int has_sys_resource(pid_t pid)
{
	char path[64], *status = NULL, *cap;
	unsigned long long eff = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, &status, NULL) == 0 && (cap = strstr(status, "\nCapEff:")) != NULL)
		eff = strtoull(cap + 9, NULL, 16);
	free(status);
	return (eff >> 24) & 1;	/* CAP_SYS_RESOURCE */
}

/*
 * A PSI trigger written to a pressure file (kernel/sched/psi.c psi_write():
 * one per open file, EBUSY for a second). It is checked as the kernel
 * checks it, then registered on the kernel file this reader's text comes
 * from (the container's cgroup <res>.pressure, the host's /proc/pressure
 * for readers outside containers), whose events psi_thread forwards as
 * POLLPRI (vf_poll()). Closing the file removes it.
 */
void vf_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct view_fuse *vfu = vf_of(req);
	const struct view_file *vf = vf_file_of(ino);
	struct open_file *of = handles_get(vf_handles(req), fi->fh);
	pid_t pid = fuse_req_ctx(req)->pid;
	struct kava_owner owner;
	struct psi_trigger trig;
	struct epoll_event ev = { .events = EPOLLPRI };
	char path[4096 + 32];
	int err, fd = -1;

	(void)off;
	if (!vf || !vf_is_pressure(vf->id) || !of) {
		/* an earlier agent's file: its trigger went with that agent */
		fuse_reply_err(req, of ? EROFS : EBADF);
		return;
	}
	err = psi_trigger_parse(buf, size, has_sys_resource(pid), &trig);
	if (!err && vf_reader_owner(req, &owner) < 0)
		owner.slot = KAVA_NO_SLOT;
	if (!err)
		err = view_pressure_source(vfu->src, vf->id, &owner, pid, path, sizeof(path));
	pthread_mutex_lock(&vfu->trig_lock);
	if (!err && (of->trig_fd >= 0 || of->trig_error))
		err = -EBUSY;
	if (!err) {
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		/* with its NUL: /proc/pressure drops the last byte written, cgroup files strip */
		if (fd < 0 || write(fd, trig.text, strlen(trig.text) + 1) < 0)
			err = -errno;
	}
	if (!err) {
		of->trig_serial = ++vfu->trig_serial;
		ev.data.u64 = (uint64_t)of->trig_serial << 32 | (uint32_t)fi->fh;
		if (epoll_ctl(vfu->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			err = -errno;
	}
	if (!err) {
		of->trig_fd = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&vfu->trig_lock);
	if (fd >= 0)
		close(fd);
	if (err < 0)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

/*
 * poll() of a view file. Pressure files answer as psi_trigger_poll() does:
 * POLLPRI once per trigger event, POLLERR|POLLPRI without a trigger; every
 * other file is always ready (DEFAULT_POLLMASK), as procfs and sysfs files.
 */
void vf_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		      struct fuse_pollhandle *ph)
{
	struct view_fuse *vfu = vf_of(req);
	const struct view_file *vf = vf_file_of(ino);
	unsigned int revents = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	struct open_file *of;

	if (vf && vf_is_pressure(vf->id)) {
		pthread_mutex_lock(&vfu->trig_lock);
		of = handles_get(vf_handles(req), fi->fh);
		if (!of || (of->trig_fd < 0 && !of->trig_error)) {
			revents |= POLLERR | POLLPRI;
		} else {
			if (of->trig_fired)
				revents |= POLLPRI;
			if (of->trig_error)
				revents |= POLLERR | POLLPRI;
			of->trig_fired = 0;
		}
		if (of && ph) {
			/* the kernel waits on the latest one: keep it for psi_thread */
			if (of->ph)
				fuse_pollhandle_destroy(of->ph);
			of->ph = ph;
			ph = NULL;
		}
		pthread_mutex_unlock(&vfu->trig_lock);
	}
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, revents);
}

/*
 * Forward trigger events: the kernel marks a trigger's file POLLPRI when the
 * stall crosses its threshold (psi_schedule_rtpoll_work()/window_update());
 * the reader waiting on the view's file is told through FUSE poll
 * notification, and its next poll sees POLLPRI.
 */
static void *psi_loop(void *arg)
{
	struct view_fuse *vfu = arg;
	struct epoll_event ev[16];
	int i, n;

	for (;;) {
		n = epoll_wait(vfu->epfd, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (i = 0; i < n; i++) {
			uint64_t fh = (uint64_t)vfu->handles.tag << 32 | (uint32_t)ev[i].data.u64;
			struct open_file *of;

			if (ev[i].data.u64 == UINT64_MAX)
				return NULL;	/* view_fuse_stop() */
			pthread_mutex_lock(&vfu->trig_lock);
			of = handles_get(&vfu->handles, fh);
			if (of && of->trig_fd >= 0 && of->trig_serial == ev[i].data.u64 >> 32) {
				of->trig_fired = 1;
				if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
					/* the cgroup went away: the trigger with it */
					of->trig_error = 1;
					epoll_ctl(vfu->epfd, EPOLL_CTL_DEL, of->trig_fd, NULL);
					close(of->trig_fd);
					of->trig_fd = -1;
				}
				if (of->ph)
					fuse_lowlevel_notify_poll(of->ph);
			}
			pthread_mutex_unlock(&vfu->trig_lock);
		}
	}
}

int vf_psi_start(struct view_fuse *vf)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	int err = -pthread_mutex_init(&vf->trig_lock, NULL);

	if (err < 0)
		return err;
	vf->epfd = epoll_create1(EPOLL_CLOEXEC);
	vf->stopfd = eventfd(0, EFD_CLOEXEC);
	if (vf->epfd < 0 || vf->stopfd < 0 ||
	    epoll_ctl(vf->epfd, EPOLL_CTL_ADD, vf->stopfd, &ev) < 0)
		err = -errno;
	if (!err)
		err = -pthread_create(&vf->psi_thread, NULL, psi_loop, vf);
	vf->psi_running = !err;
	return err;
}

/* Stop the PSI thread; its epoll set and the lock go too. */
void vf_psi_stop(struct view_fuse *vf)
{
	uint64_t one = 1;

	if (vf->psi_running && write(vf->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(vf->psi_thread, NULL);
	vf->psi_running = 0;
	if (vf->epfd >= 0)
		close(vf->epfd);
	if (vf->stopfd >= 0)
		close(vf->stopfd);
	vf->epfd = vf->stopfd = -1;
	pthread_mutex_destroy(&vf->trig_lock);
}
