// SPDX-License-Identifier: GPL-2.0
/* The view's cache of container paths, one entry per slot generation (paths.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cgroup/limits.h"
#include "cgroup/path.h"
#include "common/fdcache.h"
#include "view/content.h"
#include "view/paths.h"

struct paths_entry {
	uint64_t cgroup_id;            /* 0: empty */
	uint32_t gen;
	int v1_complete;
	char *v2;                      /* the v2 directory */
	char *v1[V1_COUNT];            /* v1 directories at the same path, NULL where none */
	size_t v1_mount[V1_COUNT];     /* container_paths.v1_mount */
	pid_t stand_in;                /* view_paths_stand_in(); 0: none */
};

struct view_paths {
	pthread_mutex_t lock;
	struct paths_entry e[KAVA_MAX_CONTAINERS];   /* by slot */
	size_t held;
	uint64_t resolved;
};

struct view_paths *view_paths_new(void)
{
	struct view_paths *vp = calloc(1, sizeof(*vp));

	if (vp && pthread_mutex_init(&vp->lock, NULL)) {
		free(vp);
		vp = NULL;
	}
	return vp;
}

/* Empty `e`; `forget`: its files' kept descriptors go too (the cgroup is gone). */
static void entry_clear(struct view_paths *vp, struct paths_entry *e, int forget)
{
	int i;

	if (e->cgroup_id)
		vp->held--;
	if (forget && e->v2)
		fdcache_forget_under(e->v2);
	free(e->v2);
	for (i = 0; i < V1_COUNT; i++) {
		if (forget && e->v1[i])
			fdcache_forget_under(e->v1[i]);
		free(e->v1[i]);
	}
	memset(e, 0, sizeof(*e));
}

void view_paths_free(struct view_paths *vp)
{
	size_t i;

	if (!vp)
		return;
	for (i = 0; i < KAVA_MAX_CONTAINERS; i++)
		entry_clear(vp, &vp->e[i], 0);
	pthread_mutex_destroy(&vp->lock);
	free(vp);
}

static int v1_all_found(const struct view_source *src, const struct container_paths *p)
{
	int i;

	for (i = 0; i < V1_COUNT; i++)
		if (src->v1.dir[i][0] && !p->v1[i][0])
			return 0;
	return 1;
}

/* Resolve slot's cgroup into `out`: its v2 directory, then the v1 ones alike. */
static int resolve(const struct view_source *src, const struct kava_slot *slot,
		   struct container_paths *out, int *v1_complete)
{
	int err;

	container_paths_clear(out);
	err = cgroup_path_of_id(src->cgroup2_mount, slot->cgroup_id, out->v2, sizeof(out->v2));
	if (err < 0)
		return err;
	snprintf(out->v2_root, sizeof(out->v2_root), "%s", src->cgroup2_mount);
	container_paths_v1_alike(&src->v1, out);
	*v1_complete = v1_all_found(src, out);
	return 0;
}

/* Fill entry `e` from resolved paths; -ENOMEM leaves it empty. */
static int entry_fill(struct view_paths *vp, struct paths_entry *e, const struct kava_slot *slot,
		      const struct container_paths *p, int v1_complete)
{
	int i;

	/* another cgroup or generation in the slot: the old one's descriptors go */
	entry_clear(vp, e, 1);
	e->v2 = strdup(p->v2);
	for (i = 0; i < V1_COUNT; i++) {
		e->v1_mount[i] = p->v1_mount[i];
		if (p->v1[i][0] && (e->v1[i] = strdup(p->v1[i])) == NULL)
			break;
	}
	if (!e->v2 || i < V1_COUNT) {
		entry_clear(vp, e, 0);
		return -ENOMEM;
	}
	e->cgroup_id = slot->cgroup_id;
	e->gen = slot->gen;
	e->v1_complete = v1_complete;
	vp->held++;
	return 0;
}

/* snprintf(dst, size, "%s", s), truncation alike, without printf's set-up (six an open) */
static void copy_path(char *dst, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void entry_copy(const struct view_source *src, const struct paths_entry *e,
		       struct container_paths *out, int *v1_complete)
{
	int i;

	copy_path(out->v2, sizeof(out->v2), e->v2);
	copy_path(out->v2_root, sizeof(out->v2_root), src->cgroup2_mount);
	for (i = 0; i < V1_COUNT; i++) {
		copy_path(out->v1[i], sizeof(out->v1[i]), e->v1[i] ? e->v1[i] : "");
		out->v1_mount[i] = e->v1_mount[i];
	}
	*v1_complete = e->v1_complete;
}

int view_paths_get(const struct view_source *src, const struct kava_slot *slot, uint32_t index,
		   struct container_paths *out, int *v1_complete)
{
	struct view_paths *vp = src->paths;
	struct paths_entry *e;
	int err, hit;

	if (index >= KAVA_MAX_CONTAINERS)
		return resolve(src, slot, out, v1_complete);	/* never: slots index the table */
	e = &vp->e[index];
	pthread_mutex_lock(&vp->lock);
	hit = e->cgroup_id && e->cgroup_id == slot->cgroup_id && e->gen == slot->gen;
	if (hit)
		entry_copy(src, e, out, v1_complete);
	pthread_mutex_unlock(&vp->lock);
	if (hit)
		return 0;
	/* resolved outside the lock: the view's other readers go on meanwhile */
	err = resolve(src, slot, out, v1_complete);
	if (err < 0)
		return err;
	pthread_mutex_lock(&vp->lock);
	vp->resolved++;
	/* a failed copy only means resolving again next time */
	(void)entry_fill(vp, e, slot, out, *v1_complete);
	pthread_mutex_unlock(&vp->lock);
	return 0;
}

pid_t view_paths_stand_in(const struct view_source *src, const struct kava_slot *slot,
			  uint32_t index)
{
	struct view_paths *vp = src->paths;
	struct paths_entry *e;
	pid_t pid = 0;

	if (index >= KAVA_MAX_CONTAINERS)
		return 0;
	e = &vp->e[index];
	pthread_mutex_lock(&vp->lock);
	if (e->cgroup_id && e->cgroup_id == slot->cgroup_id && e->gen == slot->gen)
		pid = e->stand_in;
	pthread_mutex_unlock(&vp->lock);
	return pid;
}

void view_paths_set_stand_in(const struct view_source *src, const struct kava_slot *slot,
			     uint32_t index, pid_t pid)
{
	struct view_paths *vp = src->paths;
	struct paths_entry *e;

	if (index >= KAVA_MAX_CONTAINERS)
		return;
	e = &vp->e[index];
	pthread_mutex_lock(&vp->lock);
	if (e->cgroup_id && e->cgroup_id == slot->cgroup_id && e->gen == slot->gen)
		e->stand_in = pid;
	pthread_mutex_unlock(&vp->lock);
}

void view_paths_forget(const struct view_source *src, uint32_t index)
{
	struct view_paths *vp = src->paths;

	if (index >= KAVA_MAX_CONTAINERS)
		return;
	pthread_mutex_lock(&vp->lock);
	entry_clear(vp, &vp->e[index], 1);
	pthread_mutex_unlock(&vp->lock);
}

/*
 * Every slot at once: array_map_lookup_batch() (5.6+) copies the whole
 * table in one call; without it, one lookup per held entry.
 */
static int read_slots(const struct view_source *src, struct kava_slot *slots, uint8_t *got)
{
	uint32_t keys[KAVA_MAX_CONTAINERS], out = 0, n = KAVA_MAX_CONTAINERS, i;
	int err;

	memset(got, 0, KAVA_MAX_CONTAINERS);
	err = bpf_map_lookup_batch(src->st->slots_fd, NULL, &out, keys, slots, &n, NULL) < 0
	      ? -errno : 0;
	if (err && err != -ENOENT)
		return err;
	/* an array map gives its keys in order from 0; anything else is looked up alone */
	for (i = 0; i < n && i < KAVA_MAX_CONTAINERS; i++)
		got[i] = keys[i] == i;
	return 0;
}

int view_paths_prune(const struct view_source *src)
{
	struct view_paths *vp = src->paths;
	struct kava_slot *slots = malloc(KAVA_MAX_CONTAINERS * sizeof(*slots));
	uint8_t got[KAVA_MAX_CONTAINERS];
	int batch, freed = 0;
	uint32_t i;

	if (!slots)
		return -ENOMEM;
	batch = read_slots(src, slots, got) == 0;
	for (i = 0; i < KAVA_MAX_CONTAINERS; i++) {
		struct paths_entry *e = &vp->e[i];
		struct kava_slot s;
		int live;

		pthread_mutex_lock(&vp->lock);
		live = !e->cgroup_id;	/* nothing to free */
		pthread_mutex_unlock(&vp->lock);
		if (live)
			continue;
		if (batch && got[i])
			s = slots[i];
		else if (bpf_map_lookup_elem(src->st->slots_fd, &i, &s) < 0)
			continue;	/* cannot tell: keep it */
		pthread_mutex_lock(&vp->lock);
		if (e->cgroup_id && (e->cgroup_id != s.cgroup_id || !kava_slot_live(&s, e->gen))) {
			entry_clear(vp, e, 1);
			freed++;
		}
		pthread_mutex_unlock(&vp->lock);
	}
	free(slots);
	return freed;
}

void view_paths_stats(const struct view_source *src, size_t *held, uint64_t *resolved)
{
	struct view_paths *vp = src->paths;

	pthread_mutex_lock(&vp->lock);
	*held = vp->held;
	*resolved = vp->resolved;
	pthread_mutex_unlock(&vp->lock);
}
