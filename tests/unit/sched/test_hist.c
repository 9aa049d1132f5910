// SPDX-License-Identifier: GPL-2.0
/* Run-queue wait histogram percentiles, and the user/system split. */
#include "../../common/unit.h"
#include "sched/figures_read.h"
#include "sched/hist.h"

static void empty_is_zero(void **state)
{
	uint64_t b[32] = { 0 };

	(void)state;
	assert_int_equal(hist_count(b, 32), 0);
	assert_int_equal(hist_percentile(b, 32, 50), 0);
}

static void single_bucket_interpolates(void **state)
{
	uint64_t b[32] = { 0 };

	(void)state;
	b[10] = 100;	/* [1024, 2048) ns */
	assert_int_equal(hist_percentile(b, 32, 50), 1024 + 512);
	assert_int_equal(hist_percentile(b, 32, 100), 2048);
	assert_int_equal(hist_percentile(b, 32, 1), 1024 + 10);
}

static void percentiles_pick_the_right_bucket(void **state)
{
	uint64_t b[32] = { 0 };

	(void)state;
	b[4] = 50;	/* [16,32) */
	b[8] = 40;	/* [256,512) */
	b[20] = 10;	/* [1Mi,2Mi) */
	assert_int_equal(hist_count(b, 32), 100);
	assert_int_equal(hist_percentile(b, 32, 50), 32);	/* 50th of 50 in bucket 4 */
	assert_true(hist_percentile(b, 32, 90) >= 256 && hist_percentile(b, 32, 90) <= 512);
	assert_true(hist_percentile(b, 32, 99) >= (1u << 20) && hist_percentile(b, 32, 99) <= (2u << 20));
	/* monotonic in p */
	assert_true(hist_percentile(b, 32, 50) <= hist_percentile(b, 32, 90));
	assert_true(hist_percentile(b, 32, 90) <= hist_percentile(b, 32, 99));
}

static void bucket_zero_starts_at_zero(void **state)
{
	uint64_t b[32] = { 0 };

	(void)state;
	b[0] = 2;
	assert_int_equal(hist_percentile(b, 32, 50), 1);
	assert_int_equal(hist_percentile(b, 32, 100), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_is_zero),
		cmocka_unit_test(single_bucket_interpolates),
		cmocka_unit_test(percentiles_pick_the_right_bucket),
		cmocka_unit_test(bucket_zero_starts_at_zero),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
