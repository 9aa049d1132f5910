// SPDX-License-Identifier: GPL-2.0
/*
 * The view's cache of container paths (src/view/paths.c) on a real slots
 * map and real cgroups (root and cgroup2; skipped otherwise): more
 * containers than the old 64-entry table held are each resolved once, a
 * reused slot is resolved again to the right directory, and the entries of
 * containers gone are freed.
 */
#include "../../common/unit.h"
#include <bpf/bpf.h>
#include "cgroup/path.h"
#include "kava.h"
#include "sched/state.h"
#include "view/content.h"
#include "view/paths.h"

#define NCG 100

struct fixture {
	struct kava_state st;
	struct view_source src;
	char base[PATH_MAX + 64];
	uint64_t id[NCG];
	uint32_t gen[NCG];
	char *online;
};

static void cg_dir(const struct fixture *f, int i, char *out, size_t size)
{
	snprintf(out, size, "%s/c%d", f->base, i);
}

static void put_slot(struct fixture *f, uint32_t i, uint64_t id, uint32_t gen)
{
	struct kava_slot s = { .cgroup_id = id, .gen = gen };

	assert_int_equal(bpf_map_update_elem(f->st.slots_fd, &i, &s, BPF_ANY), 0);
	f->gen[i] = gen;
}

static int setup(void **state)
{
	static struct fixture f;
	char mount[PATH_MAX / 2], own[PATH_MAX / 2], dir[PATH_MAX + 96], *text = NULL;
	int i;

	memset(&f, 0, sizeof(f));
	if (geteuid() != 0 || cgroup2_mount(mount, sizeof(mount)) < 0 ||
	    read_file("/proc/self/cgroup", &text, NULL) < 0)
		return -1;
	i = cgroup_v2_path_from_proc(text, own, sizeof(own));
	free(text);
	if (i < 0)
		return -1;
	snprintf(f.base, sizeof(f.base), "%s%s/kava-test-%d-paths", mount,
		 strcmp(own, "/") ? own : "", (int)getpid());
	if (mkdir(f.base, 0755) < 0)
		return -1;
	f.st.slots_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_slots", 4, sizeof(struct kava_slot),
				       KAVA_MAX_CONTAINERS, NULL);
	if (f.st.slots_fd < 0 || read_file("/sys/devices/system/cpu/online", &f.online, NULL) < 0)
		return -1;
	for (i = 0; i < NCG; i++) {
		cg_dir(&f, i, dir, sizeof(dir));
		if (mkdir(dir, 0755) < 0 || cgroup_id_of_path(dir, &f.id[i]) < 0)
			return -1;
		put_slot(&f, (uint32_t)i, f.id[i], 1);
	}
	if (view_source_init(&f.src, &f.st) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX + 96];
	int i;

	view_source_free(&f->src);
	close(f->st.slots_fd);
	free(f->online);
	for (i = 0; i < NCG; i++) {
		cg_dir(f, i, dir, sizeof(dir));
		rmdir(dir);
	}
	rmdir(f->base);
	return 0;
}

/* The v2 directory the view finds for slot i (as metrics and kava top ask). */
static void limits_path(struct fixture *f, uint32_t i, char *out, size_t size)
{
	struct kava_owner o = { .slot = i, .gen = f->gen[i] };
	struct view_limits *lim = malloc(sizeof(*lim));

	assert_non_null(lim);
	assert_int_equal(view_container_limits(&f->src, &o, 0, f->online, lim), 0);
	snprintf(out, size, "%s", lim->v2_path);
	free(lim);
}

static void every_container_resolved_once(void **state)
{
	struct fixture *f = *state;
	char got[PATH_MAX], want[PATH_MAX + 96];
	uint64_t before, after;
	size_t held;
	int pass, i;

	view_paths_stats(&f->src, &held, &before);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < NCG; i++) {
			limits_path(f, (uint32_t)i, got, sizeof(got));
			cg_dir(f, i, want, sizeof(want));
			assert_string_equal(got, want);
		}
	view_paths_stats(&f->src, &held, &after);
	assert_int_equal(after - before, NCG);
	assert_int_equal(held, NCG);
}

static void reused_slot_resolved_again(void **state)
{
	struct fixture *f = *state;
	char got[PATH_MAX], want[PATH_MAX + 96];
	uint64_t before, after;
	size_t held;

	for (int i = 0; i < NCG; i++)
		limits_path(f, (uint32_t)i, got, sizeof(got));
	view_paths_stats(&f->src, &held, &before);
	/* slot 3 now holds c7's cgroup, a new generation: the view follows */
	put_slot(f, 3, f->id[7], f->gen[3] + 1);
	limits_path(f, 3, got, sizeof(got));
	cg_dir(f, 7, want, sizeof(want));
	assert_string_equal(got, want);
	/* the same cgroup again at a newer generation: resolved again too */
	put_slot(f, 3, f->id[3], f->gen[3] + 1);
	limits_path(f, 3, got, sizeof(got));
	cg_dir(f, 3, want, sizeof(want));
	assert_string_equal(got, want);
	view_paths_stats(&f->src, &held, &after);
	assert_int_equal(after - before, 2);
}

static void prune_frees_the_gone(void **state)
{
	struct fixture *f = *state;
	char got[PATH_MAX];
	uint64_t resolved;
	size_t held;

	for (int i = 0; i < NCG; i++)
		limits_path(f, (uint32_t)i, got, sizeof(got));
	assert_int_equal(view_paths_prune(&f->src), 0);
	view_paths_stats(&f->src, &held, &resolved);
	assert_int_equal(held, NCG);
	/* two disabled (slot freed, generation bumped), one reused by another cgroup */
	put_slot(f, 10, 0, f->gen[10] + 1);
	put_slot(f, 11, 0, f->gen[11] + 1);
	put_slot(f, 12, f->id[13], f->gen[12] + 1);
	assert_int_equal(view_paths_prune(&f->src), 3);
	view_paths_stats(&f->src, &held, &resolved);
	assert_int_equal(held, NCG - 3);
	put_slot(f, 10, f->id[10], f->gen[10] + 1);
	put_slot(f, 11, f->id[11], f->gen[11] + 1);
	put_slot(f, 12, f->id[12], f->gen[12] + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_container_resolved_once),
		cmocka_unit_test(reused_slot_resolved_again),
		cmocka_unit_test(prune_frees_the_gone),
	};

	char mount[PATH_MAX];

	if (geteuid() != 0 || cgroup2_mount(mount, sizeof(mount)) < 0) {
		printf("ok 1 - paths # SKIP needs root and a cgroup2 mount\n1..1\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
