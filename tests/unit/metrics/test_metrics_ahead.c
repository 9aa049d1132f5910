// SPDX-License-Identifier: GPL-2.0
/*
 * Reading containers' limits ahead of the scrape (metrics_limits_ahead(),
 * src/metrics/collect.c) on real BPF maps and real cgroups (root; skipped
 * otherwise; on a hybrid host each cgroup gets its v1 directories at the same
 * path, as container runtimes lay them out): every enabled container is read
 * once, `max` at a time; a new generation in a slot is read again; and a
 * scrape of every container right after reads none of them (without the
 * read-ahead it reads them all: the first scrape after enabling 1,000
 * containers read 1,000 containers' limits).
 */
#include "../../common/unit.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup/path.h"
#include "kava.h"
#include "metrics/collect.h"
#include "sched/state.h"
#include "view/content.h"

#define NCG 10

struct fixture {
	struct kava_state st;
	struct view_source src;
	char base[PATH_MAX / 2];       /* relative to the cgroup2 mount */
	uint64_t id[NCG];
	uint32_t gen[NCG];
};

/* The directory of cgroup i (-1: the base) in the v2 hierarchy or v1 hierarchy h (>= 0). */
static void cg_dir(const struct fixture *f, int h, int i, char *out, size_t size)
{
	const char *mount = h < 0 ? f->src.cgroup2_mount : f->src.v1.dir[h];

	if (i < 0)
		snprintf(out, size, "%s%s", mount, f->base);
	else
		snprintf(out, size, "%s%s/c%d", mount, f->base, i);
}

static int mkdirs(const struct fixture *f, int i)
{
	char dir[2 * PATH_MAX];
	int h;

	for (h = -1; h < V1_COUNT; h++) {
		if (h >= 0 && !f->src.v1.dir[h][0])
			continue;
		cg_dir(f, h, i, dir, sizeof(dir));
		if (mkdir(dir, 0755) < 0)
			return -1;
	}
	return 0;
}

static void rmdirs(const struct fixture *f, int i)
{
	char dir[2 * PATH_MAX];
	int h;

	for (h = -1; h < V1_COUNT; h++) {
		if (h >= 0 && !f->src.v1.dir[h][0])
			continue;
		cg_dir(f, h, i, dir, sizeof(dir));
		rmdir(dir);
	}
}

/* Slot i holds cgroup i at generation gen, enabled. */
static void put_slot(struct fixture *f, uint32_t i, uint32_t gen)
{
	struct kava_slot s = { .cgroup_id = f->id[i], .gen = gen };
	struct kava_owner o = { .slot = i, .gen = gen };

	assert_int_equal(bpf_map_update_elem(f->st.slots_fd, &i, &s, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(f->st.enabled_fd, &f->id[i], &o, BPF_ANY), 0);
	f->gen[i] = gen;
}

static int setup(void **state)
{
	static struct fixture f;
	char own[PATH_MAX / 4], dir[2 * PATH_MAX], *text = NULL;
	int ncpus = libbpf_num_possible_cpus(), i;

	memset(&f, 0, sizeof(f));
	if (read_file("/proc/self/cgroup", &text, NULL) < 0)
		return -1;
	i = cgroup_v2_path_from_proc(text, own, sizeof(own));
	free(text);
	if (i < 0 || ncpus <= 0)
		return -1;
	f.st.nr_cpus = (unsigned int)ncpus;
	f.st.enabled_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "t_enabled", 8, sizeof(struct kava_owner),
					 KAVA_MAX_CONTAINERS, NULL);
	f.st.slots_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_slots", 4, sizeof(struct kava_slot),
				       KAVA_MAX_CONTAINERS, NULL);
	f.st.cpustats_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "t_cpustats", 4,
					  sizeof(struct kava_cpustats), KAVA_MAX_CONTAINERS, NULL);
	f.st.cpucur_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "t_cpucur", 4,
					sizeof(struct kava_cpucur), 1, NULL);
	if (f.st.enabled_fd < 0 || f.st.slots_fd < 0 || f.st.cpustats_fd < 0 || f.st.cpucur_fd < 0 ||
	    view_source_init(&f.src, &f.st) < 0)
		return -1;
	snprintf(f.base, sizeof(f.base), "%s/kava-test-%d-ahead", strcmp(own, "/") ? own : "",
		 (int)getpid());
	if (mkdirs(&f, -1) < 0)
		return -1;	/* our own cgroup is not mirrored in some v1 hierarchy */
	for (i = 0; i < NCG; i++) {
		cg_dir(&f, -1, i, dir, sizeof(dir));
		if (mkdirs(&f, i) < 0 || cgroup_id_of_path(dir, &f.id[i]) < 0)
			return -1;
		put_slot(&f, (uint32_t)i, 1);
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	view_source_free(&f->src);
	close(f->st.enabled_fd);
	close(f->st.slots_fd);
	close(f->st.cpustats_fd);
	close(f->st.cpucur_fd);
	for (i = 0; i < NCG; i++)
		rmdirs(f, i);
	rmdirs(f, -1);
	return 0;
}

/* Full limit reads by one scrape of every container. */
static uint64_t scrape_reads(struct fixture *f)
{
	struct metrics_set set;
	uint64_t before, after, ahead;

	metrics_limits_stats(&before, &ahead);
	assert_int_equal(metrics_collect(&f->src, NULL, 0, &set), 0);
	assert_int_equal(set.n, NCG);
	metrics_set_free(&set);
	metrics_limits_stats(&after, &ahead);
	return after - before;
}

static void first_scrape_reads_all_without_ahead(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < NCG; i++)
		put_slot(f, (uint32_t)i, f->gen[i] + 1);
	/* the check below would pass for nothing if the scrape could not read them */
	assert_int_equal(scrape_reads(f), NCG);
	/* kept: the next scrape (within 5 s) reads none */
	assert_int_equal(scrape_reads(f), 0);
}

static void ahead_reads_each_once_then_scrape_reads_none(void **state)
{
	struct fixture *f = *state;
	unsigned int read, total = 0;
	uint64_t s0, a0, s1, a1;
	int i, more, calls = 0;

	for (i = 0; i < NCG; i++)
		put_slot(f, (uint32_t)i, f->gen[i] + 1);
	metrics_limits_stats(&s0, &a0);
	/* at most 4 at a time: "more" until every one was read */
	do {
		more = metrics_limits_ahead(&f->src, 4, &read);
		assert_true(more >= 0);
		assert_true(read <= 4);
		total += read;
		calls++;
	} while (more && calls < 10);
	assert_int_equal(more, 0);
	assert_int_equal(calls, 3);	/* 4 + 4 + 2 */
	assert_int_equal(total, NCG);
	/* nothing new: nothing read */
	assert_int_equal(metrics_limits_ahead(&f->src, 4, &read), 0);
	assert_int_equal(read, 0);
	metrics_limits_stats(&s1, &a1);
	assert_int_equal(a1 - a0, NCG);
	assert_int_equal(s1 - s0, 0);
	/* the first scrape finds every container's limits kept */
	assert_int_equal(scrape_reads(f), 0);
}

static void new_generation_read_again(void **state)
{
	struct fixture *f = *state;
	unsigned int read;

	assert_int_equal(metrics_limits_ahead(&f->src, NCG, &read), 0);
	/* slot 3 disabled and enabled again: a new generation, its limits read again */
	put_slot(f, 3, f->gen[3] + 1);
	assert_int_equal(metrics_limits_ahead(&f->src, NCG, &read), 0);
	assert_int_equal(read, 1);
	assert_int_equal(metrics_limits_ahead(&f->src, NCG, &read), 0);
	assert_int_equal(read, 0);
	assert_int_equal(scrape_reads(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_scrape_reads_all_without_ahead),
		cmocka_unit_test(ahead_reads_each_once_then_scrape_reads_none),
		cmocka_unit_test(new_generation_read_again),
	};
	char mount[PATH_MAX];

	if (geteuid() != 0 || cgroup2_mount(mount, sizeof(mount)) < 0) {
		printf("ok 1 - metrics_ahead # SKIP needs root and a cgroup2 mount\n1..1\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
