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
#include "sched/figures_read.h"
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

/* mkdir (make 1) or rmdir (make 0) cgroup i's directories, v2 and each v1 one; -1 if one failed. */
static int dirs(const struct fixture *f, int i, int make)
{
	char dir[2 * PATH_MAX];
	int h, err = 0;

	for (h = -1; h < V1_COUNT; h++) {
		if (h >= 0 && !f->src.v1.dir[h][0])
			continue;
		cg_dir(f, h, i, dir, sizeof(dir));
		if (make && mkdir(dir, 0755) < 0)
			return -1;
		if (!make && rmdir(dir) < 0)
			err = -1;	/* the others go all the same */
	}
	return err;
}

/* A new cache epoch, as registry_enable() and registry_disable() start after each change. */
static void next_epoch(struct fixture *f)
{
	struct kava_config cfg;
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(f->st.config_fd, &zero, &cfg), 0);
	cfg.epoch++;
	assert_int_equal(bpf_map_update_elem(f->st.config_fd, &zero, &cfg, BPF_ANY), 0);
}

/* Slot i holds cgroup i at generation gen, enabled. */
static void put_slot(struct fixture *f, uint32_t i, uint32_t gen)
{
	struct kava_slot s = { .cgroup_id = f->id[i], .gen = gen };
	struct kava_owner o = { .slot = i, .gen = gen };

	assert_int_equal(bpf_map_update_elem(f->st.slots_fd, &i, &s, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(f->st.enabled_fd, &f->id[i], &o, BPF_ANY), 0);
	f->gen[i] = gen;
	next_epoch(f);
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
	f.st.config_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_config", 4, sizeof(struct kava_config),
					1, NULL);
	if (f.st.enabled_fd < 0 || f.st.slots_fd < 0 || f.st.cpustats_fd < 0 || f.st.cpucur_fd < 0 ||
	    f.st.config_fd < 0 || view_source_init(&f.src, &f.st) < 0)
		return -1;
	snprintf(f.base, sizeof(f.base), "%s/kava-test-%d-ahead", strcmp(own, "/") ? own : "",
		 (int)getpid());
	if (dirs(&f, -1, 1) < 0)
		return -1;	/* our own cgroup is not mirrored in some v1 hierarchy */
	for (i = 0; i < NCG; i++) {
		cg_dir(&f, -1, i, dir, sizeof(dir));
		if (dirs(&f, i, 1) < 0 || cgroup_id_of_path(dir, &f.id[i]) < 0)
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
	close(f->st.config_fd);
	for (i = 0; i < NCG; i++)
		dirs(f, i, 0);
	dirs(f, -1, 0);
	return 0;
}

/* Full limit reads by one scrape of every container. */
static uint64_t scrape_reads(struct fixture *f)
{
	struct metrics_set set;
	uint64_t before, after, ahead, walks;

	metrics_limits_stats(&before, &ahead, &walks);
	assert_int_equal(metrics_collect(&f->src, NULL, 0, &set), 0);
	assert_int_equal(set.n, NCG);
	metrics_set_free(&set);
	metrics_limits_stats(&after, &ahead, &walks);
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
	uint64_t s0, a0, s1, a1, w;
	int i, more, calls = 0;

	for (i = 0; i < NCG; i++)
		put_slot(f, (uint32_t)i, f->gen[i] + 1);
	metrics_limits_stats(&s0, &a0, &w);
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
	metrics_limits_stats(&s1, &a1, &w);
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

/*
 * Idle: while the epoch stands (no enable or disable since), a look costs
 * one read of kava_config, not a walk of the table (at 1,000 containers the
 * walk every 0.5 s was 10 ms of CPU a second on a loaded host); an enable
 * moves the epoch on, and the next look reads the new container.
 */
static void no_walk_while_the_epoch_stands(void **state)
{
	struct fixture *f = *state;
	uint64_t s, a, w0, w1;
	unsigned int read;
	int i;

	for (i = 0; i < 3 && metrics_limits_ahead(&f->src, NCG, &read) > 0; i++)
		;
	metrics_limits_stats(&s, &a, &w0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(metrics_limits_ahead(&f->src, NCG, &read), 0);
		assert_int_equal(read, 0);
	}
	metrics_limits_stats(&s, &a, &w1);
	assert_int_equal(w1 - w0, 0);
	/* slot 5 disabled and enabled again: the epoch moves on (put_slot()) */
	put_slot(f, 5, f->gen[5] + 1);
	assert_int_equal(metrics_limits_ahead(&f->src, NCG, &read), 0);
	assert_int_equal(read, 1);
	metrics_limits_stats(&s, &a, &w1);
	assert_int_equal(w1 - w0, 1);
	assert_int_equal(scrape_reads(f), 0);
}

/*
 * A scrape of every container reads the per-CPU stats of a run of slots in
 * one call (figures_read_stats()): each container's figures are the ones
 * figures_read() gives for its slot, none taken from a neighbour, and the
 * containers come in slot order.
 */
static void scrape_figures_are_each_slots_own(void **state)
{
	struct fixture *f = *state;
	unsigned int ncpus = f->st.nr_cpus, c;
	struct kava_cpustats *cs = calloc(ncpus, sizeof(*cs));
	struct kava_figures *want = malloc(sizeof(*want));
	/* cgroup NCG - 1 in slot 100, past the first run of slots read together */
	const uint32_t slot[NCG] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 100 };
	struct kava_slot gone = { .gen = f->gen[NCG - 1] + 1 };
	struct kava_slot moved = { .cgroup_id = f->id[NCG - 1], .gen = 1 };
	struct kava_owner o = { .slot = 100, .gen = 1 };
	struct metrics_set set;
	uint32_t i;
	size_t j;

	assert_non_null(cs);
	assert_non_null(want);
	i = NCG - 1;
	assert_int_equal(bpf_map_update_elem(f->st.slots_fd, &i, &gone, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(f->st.slots_fd, &o.slot, &moved, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(f->st.enabled_fd, &f->id[NCG - 1], &o, BPF_ANY), 0);
	next_epoch(f);
	for (i = 0; i <= 100; i++) {
		memset(cs, 0, ncpus * sizeof(*cs));
		for (c = 0; c < ncpus; c++) {
			cs[c].switches = 1000 * (i + 1) + c;
			cs[c].forks = i + 1;
			cs[c].nr_threads = (int64_t)i + 2;
			cs[c].wait_hist[i % KAVA_HIST_BUCKETS] = 7 + c;
			cs[c].wait_sum_ns = 100 * (i + 1);
			cs[c].exec_ns = 1000000ull * (i + 1) * (c + 1);
			cs[c].user_tick_ns = 1;
		}
		assert_int_equal(bpf_map_update_elem(f->st.cpustats_fd, &i, cs, BPF_ANY), 0);
	}
	assert_int_equal(metrics_collect(&f->src, NULL, 0, &set), 0);
	assert_int_equal(set.n, NCG);
	for (j = 0; j < set.n; j++) {
		const struct metrics_container *m = &set.c[j];

		assert_int_equal(m->cgroup_id, f->id[j]);	/* slot order */
		assert_int_equal(figures_read(&f->st, slot[j], want), 0);
		assert_int_equal(m->switches, want->switches);
		assert_true(m->switches >= 1000 * (slot[j] + 1));
		assert_int_equal(m->forks, want->forks);
		assert_int_equal(m->nr_threads, want->nr_threads);
		assert_memory_equal(m->wait_hist, want->wait_hist, sizeof(m->wait_hist));
		assert_int_equal(m->wait_sum_ns, want->wait_sum_ns);
		assert_int_equal(m->nr_cpus, ncpus);
		for (c = 0; c < m->nr_cpus; c++) {
			assert_int_equal(m->cpus[c].cpu, c);
			assert_int_equal(m->cpus[c].user_ns + m->cpus[c].system_ns,
					 want->cpu[c].user_ns + want->cpu[c].system_ns);
		}
	}
	metrics_set_free(&set);
	free(cs);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_scrape_reads_all_without_ahead),
		cmocka_unit_test(ahead_reads_each_once_then_scrape_reads_none),
		cmocka_unit_test(new_generation_read_again),
		cmocka_unit_test(no_walk_while_the_epoch_stands),
		cmocka_unit_test(scrape_figures_are_each_slots_own),
	};
	char mount[PATH_MAX];

	if (geteuid() != 0 || cgroup2_mount(mount, sizeof(mount)) < 0) {
		printf("ok 1 - metrics_ahead # SKIP needs root and a cgroup2 mount\n1..1\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
