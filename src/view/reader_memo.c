// SPDX-License-Identifier: GPL-2.0
/* What the view resolved for a reader, kept while kava_seq's counts stand (reader_memo.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "view/reader_memo.h"

void reader_seq_read(const struct kava_seq *page, const __u64 *pidseq, pid_t pid,
		     struct reader_seq *out)
{
	if (!page || !pidseq) {
		memset(out, 0, sizeof(*out));
		return;
	}
	/* each count alone: they only grow, and any that moved makes the memo stale */
	out->moves = __atomic_load_n(&page->moves, __ATOMIC_ACQUIRE);
	out->registry = __atomic_load_n(&page->registry, __ATOMIC_ACQUIRE);
	/* the entry seq_new_task() (bpf/sched_seq.bpf.h) adds to for this pid */
	out->pid_tasks = __atomic_load_n(&pidseq[(uint32_t)pid & (KAVA_PIDSEQ_SLOTS - 1)],
					 __ATOMIC_ACQUIRE);
	out->valid = 1;
}

int reader_seq_same(const struct reader_seq *a, const struct reader_seq *b)
{
	return a->valid && b->valid && a->moves == b->moves && a->registry == b->registry &&
	       a->pid_tasks == b->pid_tasks;
}

void reader_memo_put(struct reader_memo *m, pid_t pid, const struct reader_seq *before,
		     const struct kava_owner *owner, const struct kava_slot *slot)
{
	m->pid = before->valid ? pid : 0;
	m->seen = *before;
	m->owner = *owner;
	m->has_identity = slot != NULL && owner->slot != KAVA_NO_SLOT;
	m->cgroup_id = m->has_identity ? slot->cgroup_id : 0;
	m->gen = m->has_identity ? slot->gen : 0;
}

int reader_memo_get(const struct reader_memo *m, pid_t pid, const struct reader_seq *now,
		    struct kava_owner *owner, struct kava_slot *slot, int *have_identity)
{
	*have_identity = 0;
	if (!m->pid || m->pid != pid || !reader_seq_same(&m->seen, now))
		return 0;
	*owner = m->owner;
	if (m->has_identity) {
		memset(slot, 0, sizeof(*slot));
		slot->cgroup_id = m->cgroup_id;
		slot->gen = m->gen;
		*have_identity = 1;
	}
	return 1;
}

void reader_v1_memo_clear(struct reader_v1_memo *m)
{
	int i;

	for (i = 0; i < V1_COUNT; i++)
		free(m->v1[i]);
	memset(m, 0, sizeof(*m));
}

int reader_v1_memo_put(struct reader_v1_memo *m, pid_t pid, const struct reader_seq *before,
		       const struct container_paths *p)
{
	int i;

	reader_v1_memo_clear(m);
	if (!before->valid)
		return 0;
	for (i = 0; i < V1_COUNT; i++) {
		m->v1_mount[i] = p->v1_mount[i];
		if (p->v1[i][0] && (m->v1[i] = strdup(p->v1[i])) == NULL) {
			reader_v1_memo_clear(m);
			return -ENOMEM;
		}
	}
	m->seen = *before;
	m->pid = pid;
	return 0;
}

int reader_v1_memo_get(const struct reader_v1_memo *m, pid_t pid, const struct reader_seq *now,
		       struct container_paths *p)
{
	int i;

	if (!m->pid || m->pid != pid || !reader_seq_same(&m->seen, now))
		return 0;
	for (i = 0; i < V1_COUNT; i++) {
		if (m->v1[i]) {
			size_t n = strlen(m->v1[i]) + 1;

			if (n > sizeof(p->v1[i]))
				return 0;	/* never: it came from one */
			memcpy(p->v1[i], m->v1[i], n);
		} else {
			p->v1[i][0] = '\0';
		}
		p->v1_mount[i] = m->v1_mount[i];
	}
	return 1;
}
