// SPDX-License-Identifier: GPL-2.0
/*
 * The view's re-read rules (seq_file's): a read from offset 0 renders
 * afresh, later offsets continue the text; the first read of open()'s text
 * uses it while it is fresh; slices and EOF; the size reported.
 */
#include "../../common/unit.h"
#include "view/readrule.h"

#define MS 1000000ull

static void offset_zero_renders_afresh(void **state)
{
	(void)state;
	/* lseek(fd, 0) + read, or pread(fd, ..., 0), after the text was read: afresh */
	assert_int_equal(view_read_step(0, 1, 0, 0), VIEW_READ_RENDER);
	assert_int_equal(view_read_step(0, 1, 0, 5000 * MS), VIEW_READ_RENDER);
	/* the first read after open() uses open()'s text while it is fresh ... */
	assert_int_equal(view_read_step(0, 1, 1, 0), VIEW_READ_CONTINUE);
	assert_int_equal(view_read_step(0, 1, 1, VIEW_OPEN_TEXT_FRESH_NS - 1), VIEW_READ_CONTINUE);
	/* ... not when the reader waited after open() (seq_file renders at read time) */
	assert_int_equal(view_read_step(0, 1, 1, VIEW_OPEN_TEXT_FRESH_NS), VIEW_READ_RENDER);
	assert_int_equal(view_read_step(0, 1, 1, 1500 * MS), VIEW_READ_RENDER);
}

static void later_offsets_continue(void **state)
{
	(void)state;
	/* a text read in chunks stays one text, however old */
	assert_int_equal(view_read_step(1, 1, 0, 0), VIEW_READ_CONTINUE);
	assert_int_equal(view_read_step(4096, 1, 0, 60000 * MS), VIEW_READ_CONTINUE);
	assert_int_equal(view_read_step(100, 1, 1, 60000 * MS), VIEW_READ_CONTINUE);
	/* past the end: still the same text (EOF comes from the slice) */
	assert_int_equal(view_read_step(1 << 30, 1, 0, 0), VIEW_READ_CONTINUE);
}

static void no_text_or_bad_offset(void **state)
{
	(void)state;
	/* an earlier agent's file handle holds no text: every read renders */
	assert_int_equal(view_read_step(0, 0, 0, 0), VIEW_READ_RENDER);
	assert_int_equal(view_read_step(10, 0, 1, 0), VIEW_READ_RENDER);
	assert_int_equal(view_read_step(-1, 1, 1, 0), VIEW_READ_INVALID);
	assert_int_equal(view_read_step(-4096, 0, 0, 0), VIEW_READ_INVALID);
}

static void slices_and_eof(void **state)
{
	size_t start = 99;

	(void)state;
	assert_int_equal(view_read_slice(100, 0, 4096, &start), 100);
	assert_int_equal(start, 0);
	assert_int_equal(view_read_slice(100, 10, 20, &start), 20);
	assert_int_equal(start, 10);
	assert_int_equal(view_read_slice(100, 90, 20, &start), 10);
	assert_int_equal(start, 90);
	assert_int_equal(view_read_slice(100, 99, 1, &start), 1);
	/* at or past the end: 0 bytes, EOF */
	assert_int_equal(view_read_slice(100, 100, 20, &start), 0);
	assert_int_equal(view_read_slice(100, 4096, 4096, &start), 0);
	assert_int_equal(view_read_slice(0, 0, 4096, &start), 0);
	assert_int_equal(view_read_slice(100, -1, 10, &start), 0);
	assert_int_equal(view_read_slice(100, 0, 0, &start), 0);
}

static void size_bound_covers_growth(void **state)
{
	size_t len;

	(void)state;
	/* page multiples, at least one page, at least twice the text */
	assert_int_equal(view_size_bound(0), 4096);
	assert_int_equal(view_size_bound(27), 4096);
	assert_int_equal(view_size_bound(2048), 4096);
	assert_int_equal(view_size_bound(2049), 8192);
	assert_int_equal(view_size_bound(1233), 4096);
	for (len = 0; len < 300000; len += 997) {
		uint64_t b = view_size_bound(len);

		assert_true(b % 4096 == 0);
		assert_true(b >= 2 * (uint64_t)len);
		assert_true(b < 2 * (uint64_t)len + 4096 + 4096);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offset_zero_renders_afresh),
		cmocka_unit_test(later_offsets_continue),
		cmocka_unit_test(no_text_or_bad_offset),
		cmocka_unit_test(slices_and_eof),
		cmocka_unit_test(size_bound_covers_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
