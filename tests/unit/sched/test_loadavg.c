// SPDX-License-Identifier: GPL-2.0
/*
 * Load average arithmetic against worked sequences of kernel/sched/loadavg.c:
 * the header tested here is the one compiled into the BPF timer. Expected
 * values were worked out step by step with the kernel's formulas.
 */
#include "../../common/unit.h"
#include "kava_loadavg.h"

#define F KAVA_FIXED_1

static void rising_with_two_tasks(void **state)
{
	/* avenrun[0] and [1] for 12 samples (one minute) of 2 runnable tasks */
	static const __u64 one[12] = { 328, 630, 908, 1164, 1399, 1615, 1814, 1997,
				       2166, 2321, 2464, 2595 };
	static const __u64 five[12] = { 68, 135, 201, 266, 330, 393, 455, 516, 576,
					635, 693, 750 };
	__u64 l1 = 0, l5 = 0;
	int i;

	(void)state;
	for (i = 0; i < 12; i++) {
		l1 = kava_calc_load(l1, KAVA_EXP_1, 2 * F);
		l5 = kava_calc_load(l5, KAVA_EXP_5, 2 * F);
		assert_int_equal(l1, one[i]);
		assert_int_equal(l5, five[i]);
	}
}

static void falling_to_idle(void **state)
{
	static const __u64 one[12] = { 7536, 6932, 6376, 5865, 5395, 4962, 4564, 4198,
				       3861, 3551, 3266, 3004 };
	__u64 l1 = 4 * F;
	int i;

	(void)state;
	for (i = 0; i < 12; i++) {
		l1 = kava_calc_load(l1, KAVA_EXP_1, 0);
		assert_int_equal(l1, one[i]);
	}
}

static void rounds_up_only_while_rising(void **state)
{
	(void)state;
	/* active >= load adds FIXED_1-1 before the division ... */
	assert_int_equal(kava_calc_load(0, KAVA_EXP_1, 1 * F), 164);
	/* ... a steady load stays put instead of decaying by rounding ... */
	assert_int_equal(kava_calc_load(F, KAVA_EXP_1, F), F);
	/* ... and a falling one truncates */
	assert_int_equal(kava_calc_load(F + 1, KAVA_EXP_1, F), F);
}

static void fixed_power_matches_kernel(void **state)
{
	(void)state;
	assert_int_equal(kava_fixed_power_int(KAVA_EXP_1, KAVA_FSHIFT, 0), F);
	assert_int_equal(kava_fixed_power_int(KAVA_EXP_1, KAVA_FSHIFT, 1), 1884);
	assert_int_equal(kava_fixed_power_int(KAVA_EXP_1, KAVA_FSHIFT, 2), 1733);
	assert_int_equal(kava_fixed_power_int(KAVA_EXP_1, KAVA_FSHIFT, 3), 1594);
	assert_int_equal(kava_fixed_power_int(KAVA_EXP_1, KAVA_FSHIFT, 10), 888);
	assert_int_equal(kava_fixed_power_int(KAVA_EXP_1, KAVA_FSHIFT, 12), 751);
	assert_int_equal(kava_fixed_power_int(KAVA_EXP_1, KAVA_FSHIFT, 100), 0);
	assert_int_equal(kava_fixed_power_int(KAVA_EXP_15, KAVA_FSHIFT, 720), 42);
}

static void idle_catch_up_uses_calc_load_n(void **state)
{
	__u64 stepwise = 3 * F;
	int i;

	(void)state;
	/* ten missed periods at once, as calc_global_nohz() folds them */
	assert_int_equal(kava_calc_load_n(3 * F, KAVA_EXP_1, 0, 10), 2664);
	assert_int_equal(kava_calc_load_n(3 * F, KAVA_EXP_5, 0, 10), 5202);
	assert_int_equal(kava_calc_load_n(3 * F, KAVA_EXP_15, 0, 10), 5820);
	assert_int_equal(kava_calc_load_n(F / 2, KAVA_EXP_1, F, 12), 1673);
	/* which rounds differently from ten single steps: the kernel's choice */
	for (i = 0; i < 10; i++)
		stepwise = kava_calc_load(stepwise, KAVA_EXP_1, 0);
	assert_int_equal(stepwise, 2663);
	/* one period is exactly calc_load() */
	assert_int_equal(kava_calc_load_n(1234, KAVA_EXP_5, 3 * F, 1),
			 kava_calc_load(1234, KAVA_EXP_5, 3 * F));
}

static void prints_like_proc_loadavg(void **state)
{
	/* fs/proc/loadavg.c adds FIXED_1/200 then prints LOAD_INT.LOAD_FRAC */
	__u64 v = 2595 + F / 200;

	(void)state;
	assert_int_equal(kava_load_int(v), 1);
	assert_int_equal(kava_load_frac(v), 27);
	v = 0 + F / 200;
	assert_int_equal(kava_load_int(v), 0);
	assert_int_equal(kava_load_frac(v), 0);
	v = 2 * F - 1 + F / 200;	/* 1.9995 rounds to 2.00 */
	assert_int_equal(kava_load_int(v), 2);
	assert_int_equal(kava_load_frac(v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rising_with_two_tasks),
		cmocka_unit_test(falling_to_idle),
		cmocka_unit_test(rounds_up_only_while_rising),
		cmocka_unit_test(fixed_power_matches_kernel),
		cmocka_unit_test(idle_catch_up_uses_calc_load_n),
		cmocka_unit_test(prints_like_proc_loadavg),
	};

	return cmocka_run_group_tests_name("loadavg", tests, NULL, NULL);
}
