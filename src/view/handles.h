/* SPDX-License-Identifier: GPL-2.0 */
/*
 * File handles of the FUSE view. The kernel gives back, with every READ and
 * RELEASE, the number the agent chose at OPEN. After a takeover the next
 * agent receives numbers an earlier agent chose, so they are never raw
 * pointers: an index into this table, tagged with a random number of this
 * process. A number from another process, or already released, is unknown.
 */
#ifndef KAVA_VIEW_HANDLES_H
#define KAVA_VIEW_HANDLES_H

#include <pthread.h>
#include <stdint.h>

struct handle_table {
	pthread_mutex_t lock;
	uint32_t tag;        /* this process's: the high 32 bits of every handle */
	uint32_t cap;
	uint32_t next;       /* where to look for a free slot first */
	void **slots;
};

/* tag 0 picks a random one. */
int handles_init(struct handle_table *t, uint32_t tag);
void handles_destroy(struct handle_table *t);   /* the table only, not what it holds */

/* A handle for p (never 0), or 0 when out of memory. */
uint64_t handles_put(struct handle_table *t, void *p);

/* What handle h stands for, or NULL when it is not one of this table's. */
void *handles_get(struct handle_table *t, uint64_t h);

/* Like handles_get(), and the handle is released. */
void *handles_take(struct handle_table *t, uint64_t h);

#endif
