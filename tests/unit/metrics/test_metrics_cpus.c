// SPDX-License-Identifier: GPL-2.0
/* kava_container_cpu_seconds_total from kava's figures: counters that never go back. */
#include "../../common/unit.h"
#include "metrics/collect.h"
#include "sched/cputime.h"
#include "view/cpu_history.h"

#define NS 1000000000ull
#define MS 1000000ull

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/*
 * One read of a container busy on host CPUs 0 and 2 at `now`, as
 * figures_read() returns it: exec time 0-4 ms behind (a running task's
 * slice is current to its last update, a slice that ended between the
 * reads of cpustats and cpucur is in neither), split by tick-sampled
 * user/system shares (a system tick now and then moves the split).
 */
static void busy_read(struct kava_figures *f, uint64_t now, uint64_t *seed, int k)
{
	static const unsigned int on[2] = { 0, 2 };
	unsigned int i;

	f->nr_cpus = 4;
	for (i = 0; i < 2; i++) {
		uint64_t exec = now - rnd(seed) % (4 * MS);
		uint64_t user_ticks = 1 + now / (4 * MS), system_ticks = 1 + (uint64_t)k / (37 + 13 * i);

		split_cputime(exec, user_ticks, system_ticks, &f->cpu[on[i]].user_ns,
			      &f->cpu[on[i]].system_ns);
	}
}

/* How many times a series of the container went back over 2,000 reads, ~10 ms apart. */
static int busy_sequence(struct cpu_history *h)
{
	struct kava_owner owner = { .slot = 5, .gen = 3 };
	struct kava_figures *f = calloc(1, sizeof(*f));
	struct metrics_container prev = { 0 }, c;
	uint64_t seed = 11, now = NS;
	unsigned int j;
	int k, back = 0;

	assert_non_null(f);
	f->cgroup_id = 77;
	for (k = 0; k < 2000; k++) {
		now += 10 * MS + rnd(&seed) % MS;
		busy_read(f, now, &seed, k);
		memset(&c, 0, sizeof(c));
		assert_int_equal(metrics_container_cpus(h, &owner, f, &c), 0);
		assert_int_equal(c.nr_cpus, 2);	/* the CPUs it ran on only */
		assert_int_equal(c.cpus[0].cpu, 0);
		assert_int_equal(c.cpus[1].cpu, 2);
		for (j = 0; k && j < c.nr_cpus; j++) {
			back += c.cpus[j].user_ns < prev.cpus[j].user_ns;
			back += c.cpus[j].system_ns < prev.cpus[j].system_ns;
			/* what is kept back is the wobble, no more: the total stays near exec */
			assert_true(c.cpus[j].user_ns + c.cpus[j].system_ns <= now);
			assert_true(c.cpus[j].user_ns + c.cpus[j].system_ns >= now - 4 * MS);
		}
		free(prev.cpus);
		prev = c;
	}
	free(prev.cpus);
	free(f);
	return back;
}

/*
 * Many scrapes of a busy container: with the history (per slot and
 * generation) no cpu_seconds_total series ever goes back, as the kernel's
 * cputime_adjust() keeps utime and stime; Prometheus takes a counter that
 * went back for a reset. Without it the same reads do go back (the test
 * exercises the case).
 */
static void cpu_seconds_never_go_back(void **state)
{
	struct cpu_history h;

	(void)state;
	assert_int_equal(cpu_history_init(&h), 0);
	assert_int_equal(busy_sequence(&h), 0);
	cpu_history_free(&h);
	assert_true(busy_sequence(NULL) > 0);
}

/* A slot reused by another container (or generation) starts afresh: lower figures show as they are. */
static void reused_slot_starts_afresh(void **state)
{
	struct kava_owner owner = { .slot = 9, .gen = 1 };
	struct kava_figures *f = calloc(1, sizeof(*f));
	struct metrics_container c = { 0 };
	struct cpu_history h;

	(void)state;
	assert_non_null(f);
	assert_int_equal(cpu_history_init(&h), 0);
	f->nr_cpus = 2;
	f->cgroup_id = 40;
	f->cpu[1].user_ns = 5 * NS;
	f->cpu[1].system_ns = NS;
	assert_int_equal(metrics_container_cpus(&h, &owner, f, &c), 0);
	free(c.cpus);
	f->cpu[1].user_ns = 2 * NS;	/* the same container, lower: held */
	f->cpu[1].system_ns = NS / 2;
	memset(&c, 0, sizeof(c));
	assert_int_equal(metrics_container_cpus(&h, &owner, f, &c), 0);
	assert_int_equal(c.nr_cpus, 1);
	assert_true(c.cpus[0].user_ns == 5 * NS && c.cpus[0].system_ns == NS);
	free(c.cpus);
	owner.gen = 2;			/* the slot's next container */
	memset(&c, 0, sizeof(c));
	assert_int_equal(metrics_container_cpus(&h, &owner, f, &c), 0);
	assert_true(c.cpus[0].user_ns == 2 * NS && c.cpus[0].system_ns == NS / 2);
	free(c.cpus);
	f->cgroup_id = 41;		/* another cgroup in the same slot and generation */
	f->cpu[1].user_ns = NS;
	memset(&c, 0, sizeof(c));
	assert_int_equal(metrics_container_cpus(&h, &owner, f, &c), 0);
	assert_true(c.cpus[0].user_ns == NS && c.cpus[0].system_ns == NS / 2);
	free(c.cpus);
	cpu_history_free(&h);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpu_seconds_never_go_back),
		cmocka_unit_test(reused_slot_starts_afresh),
	};

	return cmocka_run_group_tests_name("metrics_cpus", tests, NULL, NULL);
}
