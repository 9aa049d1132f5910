// SPDX-License-Identifier: GPL-2.0
/*
 * What an agent taking over the FUSE view from an earlier one relies on:
 * file handles it can tell from the earlier agent's, and finding the view's
 * mount in mountinfo without touching the (not yet served) mount itself.
 */
#include "../../common/unit.h"
#include "view/fuse_handoff.h"
#include "view/handles.h"

static void handles_are_this_agents_only(void **state)
{
	struct handle_table mine, earlier;
	int a, b, c[200];
	uint64_t ha, hb, old, hc[200];
	size_t i;

	(void)state;
	assert_int_equal(handles_init(&mine, 0x1234), 0);
	assert_int_equal(handles_init(&earlier, 0x4321), 0);
	ha = handles_put(&mine, &a);
	hb = handles_put(&mine, &b);
	old = handles_put(&earlier, &a);
	assert_true(ha && hb && ha != hb);
	assert_ptr_equal(handles_get(&mine, ha), &a);
	assert_ptr_equal(handles_get(&mine, hb), &b);
	/* an earlier agent's number, even with the same index, is unknown here */
	assert_int_equal((uint32_t)old, (uint32_t)ha);
	assert_null(handles_get(&mine, old));
	assert_null(handles_take(&mine, old));
	/* a raw pointer, as libfuse examples use, is never mistaken for one */
	assert_null(handles_get(&mine, (uint64_t)(uintptr_t)&a));
	assert_null(handles_get(&mine, 0));
	assert_null(handles_get(&mine, (uint64_t)0x1234 << 32));
	assert_null(handles_get(&mine, (uint64_t)0x1234 << 32 | 100000));
	/* released once: unknown afterwards, and the slot is used again */
	assert_ptr_equal(handles_take(&mine, ha), &a);
	assert_null(handles_take(&mine, ha));
	assert_ptr_equal(handles_get(&mine, hb), &b);
	/* the table grows past its first size and keeps every entry */
	for (i = 0; i < 200; i++) {
		hc[i] = handles_put(&mine, &c[i]);
		assert_true(hc[i] != 0);
	}
	for (i = 0; i < 200; i++)
		assert_ptr_equal(handles_take(&mine, hc[i]), &c[i]);
	assert_ptr_equal(handles_take(&mine, hb), &b);
	handles_destroy(&mine);
	handles_destroy(&earlier);

	/* tag 0: a random one, never 0 */
	assert_int_equal(handles_init(&mine, 0), 0);
	assert_true(mine.tag != 0);
	handles_destroy(&mine);
}

static void view_mount_found_in_mountinfo(void **state)
{
	const char *mi =
		"22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
		"90 26 0:52 / /var/lib/kava ro,nosuid,nodev,relatime shared:48 - fuse.kava kava "
		"ro,user_id=0,group_id=0,default_permissions,allow_other\n"
		"91 26 0:53 / /run/other rw shared:49 - fuse.sshfs host:/ rw\n"
		"92 26 0:54 / /run/view-tmpfs rw shared:50 - tmpfs kava rw";

	(void)state;
	assert_true(fuse_handoff_is_view_mount(mi, "/var/lib/kava"));
	assert_true(fuse_handoff_is_view_mount(mi, "/var/lib/kava/"));
	assert_false(fuse_handoff_is_view_mount(mi, "/var/lib"));
	assert_false(fuse_handoff_is_view_mount(mi, "/var/lib/kava2"));
	assert_false(fuse_handoff_is_view_mount(mi, "/run/other"));      /* another FUSE fs */
	assert_false(fuse_handoff_is_view_mount(mi, "/run/view-tmpfs")); /* the tmpfs view */
	assert_false(fuse_handoff_is_view_mount("", "/var/lib/kava"));
	assert_false(fuse_handoff_is_view_mount("garbage\n\n", "/var/lib/kava"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handles_are_this_agents_only),
		cmocka_unit_test(view_mount_found_in_mountinfo),
	};

	return cmocka_run_group_tests_name("view_handoff", tests, NULL, NULL);
}
