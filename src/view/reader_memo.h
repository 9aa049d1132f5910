/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the view resolved for a reader's pid, kept while nothing that could
 * change it happened: kava_seq's counts (include/kava.h: moves, enables and
 * disables) and kava_pidseq's count of tasks made at the pid's entry, as
 * they were read before the resolution began, are kept with it, and it is
 * used again only while they are all the same.
 * Pure: the caller reads the counts (reader_seq_read()) and holds the lock.
 */
#ifndef KAVA_VIEW_READER_MEMO_H
#define KAVA_VIEW_READER_MEMO_H

#include <stdint.h>
#include <sys/types.h>
#include "cgroup/limits.h"
#include "kava.h"

struct reader_seq {
	uint64_t moves, registry;
	__u64 pid_tasks;               /* kava_pidseq's entry of the pid they were read for */
	int valid;                     /* 0: no counts (a map not mapped): never the same */
};

/*
 * The counts for `pid`: kava_seq[0] and kava_pidseq as mapped (NULL:
 * none), each loaded atomically.
 */
void reader_seq_read(const struct kava_seq *page, const __u64 *pidseq, pid_t pid,
		     struct reader_seq *out);
int reader_seq_same(const struct reader_seq *a, const struct reader_seq *b);

/* A reader's container, and its slot's identity (cgroup id, generation). */
struct reader_memo {
	pid_t pid;                     /* 0: empty */
	struct reader_seq seen;        /* read before the resolution */
	struct kava_owner owner;
	int has_identity;              /* the slot was read live: cgroup_id and gen hold it */
	uint64_t cgroup_id;
	uint32_t gen;
};

/*
 * Keep `owner` for `pid`, resolved after the counts `before` were read;
 * `slot`: the owner's slot as read live then (NULL: not read).
 */
void reader_memo_put(struct reader_memo *m, pid_t pid, const struct reader_seq *before,
		     const struct kava_owner *owner, const struct kava_slot *slot);
/*
 * 1 when `m` answers for `pid` at counts `now`: *owner, and when
 * *have_identity, `slot` zeroed but for cgroup_id and gen (the slot is live:
 * no enable or disable since). 0: resolve again.
 */
int reader_memo_get(const struct reader_memo *m, pid_t pid, const struct reader_seq *now,
		    struct kava_owner *owner, struct kava_slot *slot, int *have_identity);

/* A reader's v1 cgroup directories (container_paths_v1()), kept the same way. */
struct reader_v1_memo {
	pid_t pid;                     /* 0: empty */
	struct reader_seq seen;
	char *v1[V1_COUNT];            /* NULL where none */
	size_t v1_mount[V1_COUNT];
};

/* -ENOMEM leaves it empty. */
int reader_v1_memo_put(struct reader_v1_memo *m, pid_t pid, const struct reader_seq *before,
		       const struct container_paths *p);
/* 1: p's v1 directories filled from `m`; 0: read them again. */
int reader_v1_memo_get(const struct reader_v1_memo *m, pid_t pid, const struct reader_seq *now,
		       struct container_paths *p);
void reader_v1_memo_clear(struct reader_v1_memo *m);

#endif
