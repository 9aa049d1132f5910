// SPDX-License-Identifier: GPL-2.0
/* The table of enabled containers, shared by every kava process. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cgroup/path.h"
#include "sched/registry.h"
#include "common/util.h"

#define LOCK_PATH "/run/kava.lock"

static int lock_table(void)
{
	int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void unlock_table(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

/*
 * kava_seq.registry: the view's readers resolve anew (src/view/reader.c).
 * Counted after every change of the enabled table or a slot's liveness, so
 * a resolution kept from before the count reads as stale once it moved. An
 * atomic add on the mapped page, never a map update: the BPF programs add
 * to the other fields at any time. st->seq is NULL only for hand-made
 * states (unit tests); kava_state_open() maps it or fails.
 */
static void count_change(struct kava_state *st)
{
	if (st->seq)
		__atomic_fetch_add(&st->seq->registry, 1, __ATOMIC_SEQ_CST);
}

/*
 * Count an enable (+1) or disable (-1) and start a new cache epoch, so every
 * cgroup's container is resolved anew by the BPF side, and the view's
 * readers by the agent.
 */
static int update_config(struct kava_state *st, int delta)
{
	struct kava_config cfg;
	__u32 zero = 0;
	int err;

	if (bpf_map_lookup_elem(st->config_fd, &zero, &cfg) < 0)
		return -errno;
	if (delta < 0 && cfg.nr_enabled == 0)
		return -EINVAL;
	cfg.nr_enabled += (__u32)delta;
	cfg.epoch++;
	err = bpf_map_update_elem(st->config_fd, &zero, &cfg, BPF_ANY) < 0 ? -errno : 0;
	count_change(st);
	return err;
}

static int zero_cpustats(struct kava_state *st, uint32_t slot)
{
	struct kava_cpustats *zeros = calloc(st->nr_cpus, sizeof(*zeros));
	int err = 0;

	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(st->cpustats_fd, &slot, zeros, BPF_ANY) < 0)
		err = -errno;
	free(zeros);
	return err;
}

/* kava_config.seeding: which slot's seed may move its uptime origin back (slot + 1), or 0. */
static int set_seeding(struct kava_state *st, uint32_t value)
{
	struct kava_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(st->config_fd, &zero, &cfg) < 0)
		return -errno;
	cfg.seeding = value;
	return bpf_map_update_elem(st->config_fd, &zero, &cfg, BPF_ANY) < 0 ? -errno : 0;
}

/*
 * The seed right after enabling `slot`: it counts the tasks that were there
 * and, for this slot only, takes the start of the oldest as the origin of
 * the container's uptime. Later seeds (other enables) leave it alone, so a
 * task moved in afterwards never moves the origin.
 */
static int seed_new_slot(struct kava_state *st, uint32_t slot)
{
	int err = set_seeding(st, slot + 1), err2;

	if (!err)
		err = registry_seed(st);
	err2 = set_seeding(st, 0);
	return err ? err : err2;
}

static int read_config(const struct kava_state *st, struct kava_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(st->config_fd, &zero, cfg) < 0 ? -errno : 0;
}

int registry_epoch(const struct kava_state *st, uint32_t *epoch)
{
	struct kava_config cfg;
	int err = read_config(st, &cfg);

	if (!err)
		*epoch = cfg.epoch;
	return err;
}

int registry_count(const struct kava_state *st, uint32_t *count)
{
	struct kava_config cfg;
	int err = read_config(st, &cfg);

	if (!err)
		*count = cfg.nr_enabled;
	return err;
}

int registry_lookup(struct kava_state *st, uint64_t cgroup_id, uint32_t *slot,
		    struct kava_slot *out)
{
	struct kava_owner o;

	if (bpf_map_lookup_elem(st->enabled_fd, &cgroup_id, &o) < 0)
		return -ENOENT;
	*slot = o.slot;
	if (out && bpf_map_lookup_elem(st->slots_fd, &o.slot, out) < 0)
		return -errno;
	return 0;
}

static int find_free_slot(struct kava_state *st, uint32_t *slot, struct kava_slot *s)
{
	uint32_t i;

	for (i = 0; i < KAVA_MAX_CONTAINERS; i++) {
		if (bpf_map_lookup_elem(st->slots_fd, &i, s) < 0)
			return -errno;
		if (!s->cgroup_id) {
			*slot = i;
			return 0;
		}
	}
	return -ENOSPC;
}

#define SWEEP_CHUNK 1024

/* Delete the cgroup-cache entries of keys[0..n) whose owner is (slot, gen). */
static void drop_owned(struct kava_state *st, const uint64_t *keys,
		       const struct kava_cgcache_entry *vals, uint32_t n, uint32_t slot, uint32_t gen)
{
	for (uint32_t i = 0; i < n; i++)
		if (vals[i].owner.slot == slot && vals[i].owner.gen == gen)
			bpf_map_delete_elem(st->cgcache_fd, &keys[i]);	/* gone already: fine */
}

/*
 * After a disable, the cgroup -> container cache still holds an entry for
 * the container's cgroup and for each descendant seen: stale by epoch (never
 * trusted again), but kept until the LRU evicts them, and a fleet that
 * creates and removes containers all day would fill the cache with the dead.
 * Drop every entry that names the slot's old generation. Batched reads
 * (htab_map_lookup_batch(), 5.6+) where the kernel has them, else one key at
 * a time.
 */
static void sweep_cgcache(struct kava_state *st, uint32_t slot, uint32_t gen)
{
	uint64_t *keys = calloc(SWEEP_CHUNK, sizeof(*keys)), in = 0, out = 0, key, next;
	struct kava_cgcache_entry *vals = calloc(SWEEP_CHUNK, sizeof(*vals));
	int first = 1, err;
	uint32_t n;

	if (!keys || !vals)
		goto out;
	for (;;) {
		n = SWEEP_CHUNK;
		err = bpf_map_lookup_batch(st->cgcache_fd, first ? NULL : &in, &out, keys, vals, &n,
					   NULL) < 0 ? -errno : 0;
		if (err && err != -ENOENT)
			break;
		drop_owned(st, keys, vals, n, slot, gen);
		if (err == -ENOENT)
			goto out;	/* the whole map was read */
		in = out;
		first = 0;
	}
	if (!first)
		goto out;	/* failed half-way: what is left, the LRU evicts */
	/* no batch operations: collect a chunk of owned keys, delete, go on */
	err = bpf_map_get_next_key(st->cgcache_fd, NULL, &key);
	while (!err) {
		n = 0;
		do {
			if (bpf_map_lookup_elem(st->cgcache_fd, &key, &vals[n]) == 0)
				keys[n++] = key;
			err = bpf_map_get_next_key(st->cgcache_fd, &key, &next);
			key = next;
		} while (!err && n < SWEEP_CHUNK);
		drop_owned(st, keys, vals, n, slot, gen);
	}
out:
	free(keys);
	free(vals);
}

void registry_forget_cgroup(struct kava_state *st, uint64_t cgroup_id)
{
	bpf_map_delete_elem(st->cgcache_fd, &cgroup_id);	/* never seen: nothing to do */
}

/*
 * Take a published slot back: the enabled entry, then the slot (a new
 * generation orphans per-task records), then the count, then the cache
 * entries that named it. The steps of registry_disable(), also used to undo
 * an enable that failed half-way.
 */
static int unpublish(struct kava_state *st, uint64_t cgroup_id, uint32_t slot,
		     struct kava_slot *s, int counted)
{
	uint32_t old_gen = s->gen;
	int err;

	if (bpf_map_delete_elem(st->enabled_fd, &cgroup_id) < 0 && errno != ENOENT)
		return -errno;
	s->cgroup_id = 0;
	s->gen++;
	if (bpf_map_update_elem(st->slots_fd, &slot, s, BPF_ANY) < 0)
		return -errno;
	err = counted ? update_config(st, -1) : 0;
	if (!counted)
		count_change(st);	/* an enable undone: a reader may have seen it meanwhile */
	/* after the epoch moved on: an entry written from here on names no dead slot */
	sweep_cgcache(st, slot, old_gen);
	return err;
}

int registry_enable(struct kava_state *st, uint64_t cgroup_id, uint32_t *slot)
{
	struct kava_owner owner;
	struct kava_slot s;
	int lock, err, counted = 0;

	lock = lock_table();
	if (lock < 0)
		return lock;
	if (registry_lookup(st, cgroup_id, slot, NULL) == 0) {
		err = -EEXIST;
		goto out;
	}
	err = find_free_slot(st, slot, &s);
	if (err < 0)
		goto out;
	/* Counters first, then the slot, then publish it to the BPF side. */
	err = zero_cpustats(st, *slot);
	if (err < 0)
		goto out;
	s.gen++;
	s.cgroup_id = cgroup_id;
	s.last_pid = 0;
	s.enabled_ns = monotonic_ns();
	s.start_boot_ns = boottime_ns();	/* the seed moves it back to the oldest task's start */
	memset(s.avenrun, 0, sizeof(s.avenrun));
	s.samples = 0;
	s.last_active = 0;
	if (bpf_map_update_elem(st->slots_fd, slot, &s, BPF_ANY) < 0) {
		err = -errno;
		goto out;
	}
	owner.slot = *slot;
	owner.gen = s.gen;
	if (bpf_map_update_elem(st->enabled_fd, &cgroup_id, &owner, BPF_NOEXIST) < 0) {
		err = -errno;
		goto undo;
	}
	err = update_config(st, 1);
	if (err < 0)
		goto undo;
	counted = 1;
	err = seed_new_slot(st, *slot);
	if (!err)
		goto out;
undo:
	/* all or nothing: an enable that failed half-way leaves no trace */
	if (unpublish(st, cgroup_id, *slot, &s, counted) < 0)
		err = -EIO;
out:
	unlock_table(lock);
	return err;
}

int registry_disable(struct kava_state *st, uint64_t cgroup_id)
{
	struct kava_slot s;
	uint32_t slot;
	int lock, err;

	lock = lock_table();
	if (lock < 0)
		return lock;
	err = registry_lookup(st, cgroup_id, &slot, &s);
	if (!err)
		err = unpublish(st, cgroup_id, slot, &s, 1);
	unlock_table(lock);
	return err;
}

/*
 * The enabled table and every slot in two system calls (batched lookups:
 * htab_map_lookup_batch(), generic_map_lookup_batch(), 5.6+) instead of
 * three per container: a metrics scrape or a memstat pass at 1,000
 * containers made 3,000. *read is set once both tables are read; until
 * then -EOPNOTSUPP (a kernel without batches) sends the caller to the walk
 * one key at a time.
 */
static int foreach_batched(const struct kava_state *st,
			   int (*fn)(uint32_t slot, const struct kava_slot *s, void *arg), void *arg,
			   int *read)
{
	uint64_t *keys = malloc(KAVA_MAX_CONTAINERS * sizeof(*keys));
	struct kava_owner *owners = malloc(KAVA_MAX_CONTAINERS * sizeof(*owners));
	struct kava_slot *slots = malloc(KAVA_MAX_CONTAINERS * sizeof(*slots));
	uint32_t *slot_keys = malloc(KAVA_MAX_CONTAINERS * sizeof(*slot_keys));
	uint32_t n = 0, got, ns = KAVA_MAX_CONTAINERS, i;
	uint64_t in = 0, out = 0;
	uint32_t sout = 0;
	int err = 0, ret = 0, first = 1;

	if (!keys || !owners || !slots || !slot_keys) {
		err = -ENOMEM;
		goto out;
	}
	/* the enabled table: several calls only if the kernel returns it in parts */
	while (n < KAVA_MAX_CONTAINERS) {
		got = KAVA_MAX_CONTAINERS - n;
		err = bpf_map_lookup_batch(st->enabled_fd, first ? NULL : &in, &out, keys + n,
					   owners + n, &got, NULL) < 0 ? -errno : 0;
		if (err && err != -ENOENT) {
			if (first)
				err = -EOPNOTSUPP;
			goto out;
		}
		n += got;
		if (err == -ENOENT)
			break;
		in = out;
		first = 0;
	}
	err = bpf_map_lookup_batch(st->slots_fd, NULL, &sout, slot_keys, slots, &ns, NULL) < 0
	      ? -errno : 0;
	if (err && err != -ENOENT) {
		err = -EOPNOTSUPP;
		goto out;
	}
	err = 0;
	*read = 1;
	for (i = 0; i < n && !ret; i++) {
		uint32_t slot = owners[i].slot;
		const struct kava_slot *s;

		/* an array map gives its keys in order from 0 */
		if (slot >= ns || slot_keys[slot] != slot)
			continue;
		s = &slots[slot];
		if (s->cgroup_id == keys[i] && kava_slot_live(s, owners[i].gen))
			ret = fn(slot, s, arg);
	}
	if (ret)
		err = ret;
out:
	free(keys);
	free(owners);
	free(slots);
	free(slot_keys);
	return err;
}

int registry_foreach(const struct kava_state *st,
		     int (*fn)(uint32_t slot, const struct kava_slot *s, void *arg), void *arg)
{
	struct kava_owner o;
	struct kava_slot s;
	uint64_t key, next;
	int err, ret, read = 0;

	err = foreach_batched(st, fn, arg, &read);
	if (read || err != -EOPNOTSUPP)
		return err;
	/* walk the enabled table (few entries), not all the slots */
	err = bpf_map_get_next_key(st->enabled_fd, NULL, &key) ? -errno : 0;
	while (!err) {
		err = bpf_map_get_next_key(st->enabled_fd, &key, &next) ? -errno : 0;
		if (bpf_map_lookup_elem(st->enabled_fd, &key, &o) == 0 &&
		    bpf_map_lookup_elem(st->slots_fd, &o.slot, &s) == 0 && s.cgroup_id == key &&
		    kava_slot_live(&s, o.gen)) {
			ret = fn(o.slot, &s, arg);
			if (ret)
				return ret;
		}
		key = next;
	}
	return err == -ENOENT ? 0 : err;
}

int registry_seed(struct kava_state *st)
{
	char buf[256];
	int link, iter, err = 0;
	ssize_t n;

	link = bpf_link_create(st->seed_prog_fd, 0, BPF_TRACE_ITER, NULL);
	if (link < 0)
		return -errno;
	iter = bpf_iter_create(link);
	if (iter < 0) {
		err = -errno;
		goto out;
	}
	while ((n = read(iter, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(iter);
out:
	close(link);
	return err;
}

struct prune_ctx {
	const char *mount;
	uint64_t gone[KAVA_MAX_CONTAINERS];
	unsigned int n;
};

static int collect_gone(uint32_t slot, const struct kava_slot *s, void *arg)
{
	struct prune_ctx *c = arg;
	char path[4096];
	int err;

	(void)slot;
	err = cgroup_path_of_id(c->mount, s->cgroup_id, path, sizeof(path));
	if ((err == -ESTALE || err == -ENOENT) && c->n < KAVA_MAX_CONTAINERS)
		c->gone[c->n++] = s->cgroup_id;
	return 0;
}

int registry_prune(struct kava_state *st, const char *cgroup2_mount)
{
	struct prune_ctx *c = calloc(1, sizeof(*c));
	unsigned int i;
	int err, pruned = 0;

	if (!c)
		return -ENOMEM;
	c->mount = cgroup2_mount;
	err = registry_foreach(st, collect_gone, c);
	for (i = 0; !err && i < c->n; i++) {
		err = registry_disable(st, c->gone[i]);
		if (err == -ENOENT)	/* another kava process got there first */
			err = 0;
		else if (!err)
			pruned++;
	}
	free(c);
	return err < 0 ? err : pruned;
}
