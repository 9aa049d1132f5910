// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's /proc/stat counters only grow; top, vmstat, mpstat and sar
 * print a frame of 100% idle when one goes back. kava's raw figures wobble
 * by a tick (see keep_monotonic() in render/stat.c), so the agent remembers
 * the lines it showed each container last.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kava.h"
#include "view/cpu_history.h"

int cpu_history_init(struct cpu_history *h)
{
	h->slot = calloc(KAVA_MAX_CONTAINERS, sizeof(*h->slot));
	if (!h->slot)
		return -ENOMEM;
	return -pthread_mutex_init(&h->lock, NULL);
}

void cpu_history_free(struct cpu_history *h)
{
	unsigned int i;

	if (!h->slot)
		return;
	for (i = 0; i < KAVA_MAX_CONTAINERS; i++)
		free(h->slot[i].lines);
	free(h->slot);
	h->slot = NULL;
	pthread_mutex_destroy(&h->lock);
}

/* Slot `slot`'s entry (under the lock), emptied when it was another container's. */
static struct cpu_history_entry *entry_of(struct cpu_history *h, uint32_t slot, uint64_t cgroup_id,
					  uint32_t gen)
{
	struct cpu_history_entry *e = &h->slot[slot];

	if (e->cgroup_id != cgroup_id || e->gen != gen) {
		free(e->lines);
		memset(e, 0, sizeof(*e));
	}
	return e;
}

/* `lines` become what entry `e` was shown last (kept as it was when out of memory). */
static void remember(struct cpu_history_entry *e, uint64_t cgroup_id, uint32_t gen,
		     const struct cpu_ticks *lines, int n)
{
	struct cpu_ticks *copy = e->lines;

	if (!copy || e->n != n) {
		copy = malloc(sizeof(*copy) * (size_t)(n ? n : 1));
		if (!copy)
			return;
		free(e->lines);
	}
	memcpy(copy, lines, sizeof(*copy) * (size_t)n);
	e->lines = copy;
	e->n = n;
	e->cgroup_id = cgroup_id;
	e->gen = gen;
}

int cpu_history_lines(struct cpu_history *h, uint32_t slot, uint64_t cgroup_id, uint32_t gen,
		      struct stat_inputs *in, struct cpu_ticks **lines, int *n)
{
	struct cpu_history_entry *e;
	int err;

	if (slot >= KAVA_MAX_CONTAINERS)
		return stat_cpu_lines(in, lines, n);
	pthread_mutex_lock(&h->lock);
	e = entry_of(h, slot, cgroup_id, gen);
	in->last = e->lines;
	in->last_n = e->n;
	err = stat_cpu_lines(in, lines, n);
	in->last = NULL;
	in->last_n = 0;
	if (!err)
		remember(e, cgroup_id, gen, *lines, *n);
	pthread_mutex_unlock(&h->lock);
	return err;
}

void cpu_history_keep(struct cpu_history *h, uint32_t slot, uint64_t cgroup_id, uint32_t gen,
		      struct cpu_ticks *lines, int n)
{
	struct cpu_history_entry *e;
	int i;

	if (slot >= KAVA_MAX_CONTAINERS)
		return;
	pthread_mutex_lock(&h->lock);
	e = entry_of(h, slot, cgroup_id, gen);
	for (i = 0; e->lines && e->n == n && i < n; i++)
		cpu_ticks_keep_monotonic(&e->lines[i], &lines[i]);
	remember(e, cgroup_id, gen, lines, n);
	pthread_mutex_unlock(&h->lock);
}
