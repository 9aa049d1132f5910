// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE view, on libfuse's low-level API: mounting it or taking over a
 * connection a predecessor handed on, the serving thread, the operations
 * table, and what every request handler shares (its reader, its agent).
 * The handlers: fuse_dir.c (names and attributes), fuse_read.c (open,
 * read, release), fuse_psi.c (pressure triggers), fuse_deny.c (writes).
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
#include "view/fuse_pool.h"
#include "view/handles.h"
#include "view/reader.h"
#include "view/psi_trigger.h"
#include "view/readrule.h"
#include "view/fuse_internal.h"

struct view_source *vf_source(fuse_req_t req)
{
	return ((struct view_fuse *)fuse_req_userdata(req))->src;
}

/*
 * The container of the process making the request (view_reader_resolve()),
 * or the one it was admitted for (fuse_gate.c): not resolved twice.
 */
int vf_reader_owner(fuse_req_t req, struct kava_owner *owner)
{
	struct kava_slot slot;
	int have_slot;

	return vf_reader_owner_slot(req, owner, &slot, &have_slot);
}

/* vf_reader_owner(), and the owner's slot when resolving read it (view_reader_resolve_slot()). */
int vf_reader_owner_slot(fuse_req_t req, struct kava_owner *owner, struct kava_slot *slot,
			 int *have_slot)
{
	struct view_source *src = vf_source(req);

	*have_slot = 0;
	if (vf_admitted) {
		*owner = *vf_admitted;
		return 0;
	}
	return view_reader_resolve_slot(src->st, src->cgroup2_mount, fuse_req_ctx(req)->pid, owner,
					slot, have_slot);
}

/*
 * Only what a read-only, direct_io view needs, whatever else the kernel
 * offers: the same set in every agent, so a restarted one agrees with what
 * the first one negotiated on the connection.
 */
static void view_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want &= FUSE_CAP_ASYNC_READ | FUSE_CAP_PARALLEL_DIROPS;
}

struct view_fuse *vf_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

struct handle_table *vf_handles(fuse_req_t req)
{
	return &((struct view_fuse *)fuse_req_userdata(req))->handles;
}

static const struct fuse_lowlevel_ops view_ops = {
	.init = view_init,
	.lookup = vf_gated_lookup,
	.getattr = vf_gated_getattr,
	.opendir = vf_gated_opendir,
	.readdir = vf_gated_readdir,
	.releasedir = vf_releasedir,
	.open = vf_gated_open,
	.read = vf_gated_read,
	.release = vf_release,
	.write = vf_gated_write,
	.poll = vf_poll,
	.setattr = vf_deny_setattr,
	.mknod = vf_deny_mknod,
	.mkdir = vf_deny_entry,
	.unlink = vf_deny_unlink,
	.rmdir = vf_deny_unlink,
	.symlink = vf_deny_symlink,
	.rename = vf_deny_rename,
	.link = vf_deny_link,
	.create = vf_deny_create,
};

/*
 * A pool of threads serves the requests: with readers on several CPUs an
 * idle thread near the reader answers sooner than one loop that every
 * request must wake (measured by `make bench`). Renders share only the
 * path cache, which has its own lock. The pool is fixed (fuse_pool.c).
 */
static void *serve(void *arg)
{
	struct view_fuse *vf = arg;

	(void)fuse_pool_serve(vf->se, FUSE_POOL_WORKERS);
	return NULL;
}

/* A mount left by a dead agent answers ENOTCONN: detach it before mounting anew. */
static void detach_dead_mount(const char *mountpoint)
{
	struct stat st;

	if (stat(mountpoint, &st) < 0 && errno == ENOTCONN)
		umount2(mountpoint, MNT_DETACH);
}

/* A stored connection whose mount is still at `mountpoint`, or -1 (a stale one is closed). */
static int stored_connection(const char *mountpoint)
{
	char *mountinfo = NULL;
	int fd = fuse_handoff_take();

	if (fd < 0)
		return -1;
	/* mountinfo, never stat(): the view would ask us, and we do not serve yet */
	if (read_file("/proc/self/mountinfo", &mountinfo, NULL) < 0 ||
	    !fuse_handoff_is_view_mount(mountinfo, mountpoint)) {
		/* not ours any more (--mount changed, or unmounted): let the connection end */
		fprintf(stderr, "kava: run: the stored FUSE connection is not mounted at %s; "
			"mounting a new one\n", mountpoint);
		fuse_handoff_forget();
		close(fd);
		fd = -1;
	}
	free(mountinfo);
	return fd;
}

int view_fuse_budget_stats(struct view_fuse *vf, uint32_t idx, struct budget_stats *out)
{
	return vf ? budget_stats_of(vf->budgets, idx, out) : -ENOENT;
}

int view_fuse_start(struct view_source *src, const char *mountpoint,
		    const struct budget_conf *budget, struct view_fuse **out, char *why,
		    size_t why_size)
{
	/*
	 * Not "ro": a read-only mount refuses O_RDWR opens before we see them,
	 * and the pressure files take PSI triggers. Every other write is
	 * refused here (EROFS), as it was by the mount.
	 */
	char *argv[] = { "kava", "-o", "allow_other,default_permissions,fsname=kava,subtype=kava",
			 NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct budget_conf bc = { 0 };
	struct view_fuse *vf;
	char devfd[32];
	int err, stored = -1;

	vf = calloc(1, sizeof(*vf));
	if (!vf)
		return -ENOMEM;
	vf->src = src;
	vf->ninodes = view_ino_count();
	vf->longest = calloc(vf->ninodes, sizeof(*vf->longest));
	vf->told = calloc(vf->ninodes, sizeof(*vf->told));
	if (!vf->longest || !vf->told) {
		free(vf->longest);
		free(vf->told);
		free(vf);
		return -ENOMEM;
	}
	vf->epfd = vf->stopfd = -1;
	err = handles_init(&vf->handles, 0);
	if (err < 0) {
		snprintf(why, why_size, "cannot set up file handles: %s", strerror(-err));
		free(vf->longest);
		free(vf->told);
		free(vf);
		return err;
	}
	err = vf_psi_start(vf);
	if (err < 0) {
		snprintf(why, why_size, "cannot start the PSI trigger thread: %s", strerror(-err));
		goto fail;
	}
	if (budget)
		bc = *budget;
	bc.describe = vf_budget_describe;
	bc.describe_arg = vf;
	err = budgets_new(&vf->budgets, &bc);
	if (err < 0) {
		snprintf(why, why_size, "cannot start the budget thread: %s", strerror(-err));
		goto fail;
	}
	src->budgets = vf->budgets;	/* for the metrics */
	snprintf(vf->mountpoint, sizeof(vf->mountpoint), "%s", mountpoint);
	stored = stored_connection(mountpoint);
	if (stored < 0) {
		detach_dead_mount(mountpoint);
		err = make_dirs(mountpoint, 0755);
		if (err < 0) {
			snprintf(why, why_size, "cannot create %s: %s", mountpoint, strerror(-err));
			goto fail;
		}
	}
	vf->se = fuse_session_new(&args, &view_ops, sizeof(view_ops), vf);
	if (!vf->se) {
		err = -EIO;
		snprintf(why, why_size, "cannot set up FUSE (is /dev/fuse there?)");
		goto fail;
	}
	if (stored >= 0) {
		/* libfuse takes a descriptor as the mount point "/dev/fd/N" */
		snprintf(devfd, sizeof(devfd), "/dev/fd/%d", stored);
		if (fuse_session_mount(vf->se, devfd) != 0) {
			err = -EIO;
			snprintf(why, why_size, "cannot take over the stored FUSE connection");
			goto fail;
		}
		stored = -1;	/* the session owns it now */
		fuse_handoff_adopt(vf->se);
		vf->handed_on = 1;	/* it came from the store, and stays there */
		fprintf(stderr, "kava: run: took over the FUSE view at %s from the previous agent\n",
			mountpoint);
	} else {
		if (fuse_session_mount(vf->se, mountpoint) != 0) {
			err = -EIO;
			snprintf(why, why_size, "cannot mount the FUSE view on %s", mountpoint);
			goto fail;
		}
		vf->mounted = 1;
		vf->handed_on = fuse_handoff_store(fuse_session_fd(vf->se));
	}
	err = -pthread_create(&vf->thread, NULL, serve, vf);
	if (err < 0) {
		snprintf(why, why_size, "cannot start the FUSE thread: %s", strerror(-err));
		goto fail;
	}
	fuse_opt_free_args(&args);
	*out = vf;
	return 0;
fail:
	if (stored >= 0)
		close(stored);
	if (vf->mounted)
		fuse_session_unmount(vf->se);
	if (vf->se)
		fuse_session_destroy(vf->se);
	fuse_opt_free_args(&args);
	src->budgets = NULL;
	budgets_free(vf->budgets);
	vf_psi_stop(vf);
	handles_destroy(&vf->handles);
	free(vf->longest);
	free(vf->told);
	free(vf);
	return err;
}

int view_fuse_stop(struct view_fuse *vf)
{
	struct timespec deadline;

	if (!vf)
		return 0;
	fuse_session_exit(vf->se);
	if (vf->handed_on) {
		/*
		 * systemd holds the connection: leave the mount for the next
		 * agent. Readers wait for it; a request this agent read but
		 * does not answer before it exits is resent to the next one
		 * (fuse_handoff_adopt()).
		 */
		return 1;
	}
	fuse_session_unmount(vf->se);	/* wakes the loop, unless the view is still mounted elsewhere */
	/*
	 * Bind mounts of the view inside containers keep the FUSE connection
	 * alive, so the serving threads may never see the unmount. Wait a
	 * moment, then leave them: the kernel ends the connection when this
	 * process exits and closes /dev/fuse (those containers then read
	 * ENOTCONN until 'kava mount' again; the tmpfs view does not have this).
	 */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 1;
	if (pthread_timedjoin_np(vf->thread, NULL, &deadline) != 0)
		return 1;
	vf->src->budgets = NULL;	/* the metrics endpoint stopped first (cmd_run) */
	budgets_free(vf->budgets);	/* what is still parked gets EINTR */
	vf_psi_stop(vf);
	fuse_session_destroy(vf->se);
	handles_destroy(&vf->handles);
	free(vf->longest);
	free(vf->told);
	free(vf);
	return 0;
}
