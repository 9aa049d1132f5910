/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FUSE view's serving threads: a fixed pool, every worker made (and its
 * request buffer allocated) when serving starts, none made or ended later.
 */
#ifndef KAVA_VIEW_FUSE_POOL_H
#define KAVA_VIEW_FUSE_POOL_H

#include <fuse_lowlevel.h>

/*
 * libfuse's own multi-threaded loop goes up to ten workers
 * (FUSE_LOOP_MT_DEF_MAX_THREADS): the pool keeps that capacity.
 */
#define FUSE_POOL_WORKERS 10

/*
 * Serve SE with NWORKERS threads until the session ends (unmounted,
 * aborted, or fuse_session_exit() and a request after it). Returns the
 * number of workers that ran (0: none could be made; the reason is logged).
 */
unsigned fuse_pool_serve(struct fuse_session *se, unsigned nworkers);

#endif /* KAVA_VIEW_FUSE_POOL_H */
