/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cgroup files read once per pass: a metrics scrape reads the limits of
 * every container at once, and their walks up the hierarchy (cpu.max,
 * memory.max, cpu.cfs_quota_us) cross the same parents (a slice, a pod) for
 * each of them. The memo keeps the text of those shared files for the pass;
 * the caller frees it afterwards, so nothing is older than the pass. At most
 * MEMO_SLOTS files are kept; beyond that, files are read each time.
 */
#ifndef KAVA_CGROUP_MEMO_H
#define KAVA_CGROUP_MEMO_H

#include <stddef.h>

#define MEMO_SLOTS 512

struct cg_memo;

struct cg_memo *cg_memo_new(void);
void cg_memo_free(struct cg_memo *m);

/*
 * DIR/NAME's text into *out (the caller frees it), from the memo when it
 * was read in this pass; -ENOENT (also remembered) when there is no such
 * file. A NULL memo reads the file every time.
 */
int cg_memo_read(struct cg_memo *m, const char *dir, const char *name, char **out);

/* Files read and files answered from the memo, for tests. */
void cg_memo_stats(const struct cg_memo *m, size_t *reads, size_t *hits);

#endif
