// SPDX-License-Identifier: GPL-2.0
/*
 * The enabled-container table (src/sched/registry.c) on real BPF maps of the
 * pinned layouts, created here (root; skipped otherwise). A failed enable,
 * seeding included, leaves the table as it was: the error contract of
 * `kava enable A B C` (all or none) rests on it.
 */
#include "../../common/unit.h"
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kava.h"
#include "sched/registry.h"
#include "sched/state.h"

static int make_maps(void **state)
{
	static struct kava_state st;
	struct kava_config cfg = { .abi_version = KAVA_ABI_VERSION };
	__u32 zero = 0;
	int ncpus = libbpf_num_possible_cpus();

	if (geteuid() != 0 || ncpus <= 0)
		return -1;
	memset(&st, 0, sizeof(st));
	st.nr_cpus = (unsigned int)ncpus;
	st.config_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_config", 4, sizeof(struct kava_config), 1, NULL);
	st.enabled_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "t_enabled", 8, sizeof(struct kava_owner),
				       KAVA_MAX_CONTAINERS, NULL);
	st.slots_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_slots", 4, sizeof(struct kava_slot),
				     KAVA_MAX_CONTAINERS, NULL);
	st.cpustats_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "t_cpustats", 4,
					sizeof(struct kava_cpustats), KAVA_MAX_CONTAINERS, NULL);
	st.cgcache_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "t_cgcache", 8,
				       sizeof(struct kava_cgcache_entry), KAVA_CGCACHE_SIZE, NULL);
	st.seed_prog_fd = -1;          /* no iterator: seeding fails with EBADF */
	if (st.config_fd < 0 || st.enabled_fd < 0 || st.slots_fd < 0 || st.cpustats_fd < 0 ||
	    st.cgcache_fd < 0 ||
	    bpf_map_update_elem(st.config_fd, &zero, &cfg, BPF_ANY) < 0)
		return -1;
	*state = &st;
	return 0;
}

static int close_maps(void **state)
{
	struct kava_state *st = *state;

	close(st->config_fd);
	close(st->enabled_fd);
	close(st->slots_fd);
	close(st->cpustats_fd);
	close(st->cgcache_fd);
	return 0;
}

static void failed_seed_leaves_nothing_enabled(void **state)
{
	struct kava_state *st = *state;
	struct kava_config cfg;
	struct kava_owner o;
	struct kava_slot s;
	__u32 zero = 0, slot = 0;
	uint64_t id = 4242;

	assert_true(registry_enable(st, id, &slot) < 0);
	assert_int_equal(bpf_map_lookup_elem(st->enabled_fd, &id, &o), -ENOENT);
	assert_int_equal(bpf_map_lookup_elem(st->slots_fd, &slot, &s), 0);
	assert_false(kava_slot_live(&s, s.gen));
	assert_int_equal(bpf_map_lookup_elem(st->config_fd, &zero, &cfg), 0);
	assert_int_equal(cfg.nr_enabled, 0);
	/* and the table still works: the id can be tried again */
	assert_true(registry_enable(st, id, &slot) < 0);
	assert_int_equal(bpf_map_lookup_elem(st->config_fd, &zero, &cfg), 0);
	assert_int_equal(cfg.nr_enabled, 0);
}

static void cache_put(struct kava_state *st, uint64_t id, uint32_t slot, uint32_t gen)
{
	struct kava_cgcache_entry e = { .owner = { .slot = slot, .gen = gen }, .epoch = 1 };

	assert_int_equal(bpf_map_update_elem(st->cgcache_fd, &id, &e, BPF_ANY), 0);
}

static int cached(struct kava_state *st, uint64_t id)
{
	struct kava_cgcache_entry e;

	return bpf_map_lookup_elem(st->cgcache_fd, &id, &e) == 0;
}

/*
 * Taking a slot back drops every cgroup-cache entry naming it (the
 * container's cgroup and its descendants), more than one batch of them,
 * and nothing else; a removed cgroup's own entry goes on its rmdir.
 */
static void unpublish_sweeps_the_cgroup_cache(void **state)
{
	struct kava_state *st = *state;
	struct kava_slot s;
	uint32_t slot = 0, i, owned = 0, other = 0;
	uint64_t id;

	/* the enable below takes slot 0 at generation (its gen + 1), then undoes itself */
	assert_int_equal(bpf_map_lookup_elem(st->slots_fd, &slot, &s), 0);
	for (id = 1; id <= 3000; id++)
		cache_put(st, id, id % 3 == 0 ? 0 : id % 3 == 1 ? 1 : KAVA_NO_SLOT,
			  id % 3 == 0 ? s.gen + 1 : s.gen);
	cache_put(st, 5000, 0, s.gen);	/* slot 0, an older generation: not this one */
	assert_true(registry_enable(st, 4242, &slot) < 0);
	assert_int_equal(slot, 0);
	for (id = 1; id <= 3000; id++) {
		if (id % 3 == 0)
			owned += cached(st, id);
		else
			other += cached(st, id);
	}
	assert_int_equal(owned, 0);
	assert_int_equal(other, 2000);
	assert_true(cached(st, 5000));
	registry_forget_cgroup(st, 5000);
	assert_false(cached(st, 5000));
	registry_forget_cgroup(st, 5000);	/* twice: nothing to do */
	for (i = 1; i <= 2; i++)
		assert_true(cached(st, i));
}

struct visits {
	uint8_t seen[KAVA_MAX_CONTAINERS];
	unsigned int n, stop_after;
};

static int visit(uint32_t slot, const struct kava_slot *s, void *arg)
{
	struct visits *v = arg;

	assert_true(slot < KAVA_MAX_CONTAINERS);
	assert_int_equal(s->cgroup_id, 100000 + slot);
	assert_false(v->seen[slot]);
	v->seen[slot] = 1;
	return ++v->n == v->stop_after;
}

/*
 * registry_foreach() (batched where the kernel has batches) calls back for
 * every enabled cgroup whose slot holds it at the same generation, once,
 * more than one batch's worth, and stops when the callback says so.
 */
static void foreach_visits_the_live(void **state)
{
	struct kava_state *st = *state;
	struct visits v;
	uint32_t slot;

	for (slot = 0; slot < 900; slot++) {
		uint64_t id = 100000 + slot;
		struct kava_owner o = { .slot = slot, .gen = 3 };
		struct kava_slot s = { .cgroup_id = id, .gen = 3 };

		if (slot % 10 == 1)
			s.gen = 4;		/* re-enabled since: not this owner's */
		if (slot % 10 == 2)
			s.cgroup_id = 7;	/* the slot holds another cgroup now */
		assert_int_equal(bpf_map_update_elem(st->enabled_fd, &id, &o, BPF_ANY), 0);
		assert_int_equal(bpf_map_update_elem(st->slots_fd, &slot, &s, BPF_ANY), 0);
	}
	memset(&v, 0, sizeof(v));
	assert_int_equal(registry_foreach(st, visit, &v), 0);
	assert_int_equal(v.n, 900 - 90 - 90);
	for (slot = 0; slot < 900; slot++)
		assert_int_equal(v.seen[slot], slot % 10 != 1 && slot % 10 != 2);
	memset(&v, 0, sizeof(v));
	v.stop_after = 5;
	assert_int_equal(registry_foreach(st, visit, &v), 1);
	assert_int_equal(v.n, 5);
}

/*
 * Every change of the table is counted in kava_seq.registry (the view's
 * kept reader resolutions, src/view/reader.c), an enable undone included:
 * a reader may have resolved to it meanwhile. On a mapped BPF_F_MMAPABLE
 * array, as the agent's.
 */
static void changes_are_counted_for_readers(void **state)
{
	struct kava_state *st = *state;
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_seq", 4, sizeof(struct kava_seq), 1, &opts);
	long page = sysconf(_SC_PAGESIZE);
	uint64_t before;
	uint32_t slot = 0;
	void *p;

	assert_true(fd >= 0);
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	st->seq = p;
	before = st->seq->registry;
	assert_true(registry_enable(st, 4343, &slot) < 0);	/* no iterator: undone */
	assert_true(st->seq->registry >= before + 1);
	assert_int_equal(st->seq->moves, 0);	/* the BPF side's field is left alone */
	st->seq = NULL;
	munmap(p, (size_t)page);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(failed_seed_leaves_nothing_enabled, make_maps,
						close_maps),
		cmocka_unit_test_setup_teardown(unpublish_sweeps_the_cgroup_cache, make_maps,
						close_maps),
		cmocka_unit_test_setup_teardown(foreach_visits_the_live, make_maps, close_maps),
		cmocka_unit_test_setup_teardown(changes_are_counted_for_readers, make_maps, close_maps),
	};

	if (geteuid() != 0) {
		printf("ok 1 - registry # SKIP needs root to create BPF maps\n1..1\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
