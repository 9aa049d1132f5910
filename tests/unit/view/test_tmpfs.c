// SPDX-License-Identifier: GPL-2.0
/* The tmpfs view (src/view/tmpfs.c): its mount. */
#include <sys/mount.h>
#include "../../common/unit.h"
#include "common/util.h"
#include "sched/registry.h"
#include "view/files.h"
#include "view/tmpfs.h"

/* n bytes of text into path (made) */
static int put_bytes(const char *path, size_t n)
{
	static char buf[16384];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));
	close(fd);
	return w < 0 ? -errno : 0;
}

/*
 * The view's own tmpfs holds a full table of containers, each with every
 * file and every CPU's topology files (a tmpfs file takes a page at least;
 * kava/metrics ~9 KiB at two CPUs). It held 64 MiB: ~390 containers on a
 * 2-CPU host, and the view of the rest stopped at ENOSPC.
 */
static void the_mount_holds_every_container(void **state)
{
	struct unit_scratch *s = *state;
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	char dir[PATH_MAX], path[PATH_MAX + 64], why[256];
	int c, i, cpu;

	if (geteuid() != 0)
		skip();	/* mounts a tmpfs */
	unit_path(dir, sizeof(dir), s, "view");
	assert_int_equal(view_tmpfs_prepare(dir, why, sizeof(why)), 0);
	for (c = 0; c < KAVA_MAX_CONTAINERS; c++) {
		int err = 0;

		for (i = 0; view_dirs[i]; i++) {
			snprintf(path, sizeof(path), "%s/%d/%s", dir, c, view_dirs[i]);
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				err = -errno;
		}
		for (i = 0; i < VF_COUNT && !err; i++) {
			snprintf(path, sizeof(path), "%s/%d/%s", dir, c, view_files[i].path);
			err = put_bytes(path, view_files[i].id == VF_KAVA_METRICS ? 12000 : 2000);
		}
		for (cpu = 0; cpu < ncpus && !err; cpu++) {
			snprintf(path, sizeof(path), "%s/%d/" VIEW_CPU_DIR "/cpu%d", dir, c, cpu);
			err = mkdir(path, 0755) < 0 ? -errno : 0;
			snprintf(path, sizeof(path), "%s/%d/" VIEW_CPU_DIR "/cpu%d/topology", dir, c, cpu);
			if (!err)
				err = mkdir(path, 0755) < 0 ? -errno : 0;
			for (i = 0; i < TOPOLOGY_FILE_COUNT && !err; i++) {
				snprintf(path, sizeof(path), "%s/%d/" VIEW_CPU_DIR "/cpu%d/topology/%s", dir,
					 c, cpu, topology_files[i].name);
				err = put_bytes(path, 8);
			}
		}
		if (err) {
			fprintf(stderr, "# container %d: %s\n", c, strerror(-err));
			break;
		}
	}
	assert_true(umount2(dir, MNT_DETACH) == 0);
	assert_int_equal(c, KAVA_MAX_CONTAINERS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_mount_holds_every_container, unit_scratch_setup,
						unit_scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
