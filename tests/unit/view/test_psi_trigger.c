// SPDX-License-Identifier: GPL-2.0
/*
 * PSI triggers as kernel/sched/psi.c takes them from /proc/pressure/X:
 * psi_write()'s 32-byte buffer whose last byte becomes the end of the
 * string, psi_trigger_create()'s "some|full STALL WINDOW", its limits, and
 * whole 2 s windows for writers without CAP_SYS_RESOURCE.
 */
#include "../../common/unit.h"
#include "view/psi_trigger.h"

/* as psi.rst's example writes it: with the terminating NUL */
static int parse(const char *s, int privileged, struct psi_trigger *t)
{
	return psi_trigger_parse(s, strlen(s) + 1, privileged, t);
}

static void good_triggers(void **state)
{
	struct psi_trigger t;

	(void)state;
	assert_int_equal(parse("some 150000 1000000", 1, &t), 0);
	assert_int_equal(t.full, 0);
	assert_int_equal(t.stall_us, 150000);
	assert_int_equal(t.window_us, 1000000);
	assert_string_equal(t.text, "some 150000 1000000");
	assert_int_equal(parse("full 50000 1000000", 1, &t), 0);
	assert_int_equal(t.full, 1);
	/* the limits themselves: stall == window, window 10 s, a 1 us window */
	assert_int_equal(parse("some 10000000 10000000", 1, &t), 0);
	assert_int_equal(parse("some 1 1", 1, &t), 0);
	/* sscanf takes trailing text and a newline */
	assert_int_equal(parse("some 100000 2000000\n", 0, &t), 0);
	assert_int_equal(parse("some 100000 2000000 extra", 0, &t), 0);
}

static void bad_triggers(void **state)
{
	struct psi_trigger t;

	(void)state;
	assert_int_equal(parse("", 1, &t), -EINVAL);
	assert_int_equal(psi_trigger_parse("some 1 2", 0, 1, &t), -EINVAL);	/* 0 bytes */
	assert_int_equal(parse("bogus 1 2", 1, &t), -EINVAL);
	assert_int_equal(parse("some 1", 1, &t), -EINVAL);
	assert_int_equal(parse("Some 1 2", 1, &t), -EINVAL);
	assert_int_equal(parse("some -1 1000000", 1, &t), -EINVAL);	/* %u takes it: 4294967295 > window */
	assert_int_equal(parse("some 0 1000000", 1, &t), -EINVAL);		/* no threshold */
	assert_int_equal(parse("some 2000000 1000000", 1, &t), -EINVAL);	/* threshold above window */
	assert_int_equal(parse("some 1 0", 1, &t), -EINVAL);		/* no window */
	assert_int_equal(parse("some 1 10000001", 1, &t), -EINVAL);	/* WINDOW_MAX_US */
}

static void unprivileged_windows_are_whole_2s(void **state)
{
	struct psi_trigger t;

	(void)state;
	assert_int_equal(parse("some 150000 1000000", 0, &t), -EINVAL);
	assert_int_equal(parse("some 150000 2000000", 0, &t), 0);
	assert_int_equal(parse("some 150000 4000000", 0, &t), 0);
	assert_int_equal(parse("some 150000 3000000", 0, &t), -EINVAL);
	assert_int_equal(parse("some 150000 10000000", 0, &t), 0);
}

static void last_byte_is_dropped(void **state)
{
	const char *s = "some 150000 1000000";
	char big[64];
	struct psi_trigger t;

	(void)state;
	/* written without its NUL, the last digit goes: a 100 ms window, below the stall */
	assert_int_equal(psi_trigger_parse(s, strlen(s), 1, &t), -EINVAL);
	assert_string_equal(t.text, "some 150000 100000");
	assert_int_equal(psi_trigger_parse("some 15000 1000000", 18, 1, &t), 0);
	assert_int_equal(t.window_us, 100000);
	/* only 32 bytes are read: the 32nd becomes the end */
	memset(big, ' ', sizeof(big));
	memcpy(big, "some 1 2000000", 14);
	memcpy(big + 31, "9", 1);
	assert_int_equal(psi_trigger_parse(big, sizeof(big), 0, &t), 0);
	assert_int_equal(strlen(t.text), 31);
	assert_int_equal(t.window_us, 2000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_triggers),
		cmocka_unit_test(bad_triggers),
		cmocka_unit_test(unprivileged_windows_are_whole_2s),
		cmocka_unit_test(last_byte_is_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
