// SPDX-License-Identifier: GPL-2.0
/* cgroup path handling: mountinfo, PATH joining, /proc/PID/cgroup. */
#include "../../common/unit.h"
#include "cgroup/path.h"

static const char hybrid[] =
	"25 1 0:23 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
	"30 25 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
	"31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
	"32 30 0:28 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup rw,name=systemd\n";
static const char pure[] =
	"25 1 0:23 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
	"35 25 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
static const char escaped[] =
	"35 25 0:30 / /mnt/cg\\040two rw shared:9 - cgroup2 none rw\n";
static const char none[] = "25 1 0:23 / /sys rw - sysfs sysfs rw\n";
/* an optional field list of several entries before the separator */
static const char many_optional[] =
	"40 25 0:31 / /run/cg rw shared:1 master:2 propagate_from:3 - cgroup2 cg rw\n";

static void finds_cgroup2_on_both_layouts(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(cgroup2_mount_from_mountinfo(hybrid, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	assert_int_equal(cgroup2_mount_from_mountinfo(pure, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
	assert_int_equal(cgroup2_mount_from_mountinfo(escaped, out, sizeof(out)), 0);
	assert_string_equal(out, "/mnt/cg two");
	assert_int_equal(cgroup2_mount_from_mountinfo(many_optional, out, sizeof(out)), 0);
	assert_string_equal(out, "/run/cg");
	assert_int_equal(cgroup2_mount_from_mountinfo(none, out, sizeof(out)), -ENOENT);
	assert_int_equal(cgroup2_mount_from_mountinfo("", out, sizeof(out)), -ENOENT);
	assert_int_equal(cgroup2_mount_from_mountinfo(pure, out, 4), -ENAMETOOLONG);
}

static void joins_relative_and_absolute_paths(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(cgroup_path_join("/sys/fs/cgroup", "machine.slice/foo.scope", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/machine.slice/foo.scope");
	assert_int_equal(cgroup_path_join("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/a/", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified/a");
	assert_int_equal(cgroup_path_join("/sys/fs/cgroup", "./a//b/./", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/a/b");
	assert_int_equal(cgroup_path_join("/sys/fs/cgroup", "/", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
}

static void refuses_bad_paths(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(cgroup_path_join("/sys/fs/cgroup", "../etc", out, sizeof(out)), -EINVAL);
	assert_int_equal(cgroup_path_join("/sys/fs/cgroup", "a/../../b", out, sizeof(out)), -EINVAL);
	assert_int_equal(cgroup_path_join("/sys/fs/cgroup", "", out, sizeof(out)), -EINVAL);
	assert_int_equal(cgroup_path_join("/sys/fs/cgroup", "a-very-long-name", out, sizeof(out)),
			 -ENAMETOOLONG);
	/* ".." inside a name is just a name */
	assert_int_equal(cgroup_path_join("/c", "a..b", out, sizeof(out)), 0);
	assert_string_equal(out, "/c/a..b");
}

static void reads_v2_line_of_proc_cgroup(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(cgroup_v2_path_from_proc("4:memory:/x\n0::/user.slice/a.scope\n", out, sizeof(out)), 0);
	assert_string_equal(out, "/user.slice/a.scope");
	assert_int_equal(cgroup_v2_path_from_proc("0::/\n", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(cgroup_v2_path_from_proc("4:memory:/x\n", out, sizeof(out)), -ENOENT);
	assert_int_equal(cgroup_v2_path_from_proc("0::/abc\n", out, 3), -ENAMETOOLONG);
}

/* cgroup_path_up(): one level at a time, down to the root and never past it */
static void walks_up_to_the_root(void **state)
{
	char dir[64] = "/sys/fs/cgroup/a/b.scope";

	(void)state;
	assert_int_equal(cgroup_path_up(dir, "/sys/fs/cgroup"), 1);
	assert_string_equal(dir, "/sys/fs/cgroup/a");
	assert_int_equal(cgroup_path_up(dir, "/sys/fs/cgroup"), 1);
	assert_string_equal(dir, "/sys/fs/cgroup");
	assert_int_equal(cgroup_path_up(dir, "/sys/fs/cgroup"), 0);
	assert_string_equal(dir, "/sys/fs/cgroup");
	/* not below the root: untouched */
	snprintf(dir, sizeof(dir), "/sys/fs/cgroupx/a");
	assert_int_equal(cgroup_path_up(dir, "/sys/fs/cgroup"), 0);
	assert_string_equal(dir, "/sys/fs/cgroupx/a");
	snprintf(dir, sizeof(dir), "/other/a");
	assert_int_equal(cgroup_path_up(dir, "/sys/fs/cgroup"), 0);
	/* "/" as the root: up to the top component */
	snprintf(dir, sizeof(dir), "/sys/fs");
	assert_int_equal(cgroup_path_up(dir, "/"), 1);
	assert_string_equal(dir, "/sys");
	assert_int_equal(cgroup_path_up(dir, "/"), 0);
	assert_string_equal(dir, "/sys");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_cgroup2_on_both_layouts),
		cmocka_unit_test(joins_relative_and_absolute_paths),
		cmocka_unit_test(refuses_bad_paths),
		cmocka_unit_test(reads_v2_line_of_proc_cgroup),
		cmocka_unit_test(walks_up_to_the_root),
	};

	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
