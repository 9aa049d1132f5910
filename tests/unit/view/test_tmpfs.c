// SPDX-License-Identifier: GPL-2.0
/*
 * The tmpfs view (src/view/tmpfs.c): its mount, and its file writer
 * (src/view/tmpfs_file.c): a rewrite leaves exactly the new text (no tail of
 * a longer old one), in the same inode, through a descriptor kept open or
 * opened for the one write.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "../../common/unit.h"
#include "common/util.h"
#include "sched/registry.h"
#include "view/files.h"
#include "view/tmpfs.h"
#include "view/tmpfs_file.h"

static void expect_text(const char *path, const char *want)
{
	char *have = NULL;
	size_t len = 0;

	assert_int_equal(read_file(path, &have, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(have, want, len);
	free(have);
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static void write_text(struct tmpfs_file *f, const char *path, const char *text, int keep)
{
	assert_int_equal(tmpfs_file_write(f, path, text, strlen(text), keep), 0);
}

/* Shorter, longer, same length: the file says what was written last, kept or not. */
static void rewrites_leave_the_last_text_only(void **state)
{
	struct unit_scratch *s = *state;
	struct tmpfs_file f = TMPFS_FILE_INIT;
	char path[PATH_MAX];
	ino_t ino;
	int keep;

	unit_path(path, sizeof(path), s, "uptime");
	for (keep = 0; keep <= 1; keep++) {
		write_text(&f, path, "12345.67 23456.78\n", keep);
		ino = inode_of(path);
		expect_text(path, "12345.67 23456.78\n");
		assert_int_equal(tmpfs_file_kept(&f), keep);
		write_text(&f, path, "9.99 1.00\n", keep);
		expect_text(path, "9.99 1.00\n");
		write_text(&f, path, "100000.01 200000.02\n", keep);
		expect_text(path, "100000.01 200000.02\n");
		write_text(&f, path, "100000.02 200000.03\n", keep);
		expect_text(path, "100000.02 200000.03\n");
		write_text(&f, path, "", keep);
		expect_text(path, "");
		/* in place: bind mounts of the file keep showing it */
		assert_int_equal(inode_of(path), ino);
		tmpfs_file_close(&f);
		assert_int_equal(tmpfs_file_kept(&f), 0);
	}
}

/* A file left longer by someone else (an earlier agent) is cut at the first write. */
static void the_first_write_cuts_an_older_longer_file(void **state)
{
	struct unit_scratch *s = *state;
	struct tmpfs_file f = TMPFS_FILE_INIT;
	char path[PATH_MAX];

	unit_put(s, "loadavg", "0.00 0.00 0.00 1/200 123456789\n");
	unit_path(path, sizeof(path), s, "loadavg");
	write_text(&f, path, "1.00 0.50 0.25 2/3 42\n", 1);
	expect_text(path, "1.00 0.50 0.25 2/3 42\n");
	tmpfs_file_close(&f);
	/* a new writer knows nothing of the length it left: cut again */
	unit_put(s, "loadavg", "0.00 0.00 0.00 1/200 123456789\n");
	write_text(&f, path, "1.00 0.50 0.25 2/3 42\n", 1);
	expect_text(path, "1.00 0.50 0.25 2/3 42\n");
	tmpfs_file_close(&f);
}

/* A write that fails leaves no length believed, and no descriptor kept. */
static void a_failed_write_keeps_nothing(void **state)
{
	struct unit_scratch *s = *state;
	struct tmpfs_file f = TMPFS_FILE_INIT;
	char path[PATH_MAX];

	unit_path(path, sizeof(path), s, "no/such/dir/stat");
	assert_int_equal(tmpfs_file_write(&f, path, "x\n", 2, 1), -ENOENT);
	assert_int_equal(tmpfs_file_kept(&f), 0);
	tmpfs_file_close(&f);
}

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

/* Whether PATH is the root of a mount (statx: Linux 5.8+, every kernel kava runs on). */
static int mount_root(const char *path)
{
	struct statx stx;

	assert_int_equal(statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx), 0);
	assert_true(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT);
	return !!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/*
 * A view directory inside a tmpfs that is not its own (/run, or a VM's
 * root) gets a tmpfs of its own: only a tmpfs mounted on the directory
 * itself is reused. (The VM's unit run found the_mount_holds_every_container
 * writing into the root tmpfs: no mount of its own to unmount.)
 */
static void a_directory_inside_a_tmpfs_gets_its_own(void **state)
{
	struct unit_scratch *s = *state;
	char outer[PATH_MAX], dir[PATH_MAX + 8], why[256];

	if (geteuid() != 0)
		skip();	/* mounts a tmpfs */
	unit_path(outer, sizeof(outer), s, "outer");
	assert_int_equal(make_dirs(outer, 0755), 0);
	assert_int_equal(mount("kava-test", outer, "tmpfs", 0, "size=1m"), 0);
	snprintf(dir, sizeof(dir), "%s/view", outer);
	assert_int_equal(view_tmpfs_prepare(dir, why, sizeof(why)), 0);
	assert_true(mount_root(dir));
	/* prepared again, it is reused, not mounted over */
	assert_int_equal(view_tmpfs_prepare(dir, why, sizeof(why)), 0);
	assert_int_equal(umount2(dir, 0), 0);
	assert_false(mount_root(dir));
	assert_int_equal(umount2(outer, MNT_DETACH), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rewrites_leave_the_last_text_only, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(the_first_write_cuts_an_older_longer_file,
						unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(a_failed_write_keeps_nothing, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(the_mount_holds_every_container, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(a_directory_inside_a_tmpfs_gets_its_own,
						unit_scratch_setup, unit_scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
