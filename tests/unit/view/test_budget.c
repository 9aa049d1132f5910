// SPDX-License-Identifier: GPL-2.0
/* The FUSE view's per-container budgets: token bucket, rates, the memory check, the table. */
#include "../../common/unit.h"
#include <pthread.h>
#include <unistd.h>

#include "common/clock.h"
#include "view/budget.h"

#define S 1000000000ull

static void bucket_refills_at_its_rate_up_to_its_depth(void **state)
{
	struct budget_bucket b = { .tokens = 2, .last_ns = 10 * S };
	int i;

	(void)state;
	assert_int_equal(budget_bucket_take(&b, 10 * S, 100, 100), 0);
	assert_int_equal(budget_bucket_take(&b, 10 * S, 100, 100), 0);
	/* empty: the next token is 1/100 s away */
	assert_true(budget_bucket_take(&b, 10 * S, 100, 100) > S / 100 - 10);
	assert_true(budget_bucket_take(&b, 10 * S, 100, 100) <= S / 100 + 1);
	assert_int_equal(budget_bucket_take(&b, 10 * S + S / 100, 100, 100), 0);
	/* an hour idle fills it to its depth, no more */
	for (i = 0; i < 100; i++)
		assert_int_equal(budget_bucket_take(&b, 3610 * S, 100, 100), 0);
	assert_true(budget_bucket_take(&b, 3610 * S, 100, 100) > 0);
	/* a clock that does not move (or goes back) gives nothing */
	assert_true(budget_bucket_take(&b, 3600 * S, 100, 100) > 0);
	/* rate 0: unlimited */
	assert_int_equal(budget_bucket_take(&b, 0, 0, 0), 0);
}

/* Over any span, a bucket grants at most depth + rate * span (the test's bound). */
static void bucket_bound_over_a_span(void **state)
{
	struct budget_bucket b = { .tokens = 50, .last_ns = 0 };
	uint64_t t, granted = 0;

	(void)state;
	for (t = 0; t <= 2 * S; t += S / 10000)	/* asked every 100 us for 2 s */
		if (budget_bucket_take(&b, t, 50, 50) == 0)
			granted++;
	assert_true(granted <= 50 + 50 * 2);
	assert_true(granted >= 50 * 2);
}

static void rate_follows_the_cpu_limit(void **state)
{
	(void)state;
	assert_true(budget_rate_for(0.2, 5000) == 1000);
	assert_true(budget_rate_for(4, 5000) == 20000);
	assert_true(budget_rate_for(0, 5000) == 5000);		/* no limit: one CPU */
	assert_true(budget_rate_for(0.001, 5000) == BUDGET_RATE_MIN);	/* the floor */
}

static void memory_fits(void **state)
{
	(void)state;
	assert_true(budget_fits(0, 0, 10 << 20, 1));		/* one file always fits */
	assert_true(budget_fits(3, 100, 100, 4));
	assert_false(budget_fits(4, 100, 100, 4));
	/* the bytes: files * BUDGET_FILE_BYTES between them */
	assert_true(budget_fits(1, 3 * BUDGET_FILE_BYTES, BUDGET_FILE_BYTES, 4));
	assert_false(budget_fits(1, 3 * BUDGET_FILE_BYTES, BUDGET_FILE_BYTES + 1, 4));
}

/* ---- the table ---- */

struct test_call {
	struct budget_call base;
	int *ran, *dropped;
	pthread_mutex_t *lock;
};

static void test_run(struct budget_call *c)
{
	struct test_call *t = (struct test_call *)c;

	pthread_mutex_lock(t->lock);
	(*t->ran)++;
	pthread_mutex_unlock(t->lock);
	free(t);
}

static void test_drop(struct budget_call *c)
{
	struct test_call *t = (struct test_call *)c;

	(*t->dropped)++;
	free(t);
}

static int describe_fixed(void *arg, const struct kava_owner *owner, pid_t reader,
			  struct budget_desc *out)
{
	(void)owner;
	(void)reader;
	snprintf(out->name, sizeof(out->name), "test/c%u", owner->slot);
	out->cpus = *(double *)arg;
	return 0;
}

static void override_b(void *arg, const char *path, unsigned int *files, unsigned int *rate)
{
	(void)arg;
	if (!strcmp(path, "test/c7")) {
		*files = 2;
		*rate = 1;
	}
}

static void submit(struct budgets *b, const struct kava_owner *o, int *ran, int *dropped,
		   pthread_mutex_t *lock)
{
	struct test_call *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->base.run = test_run;
	t->base.drop = test_drop;
	t->ran = ran;
	t->dropped = dropped;
	t->lock = lock;
	budget_submit(b, o, 1, &t->base);
}

static void excess_requests_wait_and_are_counted(void **state)
{
	double cpus = 0.001;	/* the floor: BUDGET_RATE_MIN a second, as deep */
	struct budget_conf conf = { .describe = describe_fixed, .describe_arg = &cpus };
	struct kava_owner o = { .slot = 3, .gen = 1 };
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct budget_stats st;
	struct budgets *b;
	int ran = 0, dropped = 0, i, n = BUDGET_RATE_MIN + 20;
	uint64_t t0, refilled;

	(void)state;
	assert_int_equal(budgets_new(&b, &conf), 0);
	t0 = monotonic_ns();
	for (i = 0; i < n; i++)
		submit(b, &o, &ran, &dropped, &lock);
	/* tokens that came while submitting (a starved TCG vCPU can take a second) */
	refilled = (uint64_t)((double)(monotonic_ns() - t0) * BUDGET_RATE_MIN / 1e9) + 1;
	assert_int_equal(budget_stats_of(b, 3, &st), 0);
	assert_string_equal(st.name, "test/c3");
	assert_true(st.rate == BUDGET_RATE_MIN);
	assert_int_equal(st.requests, n);
	/* the burst and the tokens that came meanwhile passed at once; the rest
	 * waited (parked), none failed */
	assert_true(st.delayed_rate + st.delayed_busy + (uint64_t)BUDGET_RATE_MIN + refilled >=
		    (uint64_t)n);	/* parked behind parked ones: delayed_busy */
	if ((uint64_t)BUDGET_RATE_MIN + refilled < (uint64_t)n)
		assert_true(st.delayed_rate >= 1);
	/* the dispatcher serves them as tokens come: all of them, within a second
	 * or so (a minute at most on a starved VM) */
	for (i = 0; i < 6000; i++) {
		pthread_mutex_lock(&lock);
		if (ran == n)
			i = 10000;
		pthread_mutex_unlock(&lock);
		if (i < 10000)
			usleep(10000);
	}
	assert_int_equal(ran, n);
	assert_int_equal(budget_stats_of(b, 3, &st), 0);
	assert_true(st.delay_ns > 0);
	/* another container, and the host, never waited for it */
	o.slot = 4;
	submit(b, &o, &ran, &dropped, &lock);
	submit(b, NULL, &ran, &dropped, &lock);
	assert_int_equal(budget_stats_of(b, 4, &st), 0);
	assert_int_equal(st.delayed_rate + st.delayed_busy, 0);
	assert_int_equal(budget_stats_of(b, BUDGET_HOST, &st), 0);
	assert_true(st.rate == 0);
	assert_int_equal(budget_stats_of(b, 5, &st), -ENOENT);
	budgets_free(b);
	assert_int_equal(dropped, 0);
}

static void memory_budget_and_overrides(void **state)
{
	double cpus = 2;
	struct budget_conf conf = { .files = 3, .describe = describe_fixed, .describe_arg = &cpus,
				    .override = override_b };
	struct kava_owner o = { .slot = 7, .gen = 1 };
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct budget_stats st;
	struct budgets *b;
	int ran = 0, dropped = 0;

	(void)state;
	assert_int_equal(budgets_new(&b, &conf), 0);
	submit(b, &o, &ran, &dropped, &lock);	/* learns its name and settings */
	assert_int_equal(budget_stats_of(b, 7, &st), 0);
	assert_int_equal(st.files_max, 2);	/* the override */
	assert_true(st.rate == BUDGET_RATE_MIN);	/* 1 per CPU, 2 CPUs: the floor */
	assert_int_equal(budget_charge(b, 7, 100), 0);
	assert_int_equal(budget_charge(b, 7, 100), 0);
	assert_int_equal(budget_charge(b, 7, 100), -ENFILE);
	budget_uncharge(b, 7, 100);
	assert_int_equal(budget_charge(b, 7, 100), 0);
	assert_int_equal(budget_stats_of(b, 7, &st), 0);
	assert_int_equal(st.files_open, 2);
	assert_int_equal(st.bytes_held, 200);
	assert_int_equal(st.refused, 1);
	budget_recharge(b, 7, 100, 150);
	assert_int_equal(budget_stats_of(b, 7, &st), 0);
	assert_int_equal(st.bytes_held, 250);
	/* a container without an override: the configured 3 */
	o.slot = 8;
	submit(b, &o, &ran, &dropped, &lock);
	assert_int_equal(budget_stats_of(b, 8, &st), 0);
	assert_int_equal(st.files_max, 3);
	assert_true(st.rate == 2 * BUDGET_RATE_DEFAULT);
	budgets_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket_refills_at_its_rate_up_to_its_depth),
		cmocka_unit_test(bucket_bound_over_a_span),
		cmocka_unit_test(rate_follows_the_cpu_limit),
		cmocka_unit_test(memory_fits),
		cmocka_unit_test(excess_requests_wait_and_are_counted),
		cmocka_unit_test(memory_budget_and_overrides),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
