// SPDX-License-Identifier: GPL-2.0
/* The kernel's cputime arithmetic: the user/system split and monotonic counters. */
#include "../../common/unit.h"
#include "sched/cputime.h"

static void cputime_split_like_cputime_adjust(void **state)
{
	uint64_t u, s;

	(void)state;
	split_cputime(1000, 3, 1, &u, &s);
	assert_int_equal(u, 750);
	assert_int_equal(s, 250);
	split_cputime(1000, 0, 0, &u, &s);	/* no tick: all user */
	assert_int_equal(u, 1000);
	assert_int_equal(s, 0);
	split_cputime(1000, 0, 7, &u, &s);	/* only system ticks */
	assert_int_equal(u, 0);
	assert_int_equal(s, 1000);
	/* large values must not overflow */
	split_cputime(UINT64_MAX / 2, UINT64_MAX / 4, UINT64_MAX / 4, &u, &s);
	assert_int_equal(u + s, UINT64_MAX / 2);
	assert_true(u >= UINT64_MAX / 4 - 1 && u <= UINT64_MAX / 4 + 1);
}

/* cputime_keep_monotonic(): neither counter ever goes back, the sum is kept */
static void cputime_never_goes_back(void **state)
{
	uint64_t u, s;

	(void)state;
	/* a later split gives system a tick more: user would go back, stays */
	u = 690, s = 320;
	cputime_keep_monotonic(700, 300, &u, &s);
	assert_int_equal(u, 700);
	assert_int_equal(s, 310);
	/* the whole busy time dipped (a slice read in neither place): last values */
	u = 695, s = 300;
	cputime_keep_monotonic(700, 300, &u, &s);
	assert_int_equal(u, 700);
	assert_int_equal(s, 300);
	/* system went back, user grew: system stays, user gets the rest */
	u = 720, s = 290;
	cputime_keep_monotonic(700, 300, &u, &s);
	assert_int_equal(u, 710);
	assert_int_equal(s, 300);
	/* both grew: untouched */
	u = 750, s = 320;
	cputime_keep_monotonic(700, 300, &u, &s);
	assert_int_equal(u, 750);
	assert_int_equal(s, 320);
	/* nothing shown before */
	u = 5, s = 7;
	cputime_keep_monotonic(0, 0, &u, &s);
	assert_int_equal(u, 5);
	assert_int_equal(s, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cputime_split_like_cputime_adjust),
		cmocka_unit_test(cputime_never_goes_back),
	};

	return cmocka_run_group_tests_name("cputime", tests, NULL, NULL);
}
