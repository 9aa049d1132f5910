// SPDX-License-Identifier: GPL-2.0
/* Counting kava view mounts stacked on a container's /proc files (mountinfo text). */
#include "../../common/unit.h"
#include "deploy/mountinfo.h"

/* A container's namespace: its root, /proc, then views stacked on meminfo and cpu. */
static const char ns[] =
	"500 400 8:1 /var/lib/lxc/c1/rootfs / rw,relatime - ext4 /dev/sda1 rw\n"
	"501 500 0:22 / /proc rw,nosuid - proc proc rw\n"
	"502 501 0:55 /proc/meminfo /proc/meminfo ro,nosuid - fuse.kava kava rw,user_id=0\n"
	"503 502 0:56 /proc/meminfo /proc/meminfo ro,nosuid - fuse.kava kava rw,user_id=0\n"
	"504 501 0:57 /proc/stat /proc/stat rw - fuse.lxcfs lxcfs rw\n"
	"505 504 0:55 /proc/stat /proc/stat ro shared:9 master:3 - fuse.kava kava rw\n"
	"506 501 0:57 /proc/uptime /proc/uptime rw - fuse.lxcfs lxcfs rw\n"
	"507 501 0:60 /42/proc/loadavg /proc/loadavg rw - tmpfs kava rw\n"
	"508 501 0:61 / /proc/swaps rw - tmpfs tmpfs rw\n"
	"509 500 0:20 / /sys ro - sysfs sysfs ro\n"
	"510 509 0:55 /sys/devices/system/cpu /sys/devices/system/cpu ro - fuse.kava kava rw\n"
	"511 500 0:62 / /with\\040space rw - fuse.kava kava rw\n";

static void counts_views_on_top(void **state)
{
	(void)state;
	assert_int_equal(mountinfo_view_layers(ns, "/proc/meminfo"), 2);
	assert_int_equal(mountinfo_view_layers(ns, "/sys/devices/system/cpu"), 1);
	/* the tmpfs view is a tmpfs whose source is "kava"; any other tmpfs is not */
	assert_int_equal(mountinfo_view_layers(ns, "/proc/loadavg"), 1);
	assert_int_equal(mountinfo_view_layers(ns, "/proc/swaps"), 0);
}

static void stops_at_other_mounts(void **state)
{
	(void)state;
	/* a view over LXCFS: only the view counts, LXCFS stays */
	assert_int_equal(mountinfo_view_layers(ns, "/proc/stat"), 1);
	assert_int_equal(mountinfo_view_layers(ns, "/proc/uptime"), 0);
	assert_int_equal(mountinfo_view_layers(ns, "/proc/cpuinfo"), 0);
	assert_int_equal(mountinfo_view_layers(ns, "/proc"), 0);
}

static void paths_and_escapes(void **state)
{
	(void)state;
	assert_int_equal(mountinfo_view_layers(ns, "/with space"), 1);
	assert_int_equal(mountinfo_view_layers(ns, "/with\\040space"), 0);
	assert_int_equal(mountinfo_view_layers(ns, "/proc/meminfo/"), 2);
	assert_int_equal(mountinfo_view_layers(ns, "/proc/meminf"), 0);
	assert_true(mountinfo_has_mount(ns, "/proc/uptime"));
	assert_false(mountinfo_has_mount(ns, "/proc/cpuinfo"));
}

static void malformed_text(void **state)
{
	(void)state;
	assert_int_equal(mountinfo_view_layers(NULL, "/proc/meminfo"), 0);
	assert_int_equal(mountinfo_view_layers("", "/proc/meminfo"), 0);
	assert_int_equal(mountinfo_view_layers("garbage\n\n1 2\n", "/proc/meminfo"), 0);
	/* no " - " separator: not a line */
	assert_int_equal(mountinfo_view_layers("1 0 0:1 / /proc/meminfo rw fuse.kava kava\n",
					       "/proc/meminfo"), 0);
	/* a mount that names itself as parent does not loop */
	assert_int_equal(mountinfo_view_layers("7 7 0:1 / /x rw - fuse.kava kava rw\n", "/x"), 0);
	/* no trailing newline */
	assert_int_equal(mountinfo_view_layers("7 1 0:1 / /x rw - fuse.kava kava rw", "/x"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_views_on_top),
		cmocka_unit_test(stops_at_other_mounts),
		cmocka_unit_test(paths_and_escapes),
		cmocka_unit_test(malformed_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
