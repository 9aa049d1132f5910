// SPDX-License-Identifier: GPL-2.0
/*
 * kava-fusefloor MOUNTPOINT [SIZE]: FUSE's own floor for `make bench`
 * (tests/bench/view.bench). The least a FUSE server can do for an
 * open/read/close: one file, "floor", SIZE bytes (default 1024) of constant
 * text, direct_io, answered from a static buffer with no allocation, no
 * lookup of the reader and no lock. Everything else is what kava's FUSE view
 * does (src/view/fuse.c): the same mount options, entry and attribute
 * timeouts (1 s), capabilities, and the same pool of serving threads
 * (src/view/fuse_pool.c), so a view file's cost over this one is kava's own.
 * Runs in the foreground until SIGTERM/SIGINT, then unmounts.
 */
#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "view/fuse_pool.h"

#define FLOOR_INO 2
#define FLOOR_NAME "floor"
#define FLOOR_MAX 65536

static char floor_text[FLOOR_MAX];
static size_t floor_len = 1024;

static int attr_of(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else if (ino == FLOOR_INO) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)floor_len;
	} else {
		return -ENOENT;
	}
	return 0;
}

/* as kava's view_init(): only what a read-only, direct_io view needs */
static void floor_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want &= FUSE_CAP_ASYNC_READ | FUSE_CAP_PARALLEL_DIROPS;
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	if (parent != FUSE_ROOT_ID || strcmp(name, FLOOR_NAME)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = FLOOR_INO;
	e.attr_timeout = 1.0;
	e.entry_timeout = 1.0;
	(void)attr_of(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (attr_of(ino, &st) < 0)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, 1.0);
}

static void floor_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != FLOOR_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	size_t n = 0;

	(void)ino;
	(void)fi;
	if (off >= 0 && (size_t)off < floor_len)
		n = floor_len - (size_t)off < size ? floor_len - (size_t)off : size;
	fuse_reply_buf(req, n ? floor_text + off : NULL, n);
}

static const struct fuse_lowlevel_ops floor_ops = {
	.init = floor_init,
	.lookup = floor_lookup,
	.getattr = floor_getattr,
	.open = floor_open,
	.read = floor_read,
};

static void *serve(void *arg)
{
	return fuse_pool_serve(arg, FUSE_POOL_WORKERS) ? arg : NULL;
}

int main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-o",
			  "allow_other,default_permissions,fsname=kava-floor,subtype=kava-floor",
			  NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se;
	pthread_t thread;
	sigset_t stop;
	size_t i;
	void *served = NULL;
	int sig, rc = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: kava-fusefloor MOUNTPOINT [SIZE]\n");
		return 2;
	}
	if (argc == 3) {
		floor_len = strtoul(argv[2], NULL, 10);
		if (!floor_len || floor_len > FLOOR_MAX) {
			fprintf(stderr, "kava-fusefloor: SIZE must be 1..%d bytes\n", FLOOR_MAX);
			return 2;
		}
	}
	/* lines of constant text, like a small /proc file */
	for (i = 0; i < floor_len; i++)
		floor_text[i] = (i % 32 == 31) ? '\n' : (char)('a' + i % 26);
	/* SIGTERM/SIGINT are taken by sigwait() below, on this thread only */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0) {
		fprintf(stderr, "kava-fusefloor: cannot block SIGTERM\n");
		return 1;
	}
	se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), NULL);
	if (!se) {
		fprintf(stderr, "kava-fusefloor: cannot set up FUSE (is /dev/fuse there?)\n");
		return 1;
	}
	if (fuse_session_mount(se, argv[1]) != 0) {
		fprintf(stderr, "kava-fusefloor: cannot mount on %s\n", argv[1]);
	} else if (pthread_create(&thread, NULL, serve, se) != 0) {
		fprintf(stderr, "kava-fusefloor: cannot start the serving threads\n");
		fuse_session_unmount(se);
	} else {
		if (sigwait(&stop, &sig) != 0)
			fprintf(stderr, "kava-fusefloor: sigwait failed\n");
		fuse_session_exit(se);
		fuse_session_unmount(se);	/* the workers' reads end with ENODEV */
		(void)pthread_join(thread, &served);
		rc = served ? 0 : 1;
	}
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	return rc;
}
