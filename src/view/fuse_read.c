// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE view: open, read and release. Each open() resolves the reader to its
 * container and renders the file; reads follow the kernel's seq_file rules
 * (readrule.h): a read from offset 0 renders afresh, later offsets continue
 * that text. Files are direct_io, so read(), pread() and readv() never go
 * through the page cache; splice/sendfile and mmap do, so the view reports a
 * generous size and tells the kernel the real end with a short read (see
 * grow_size()).
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

/*
 * Reply with a private copy of the bytes: the kernel completes the request
 * inside writev(), so the reader may close and its RELEASE free the snapshot
 * on another thread before writev() returns (sanitizers then read freed memory).
 */
void vf_reply_copy(fuse_req_t req, const char *data, size_t size)
{
	char *copy;

	if (!data)
		size = 0;
	copy = size ? malloc(size) : NULL;

	if (size && !copy) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (size)
		memcpy(copy, data, size);
	fuse_reply_buf(req, copy, size);
	free(copy);
}

/* The slot of `owner` as this request's admission read it (fuse_gate.c), or NULL. */
static const struct kava_slot *admitted_slot(const struct kava_owner *owner)
{
	if (vf_admitted && vf_admitted_slot && owner->slot == vf_admitted->slot &&
	    owner->gen == vf_admitted->gen)
		return vf_admitted_slot;
	return NULL;
}

/* The text of the view's file at `path` for `owner`. */
static int content_for(fuse_req_t req, const char *path, const struct kava_owner *owner,
		       char **text, size_t *len)
{
	const struct view_file *vf = view_file_by_path(path);
	const struct topology_file *tf;
	pid_t reader = fuse_req_ctx(req)->pid;
	int cpu;

	if (vf)
		return view_content_slot(vf_source(req), vf->id, owner, admitted_slot(owner),
					 vf_admitted_slot_whole, reader, text, len);
	if (view_cpu_path(path, &cpu, &tf) == CPU_PATH_TOPOLOGY_FILE)
		return view_topology_content(vf_source(req), owner, reader, cpu, tf, text, len);
	return -EISDIR;
}

/* Render the file at `path` for the reader of `req`. */
int vf_render_path(fuse_req_t req, const char *path, char **text, size_t *len)
{
	struct kava_owner owner;
	int err;

	*text = NULL;
	*len = 0;
	err = vf_reader_owner(req, &owner);
	if (!err)
		err = content_for(req, path, &owner, text, len);
	if (err == -ENOENT && owner.slot != KAVA_NO_SLOT) {
		/* the container went away while we looked: the host's view, never an error */
		owner.slot = KAVA_NO_SLOT;
		err = content_for(req, path, &owner, text, len);
	}
	if (err == -ENXIO)
		err = -ENOENT;	/* a CPU this container does not see */
	return err;
}

/* Render file `ino` for the reader of `req`, and remember its length. */
static int render_ino(fuse_req_t req, fuse_ino_t ino, char **text, size_t *len)
{
	char path[256];
	int err;

	err = view_path_of(ino, path, sizeof(path));
	if (!err)
		err = vf_render_path(req, path, text, len);
	if (!err)
		vf_note_length(req, ino, *len);
	return err;
}

static void open_file_free(struct open_file *of)
{
	if (of) {
		if (of->trig_fd >= 0)
			close(of->trig_fd);	/* the kernel removes the trigger (and its epoll entry) */
		if (of->ph)
			fuse_pollhandle_destroy(of->ph);
		pthread_mutex_destroy(&of->lock);
		free(of->text);
		free(of);
	}
}

/*
 * Make sure the kernel's idea of the file's size covers this text, however
 * it grows until the reader is done: sendfile/splice and mmap read through
 * the page cache up to the inode's size only, and a short page-cache read
 * by an earlier reader shrank that size to its text's length (the kernel's
 * fuse_short_read()). Storing one byte at the bound's last offset grows the
 * size (fuse_notify_store()); the page it lands in is not marked up to date
 * and open() drops the file's cached pages anyway (no FOPEN_KEEP_CACHE).
 */
static void grow_size(fuse_req_t req, fuse_ino_t ino, size_t len)
{
	struct view_fuse *vf = vf_of(req);
	uint64_t bound = view_size_bound(len);
	char zero = 0;
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(1);

	if (ino >= vf->ninodes || vf->told[ino] >= bound)
		return;
	buf.buf[0].mem = &zero;
	if (fuse_lowlevel_notify_store(vf->se, ino, (off_t)bound - 1, &buf, 0) == 0)
		vf->told[ino] = bound;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Release an open file: under trig_lock, so psi_thread never holds one being freed. */
static void release_handle(fuse_req_t req, uint64_t fh)
{
	struct view_fuse *vfu = vf_of(req);
	struct open_file *of;

	pthread_mutex_lock(&vfu->trig_lock);
	of = handles_take(&vfu->handles, fh);
	pthread_mutex_unlock(&vfu->trig_lock);
	if (of && of->charged)
		budget_uncharge(vfu->budgets, budget_index(&of->owner), of->charged);
	open_file_free(of);
}

/*
 * Open: render the file's text for the reader (readrule.h) and hold it,
 * within the reader's container's memory budget (budget.h): beyond it,
 * ENFILE, as when a system's file table is full: the process's own
 * descriptor limit (EMFILE) is not what ran out.
 */
void vf_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct view_file *vf = vf_file_of(ino);
	struct view_fuse *vfu = vf_of(req);
	uint64_t t0 = monotonic_ns();
	struct open_file *of;
	uint32_t bidx;
	int err;

	/* written to: only the pressure files, which take PSI triggers */
	if ((fi->flags & O_ACCMODE) != O_RDONLY && !(vf && vf_is_pressure(vf->id))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	of = calloc(1, sizeof(*of));
	if (!of || pthread_mutex_init(&of->lock, NULL) != 0) {
		free(of);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	of->trig_fd = -1;
	of->pressure = vf && vf_is_pressure(vf->id);
	bidx = vf_reader_budget(req, &of->owner);
	err = render_ino(req, ino, &of->text, &of->len);
	of->open_text_unread = 1;
	of->rendered_ns = now_ns();
	if (!err)
		err = budget_charge(vfu->budgets, bidx, of->len + BUDGET_FILE_OVERHEAD);
	if (!err) {
		of->charged = of->len + BUDGET_FILE_OVERHEAD;
		fi->fh = handles_put(vf_handles(req), of);
		err = fi->fh ? 0 : -ENOMEM;
	}
	if (err < 0) {
		if (of->charged)
			budget_uncharge(vfu->budgets, bidx, of->charged);
		open_file_free(of);
		fuse_reply_err(req, -err);
		return;
	}
	grow_size(req, ino, of->len);
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) != 0)	/* the opener was interrupted: no release will come */
		release_handle(req, fi->fh);
	viewstats_fuse(VS_OP_OPEN, monotonic_ns() - t0);
}

/*
 * Answer a read from `text`. A read without a lock owner comes from the
 * page cache (readahead for splice/sendfile or mmap; direct_io reads always
 * carry one, fuse_send_read()): a short answer there makes the kernel cut
 * the inode's size to where the text ended.
 */
static void note_page_read(fuse_req_t req, fuse_ino_t ino, const struct fuse_file_info *fi,
			   off_t off, size_t size, size_t n)
{
	struct view_fuse *vf = vf_of(req);

	if (!fi->lock_owner && n < size && ino < vf->ninodes)
		vf->told[ino] = (uint64_t)off + n;
}

static void reply_slice(fuse_req_t req, fuse_ino_t ino, const struct fuse_file_info *fi,
			const char *text, size_t len, off_t off, size_t size)
{
	size_t start, n = view_read_slice(len, off, size, &start);

	note_page_read(req, ino, fi, off, size, n);
	vf_reply_copy(req, text + start, n);
}

void vf_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct open_file *of = handles_get(vf_handles(req), fi->fh);
	uint64_t t0 = monotonic_ns();
	char *text = NULL;
	size_t len = 0;
	int err = 0;

	if (!of) {
		/* opened under an earlier agent, whose text is gone: render anew */
		err = off < 0 ? -EINVAL : render_ino(req, ino, &text, &len);
		if (err < 0)
			fuse_reply_err(req, -err);
		else
			reply_slice(req, ino, fi, text, len, off, size);
		free(text);
		return;
	}
	pthread_mutex_lock(&of->lock);
	switch (view_read_step(off, 1, of->open_text_unread, now_ns() - of->rendered_ns)) {
	case VIEW_READ_INVALID:
		err = -EINVAL;
		break;
	case VIEW_READ_RENDER:
		err = render_ino(req, ino, &text, &len);
		if (!err) {
			free(of->text);
			of->text = text;
			if (of->charged) {
				budget_recharge(vf_of(req)->budgets, budget_index(&of->owner),
						of->charged, len + BUDGET_FILE_OVERHEAD);
				of->charged = len + BUDGET_FILE_OVERHEAD;
			}
			of->len = len;
			of->rendered_ns = now_ns();
		}
		break;
	case VIEW_READ_CONTINUE:
		break;
	}
	if (!err && off == 0)
		of->open_text_unread = 0;
	if (!err) {
		/* a copy, taken under the lock: once we reply, a RELEASE may free `of` */
		size_t start;

		len = view_read_slice(of->len, off, size, &start);
		text = len ? malloc(len) : NULL;
		if (len && !text)
			err = -ENOMEM;
		else if (len)
			memcpy(text, of->text + start, len);
	}
	pthread_mutex_unlock(&of->lock);
	if (err < 0) {
		fuse_reply_err(req, -err);
		return;
	}
	note_page_read(req, ino, fi, off, size, len);
	fuse_reply_buf(req, text, len);
	free(text);
	viewstats_fuse(VS_OP_READ, monotonic_ns() - t0);
}

void vf_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	release_handle(req, fi->fh);	/* nothing for an earlier agent's */
	fuse_reply_err(req, 0);
}
