// SPDX-License-Identifier: GPL-2.0
/* File handles that a later agent can tell from its own (see view_handles.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "view/handles.h"

int handles_init(struct handle_table *t, uint32_t tag)
{
	memset(t, 0, sizeof(*t));
	while (!tag) {
		if (getrandom(&tag, sizeof(tag), 0) != (ssize_t)sizeof(tag))
			return -errno;
	}
	t->tag = tag;
	return -pthread_mutex_init(&t->lock, NULL);
}

void handles_destroy(struct handle_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
	pthread_mutex_destroy(&t->lock);
}

uint64_t handles_put(struct handle_table *t, void *p)
{
	uint64_t h = 0;
	uint32_t i, n;

	pthread_mutex_lock(&t->lock);
	for (n = 0; n < t->cap; n++) {
		i = (t->next + n) % t->cap;
		if (!t->slots[i])
			goto found;
	}
	if (t->cap < UINT32_MAX / 2) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;
		void **grown = realloc(t->slots, cap * sizeof(*grown));

		if (grown) {
			memset(grown + t->cap, 0, (cap - t->cap) * sizeof(*grown));
			i = t->cap;
			t->slots = grown;
			t->cap = cap;
			goto found;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
found:
	t->slots[i] = p;
	t->next = i + 1;
	h = (uint64_t)t->tag << 32 | (i + 1);
	pthread_mutex_unlock(&t->lock);
	return h;
}

static void *lookup(struct handle_table *t, uint64_t h, int take)
{
	uint32_t i = (uint32_t)h;
	void *p = NULL;

	if ((uint32_t)(h >> 32) != t->tag || i == 0)
		return NULL;
	pthread_mutex_lock(&t->lock);
	if (i <= t->cap) {
		p = t->slots[i - 1];
		if (take)
			t->slots[i - 1] = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	return p;
}

void *handles_get(struct handle_table *t, uint64_t h)
{
	return lookup(t, h, 0);
}

void *handles_take(struct handle_table *t, uint64_t h)
{
	return lookup(t, h, 1);
}
