// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE view's serving threads (fuse_pool.h). Why not libfuse's
 * fuse_session_loop_mt(): it makes a worker whenever every worker is busy
 * and ends one when more than max_idle_threads are idle, and each new
 * worker mallocs its request buffer (1 MiB + a page: FUSE_MAX_MAX_PAGES
 * pages and a header). glibc takes a block past M_MMAP_THRESHOLD from
 * mmap only when the arena cannot hold it (sysmalloc()); a worker made
 * during a burst of closes (4,096 releases queued at once) found an arena
 * full of freed snapshots and took its buffer from the middle of it, and
 * the ~1 MB of pages under it stayed resident for that worker's life
 * (tests/integration/view_budgets.sh, 1 run in 3 to 5). A fixed pool made
 * at start allocates every buffer while the arenas are small (mapped on
 * their own), and a burst never makes a worker.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/fuse_pool.h"

/* One worker: its own buffer, requests read and answered until the session ends. */
static void *work(void *arg)
{
	struct fuse_session *se = arg;
	struct fuse_buf buf;
	int res;

	memset(&buf, 0, sizeof(buf));
	while (!fuse_session_exited(se)) {
		/* allocates buf.mem at the first call, before it blocks */
		res = fuse_session_receive_buf(se, &buf);
		if (res == -EINTR)
			continue;	/* a request interrupted before it was read */
		if (res <= 0) {
			/* 0: unmounted or aborted (ENODEV); < 0: the device failed */
			if (res < 0)
				fuse_session_exit(se);
			break;
		}
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
	return NULL;
}

unsigned fuse_pool_serve(struct fuse_session *se, unsigned nworkers)
{
	pthread_t tid[FUSE_POOL_WORKERS];
	sigset_t block, old;
	unsigned n = 0;
	int err = 0;

	if (nworkers > FUSE_POOL_WORKERS)
		nworkers = FUSE_POOL_WORKERS;
	/*
	 * The process's termination signals go to its main thread, as in
	 * libfuse's fuse_start_thread(): a worker never takes them.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	if (pthread_sigmask(SIG_BLOCK, &block, &old) != 0)
		return 0;
	while (n < nworkers) {
		err = pthread_create(&tid[n], NULL, work, se);
		if (err != 0)
			break;
		n++;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n < nworkers)
		fprintf(stderr, "kava: run: FUSE view: %u of %u serving threads: %s\n", n,
			nworkers, strerror(err));
	for (unsigned i = 0; i < n; i++)
		(void)pthread_join(tid[i], NULL);
	return n;
}
