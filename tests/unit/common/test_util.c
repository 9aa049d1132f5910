// SPDX-License-Identifier: GPL-2.0
/*
 * The small helpers in src/util.c: make_dirs (mkdir -p, used for the view's
 * mount point and the pin directory) in a temporary directory, and the
 * mountinfo unescaper.
 */
#include "../../common/unit.h"
#include <sys/mman.h>
#include <unistd.h>

#include "common/mountinfo.h"
#include "common/json.h"
#include "common/util.h"

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void make_dirs_creates_missing_parents(void **state)
{
	struct unit_scratch *s = *state;
	char path[PATH_MAX];

	unit_path(path, sizeof(path), s, "var/lib/kava");
	assert_int_equal(make_dirs(path, 0755), 0);
	assert_true(is_dir(path));
	unit_path(path, sizeof(path), s, "var/lib");
	assert_true(is_dir(path));
}

static void make_dirs_accepts_an_existing_directory(void **state)
{
	struct unit_scratch *s = *state;
	char path[PATH_MAX];

	unit_path(path, sizeof(path), s, "a/b/");
	assert_int_equal(make_dirs(path, 0700), 0);
	assert_int_equal(make_dirs(path, 0700), 0);
	assert_int_equal(make_dirs(s->root, 0700), 0);
	assert_int_equal(make_dirs("/", 0700), 0);
}

static void make_dirs_reports_a_file_in_the_way(void **state)
{
	struct unit_scratch *s = *state;
	char path[PATH_MAX];

	unit_path(path, sizeof(path), s, "file");
	unit_put(s, "file", "");
	/* The file itself: it exists but is no directory. */
	assert_int_equal(make_dirs(path, 0755), -ENOTDIR);
	/* Below the file: mkdir fails on the component after it. */
	unit_path(path, sizeof(path), s, "file/sub/dir");
	assert_int_equal(make_dirs(path, 0755), -ENOTDIR);
}

static void make_dirs_rejects_empty_and_overlong_paths(void **state)
{
	char *long_path;

	(void)state;
	assert_int_equal(make_dirs("", 0755), -ENOENT);
	long_path = malloc(5000);
	assert_non_null(long_path);
	memset(long_path, 'x', 4999);
	long_path[0] = '/';
	long_path[4999] = '\0';
	assert_int_equal(make_dirs(long_path, 0755), -ENAMETOOLONG);
	free(long_path);
}

static void unescape_octal_decodes_mountinfo_escapes(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(unescape_octal("/a\\040b\\011c", out, sizeof(out)), 0);
	assert_string_equal(out, "/a b\tc");
	/* Not an escape: a backslash without three octal digits stays. */
	assert_int_equal(unescape_octal("x\\08", out, sizeof(out)), 0);
	assert_string_equal(out, "x\\08");
	assert_int_equal(unescape_octal("abcdef", out, 4), -ENAMETOOLONG);
}

static void mountinfo_entries_in_order_malformed_skipped(void **state)
{
	const char *text =
		"36 25 0:31 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
		"garbage without the separator\n"
		"40 25 0:35 / /sys/fs/cgroup/cpu,cpuacct rw shared:16 - cgroup cgroup rw,cpu,cpuacct\n"
		"50 25 0:50 /sub /var/lib/my\\040view rw - fuse.kava kava rw,user_id=0";
	const char *cursor = text;
	struct mountinfo_entry e;

	(void)state;
	assert_int_equal(mountinfo_next(&cursor, &e), 1);
	assert_string_equal(e.mountpoint, "/sys/fs/cgroup/unified");
	assert_string_equal(e.fstype, "cgroup2");
	assert_int_equal(mountinfo_next(&cursor, &e), 1);
	assert_string_equal(e.mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(e.super_options, "rw,cpu,cpuacct");
	assert_int_equal(mountinfo_next(&cursor, &e), 1);
	assert_string_equal(e.root, "/sub");
	assert_string_equal(e.mountpoint, "/var/lib/my view");
	assert_string_equal(e.fstype, "fuse.kava");
	assert_int_equal(mountinfo_next(&cursor, &e), 0);
	assert_int_equal(mountinfo_same_path("/a/b/", "/a/b"), 1);
	assert_int_equal(mountinfo_same_path("/", "/"), 1);
	assert_int_equal(mountinfo_same_path("/a/bc", "/a/b"), 0);
}

static void json_strings_escape_controls_and_del(void **state)
{
	char buf[128] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	(void)state;
	assert_non_null(f);
	json_write_string(f, "a\"b\\c\n\x7f\x01\xc3\xa9");
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\u000a\\u007f\\u0001\xc3\xa9\"");
}

static void iso_time_with_and_without_millis(void **state)
{
	char out[40];

	(void)state;
	format_iso_time(1764585819123456789ull, 1, out, sizeof(out));
	assert_string_equal(out, "2025-12-01T10:43:39.123Z");
	format_iso_time(1764585819123456789ull, 0, out, sizeof(out));
	assert_string_equal(out, "2025-12-01T10:43:39Z");
}

/* pages [p, p + n) wholly inside the block that are in memory, and how many there are */
/* dec_u64() answers what strtoull(s, &end, 10) answers, value and end, for every input. */
static void dec_u64_is_strtoull(void **state)
{
	static const char *const cases[] = {
		"0", "7", "  1234 kB\n", "\t42\n", "\n 9", " \v\f\r5", "12abc", "", "   ", "kB",
		"-5", "+5", " -0", "+", "-", "18446744073709551615", "18446744073709551616",
		"99999999999999999999", "1844674407370955161", "9999999999999999999",
		"00000000000000000000000012", "123456789012345678901234567890", " 16384 kB",
		"0x1f", "1.5",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *want_end, *got_end;
		unsigned long long want;
		uint64_t got;

		errno = 0;
		want = strtoull(cases[i], &want_end, 10);
		got = dec_u64(cases[i], &got_end);
		if (got != want || got_end != want_end)
			fail_msg("dec_u64(\"%s\"): %llu at +%td, strtoull %llu at +%td", cases[i],
				 (unsigned long long)got, got_end - cases[i], want, want_end - cases[i]);
	}
}

static void resident_pages(const void *p, size_t n, size_t *in, size_t *all)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t first = ((uintptr_t)p + page - 1) / page * page;
	uintptr_t end = ((uintptr_t)p + n) / page * page;
	unsigned char *vec;
	size_t i;

	*all = (end - first) / page;
	*in = 0;
	vec = malloc(*all);
	assert_non_null(vec);
	assert_int_equal(mincore((void *)first, end - first, vec), 0);
	for (i = 0; i < *all; i++)
		*in += vec[i] & 1;
	free(vec);
}

/*
 * alloc_resident() hands back memory already faulted in: every page of it
 * is in memory before anything is written to it (a malloc() and memset(0)
 * pair faulted none in: the compiler makes that calloc()).
 */
static void alloc_resident_faults_every_page_in(void **state)
{
	size_t n = 8u << 20, in, all;
	char *p = alloc_resident(n);

	(void)state;
	assert_non_null(p);
	resident_pages(p, n, &in, &all);
	assert_true(all > 2000);
	assert_int_equal(in, all);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(make_dirs_creates_missing_parents, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(make_dirs_accepts_an_existing_directory,
						unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(make_dirs_reports_a_file_in_the_way, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test(make_dirs_rejects_empty_and_overlong_paths),
		cmocka_unit_test(unescape_octal_decodes_mountinfo_escapes),
		cmocka_unit_test(mountinfo_entries_in_order_malformed_skipped),
		cmocka_unit_test(json_strings_escape_controls_and_del),
		cmocka_unit_test(iso_time_with_and_without_millis),
		cmocka_unit_test(alloc_resident_faults_every_page_in),
		cmocka_unit_test(dec_u64_is_strtoull),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
