// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel pseudo-files read through kept descriptors (src/common/fdcache.c):
 * the same text as read_file(), one descriptor per path kept, a dead task's
 * /proc files answered as gone, regular files never kept (a file replaced
 * by rename shows its new text), the bound on descriptors, and forgetting a
 * directory's files. A pass (the tmpfs view's period) answers a path read
 * before in it with the same text, on its own thread only, until it ends
 * or forgets the path's directory.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "../../common/unit.h"
#include "common/fdcache.h"

static int reset(void **state)
{
	(void)state;
	fdcache_reset(0);
	return 0;
}

static void same_text_as_read_file(void **state)
{
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	(void)state;
	/* one record (single_open()), then a multi-record seq_file, each twice */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fdcache_read("/proc/self/cgroup", FDCACHE_ONE_RECORD, &a, &alen), 0);
		assert_int_equal(read_file("/proc/self/cgroup", &b, &blen), 0);
		assert_int_equal(alen, blen);
		assert_string_equal(a, b);
		free(a);
		free(b);
		assert_int_equal(fdcache_read("/proc/self/mountinfo", 0, &a, &alen), 0);
		assert_int_equal(read_file("/proc/self/mountinfo", &b, &blen), 0);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_int_equal(fdcache_count(), 2);
	assert_int_equal(fdcache_read("/proc/self/no-such-file", 0, &a, NULL), -ENOENT);
	assert_null(a);
	assert_int_equal(fdcache_count(), 2);
}

/* A text that changes between reads is read afresh each time (seq_file restarts at 0). */
static void fresh_text_each_read(void **state)
{
	char *a = NULL, *b = NULL;
	unsigned long long before, after;
	const char *p;

	(void)state;
	assert_int_equal(fdcache_read("/proc/self/schedstat", FDCACHE_ONE_RECORD, &a, NULL), 0);
	before = strtoull(a, NULL, 10);
	for (volatile unsigned long i = 0; i < 20000000ul; i++)	/* burn some CPU time */
		;
	assert_int_equal(fdcache_read("/proc/self/schedstat", FDCACHE_ONE_RECORD, &b, NULL), 0);
	after = strtoull(b, NULL, 10);
	assert_true(after > before);
	p = strchr(b, '\n');
	assert_non_null(p);	/* the whole line came */
	free(a);
	free(b);
	assert_int_equal(fdcache_count(), 1);
}

static void regular_files_are_not_kept(void **state)
{
	struct unit_scratch *s = *state;
	char path[PATH_MAX], tmp[PATH_MAX], *text = NULL;
	FILE *f;

	fdcache_reset(0);
	unit_path(path, sizeof(path), s, "limit");
	unit_path(tmp, sizeof(tmp), s, "limit.new");
	unit_put(s, "limit", "1\n");
	assert_int_equal(fdcache_read(path, FDCACHE_ONE_RECORD, &text, NULL), 0);
	assert_string_equal(text, "1\n");
	free(text);
	assert_int_equal(fdcache_count(), 0);
	/* replaced by rename: a kept descriptor would still show "1" */
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_true(fputs("2\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(fdcache_read(path, FDCACHE_ONE_RECORD, &text, NULL), 0);
	assert_string_equal(text, "2\n");
	free(text);
	assert_int_equal(remove(path), 0);
	assert_int_equal(fdcache_read(path, 0, &text, NULL), -ENOENT);
}

/* A task's /proc file kept open: once the task is gone, gone (ESRCH, reopened: ENOENT). */
static void dead_task_reads_as_gone(void **state)
{
	char path[64], *text = NULL;
	pid_t child;
	int status;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)child);
	assert_int_equal(fdcache_read(path, FDCACHE_ONE_RECORD, &text, NULL), 0);
	free(text);
	assert_int_equal(fdcache_count(), 1);
	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	text = NULL;
	assert_int_equal(fdcache_read(path, FDCACHE_ONE_RECORD, &text, NULL), -ENOENT);
	assert_null(text);
	assert_int_equal(fdcache_count(), 0);	/* its descriptor went */
}

/* Never more descriptors than the bound; the least recently read go. */
static void bounded(void **state)
{
	static const char *const files[] = {
		"/proc/self/stat", "/proc/self/statm", "/proc/self/status", "/proc/self/cmdline",
		"/proc/self/comm", "/proc/self/cgroup", "/proc/self/limits", "/proc/self/schedstat",
		"/proc/self/oom_score", "/proc/self/oom_score_adj", "/proc/self/personality",
		"/proc/self/mountinfo", "/proc/self/mounts", "/proc/self/wchan", "/proc/self/timerslack_ns",
		"/proc/meminfo", "/proc/stat", "/proc/loadavg", "/proc/uptime", "/proc/version",
	};
	char *text = NULL;
	size_t i;

	(void)state;
	fdcache_reset(16);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(fdcache_read(files[i], 0, &text, NULL), 0);
		free(text);
		assert_true(fdcache_count() <= 16);
	}
	assert_int_equal(fdcache_count(), 16);
	/* and every one still reads */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(fdcache_read(files[i], 0, &text, NULL), 0);
		free(text);
	}
	assert_int_equal(fdcache_count(), 16);
}

static void raise_nofile_makes_room(void **state)
{
	struct rlimit was, low, now;
	rlim_t want = (rlim_t)FDCACHE_MAX * 4;
	long got;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	low = was;
	if (low.rlim_cur == RLIM_INFINITY || low.rlim_cur > 1024)
		low.rlim_cur = 1024;	/* as systemd starts services */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	got = fdcache_raise_nofile();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	if (was.rlim_max != RLIM_INFINITY && want > was.rlim_max)
		want = was.rlim_max;
	if (want < low.rlim_cur)
		want = low.rlim_cur;	/* never lowered */
	assert_int_equal(now.rlim_cur, want);
	assert_int_equal(now.rlim_max, was.rlim_max);
	assert_int_equal(got, (long)now.rlim_cur);
	/* again: nothing changes */
	assert_int_equal(fdcache_raise_nofile(), got);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
}

/* Up to `max` readable files under /proc/sys (kernel pseudo-files, kept by the cache). */
static char **proc_sys_files(size_t max, size_t *n)
{
	char **paths = calloc(max, sizeof(*paths)), line[PATH_MAX];
	FILE *p = popen("find /proc/sys -type f -perm -u=r 2>/dev/null", "r");

	assert_non_null(paths);
	assert_non_null(p);
	*n = 0;
	while (*n < max && fgets(line, sizeof(line), p)) {
		char *text = NULL;

		line[strcspn(line, "\n")] = '\0';
		if (read_file(line, &text, NULL) == 0) {
			paths[*n] = strdup(line);
			assert_non_null(paths[*n]);
			(*n)++;
		}
		free(text);
	}
	pclose(p);
	return paths;
}

static void holds_more_than_1024(void **state)
{
	struct rlimit was;
	char **paths, *text = NULL;
	size_t n, i, kept = 0;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	if (fdcache_raise_nofile() < 4 * 1500) {
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
		print_message("RLIMIT_NOFILE's hard limit is below %d here: too low for the check\n",
			      4 * 1500);
		skip();
	}
	paths = proc_sys_files(1500, &n);
	if (n < 1100) {
		for (i = 0; i < n; i++)
			free(paths[i]);
		free(paths);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
		print_message("only %zu files under /proc/sys here (1,100 needed to tell)\n", n);
		skip();
	}
	fdcache_reset(0);	/* the bound from the raised limit */
	for (i = 0; i < n; i++)
		if (fdcache_read(paths[i], 0, &text, NULL) == 0) {
			kept++;
			free(text);
		}
	/* every one kept: at FDCACHE_MAX 1024 (or a soft limit of 1024), 1024 or 256 */
	assert_int_equal(fdcache_count(), kept);
	assert_true(kept > 1024);
	fdcache_reset(0);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
}

static void forget_under_a_directory(void **state)
{
	char *text = NULL;

	(void)state;
	assert_int_equal(fdcache_read("/proc/self/stat", 0, &text, NULL), 0);
	free(text);
	assert_int_equal(fdcache_read("/proc/self/comm", 0, &text, NULL), 0);
	free(text);
	assert_int_equal(fdcache_read("/proc/meminfo", 0, &text, NULL), 0);
	free(text);
	fdcache_forget_under("/proc/sel");	/* a prefix, not a directory: nothing */
	assert_int_equal(fdcache_count(), 3);
	fdcache_forget_under("/proc/self");
	assert_int_equal(fdcache_count(), 1);
}

static char *read_text(const char *path)
{
	char *text = NULL;

	assert_int_equal(fdcache_read(path, 0, &text, NULL), 0);
	return text;
}

static void *read_in_thread(void *path)
{
	return read_text(path);
}

/*
 * In a pass, a file read again shows the text of its first read (the
 * file changed meanwhile); after the pass, and on another thread during
 * it, its text now. A file never read in the pass is read as it is.
 */
static void a_pass_reads_a_path_once(void **state)
{
	struct unit_scratch *s = *state;
	char dir[PATH_MAX], a[PATH_MAX], b[PATH_MAX], *text;
	unsigned long long id;
	pthread_t t;
	void *other;

	unit_mkdir(s, "cg");
	unit_path(dir, sizeof(dir), s, "cg");
	unit_path(a, sizeof(a), s, "cg/memory.stat");
	unit_path(b, sizeof(b), s, "meminfo");
	unit_put(s, "cg/memory.stat", "first\n");
	unit_put(s, "meminfo", "host 1\n");
	assert_int_equal(fdcache_pass_id(), 0);
	fdcache_pass_begin();
	id = fdcache_pass_id();
	assert_true(id != 0);
	text = read_text(a);
	assert_string_equal(text, "first\n");
	free(text);
	unit_put(s, "cg/memory.stat", "second, longer\n");
	text = read_text(a);
	assert_string_equal(text, "first\n");	/* the pass's text */
	free(text);
	assert_int_equal(fdcache_pass_count(), 1);
	/* another thread reads the file as it is now */
	assert_int_equal(pthread_create(&t, NULL, read_in_thread, a), 0);
	assert_int_equal(pthread_join(t, &other), 0);
	assert_string_equal(other, "second, longer\n");
	free(other);
	text = read_text(b);
	assert_string_equal(text, "host 1\n");
	free(text);
	unit_put(s, "meminfo", "host 2\n");
	/* one container done: its own directory's texts go, the shared file's stay */
	fdcache_pass_forget_under(dir);
	assert_int_equal(fdcache_pass_count(), 1);
	text = read_text(a);
	assert_string_equal(text, "second, longer\n");
	free(text);
	text = read_text(b);
	assert_string_equal(text, "host 1\n");
	free(text);
	fdcache_pass_end();
	assert_int_equal(fdcache_pass_count(), 0);
	assert_int_equal(fdcache_pass_id(), 0);
	text = read_text(b);
	assert_string_equal(text, "host 2\n");
	free(text);
	/* the next pass reads afresh, and has another id */
	fdcache_pass_begin();
	assert_true(fdcache_pass_id() != id);
	unit_put(s, "meminfo", "host 3\n");
	text = read_text(b);
	assert_string_equal(text, "host 3\n");
	free(text);
	fdcache_pass_end();
}

/* A read that fails in a pass is not kept: the file read later in the pass is read. */
static void a_pass_keeps_no_failure(void **state)
{
	struct unit_scratch *s = *state;
	char a[PATH_MAX], *text = NULL;

	unit_path(a, sizeof(a), s, "io.pressure");
	fdcache_pass_begin();
	assert_int_equal(fdcache_read(a, 0, &text, NULL), -ENOENT);
	unit_put(s, "io.pressure", "some\n");
	text = read_text(a);
	assert_string_equal(text, "some\n");
	free(text);
	fdcache_pass_end();
}

static void put_big(const char *path, char fill, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		assert_true(fputc(fill, f) != EOF);
	assert_int_equal(fclose(f), 0);
}

/* A pass keeps at most 1 MiB of texts: a file past it is read as it is, each time. */
static void a_pass_is_bounded(void **state)
{
	struct unit_scratch *s = *state;
	char a[PATH_MAX], b[PATH_MAX], *text;

	unit_path(a, sizeof(a), s, "a");
	unit_path(b, sizeof(b), s, "b");
	put_big(a, 'a', 600 * 1024);
	put_big(b, 'b', 600 * 1024);
	fdcache_pass_begin();
	free(read_text(a));
	free(read_text(b));
	assert_int_equal(fdcache_pass_count(), 1);
	put_big(a, 'c', 10);
	put_big(b, 'd', 10);
	text = read_text(a);
	assert_int_equal(text[0], 'a');	/* kept */
	free(text);
	text = read_text(b);
	assert_string_equal(text, "dddddddddd");	/* not kept: read now */
	free(text);
	fdcache_pass_end();
}

static int enough_calls;

static int enough_at_once(const char *text, size_t len, void *arg)
{
	(void)arg;
	enough_calls++;
	assert_int_equal(strlen(text), len);	/* NUL-terminated where it is asked */
	return len > 0;
}

static int never_enough(const char *text, size_t len, void *arg)
{
	(void)text;
	(void)len;
	(void)arg;
	enough_calls++;
	return 0;
}

/*
 * fdcache_read_until(): a multi-record seq_file (/proc/kallsyms: megabytes,
 * a page or so a read) read only until the caller has what it needs; a
 * caller never content gets the whole text, as does one inside a pass.
 */
static void read_until_stops_early(void **state)
{
	char *whole = NULL, *part = NULL;
	size_t wlen = 0, plen = 0;

	(void)state;
	assert_int_equal(fdcache_read("/proc/kallsyms", 0, &whole, &wlen), 0);
	enough_calls = 0;
	assert_int_equal(fdcache_read_until("/proc/kallsyms", enough_at_once, NULL, &part, &plen), 0);
	assert_int_equal(enough_calls, 1);
	assert_true(plen > 0 && plen < wlen && plen <= 64 * 1024);
	assert_memory_equal(part, whole, 64);	/* the text's start */
	free(part);
	enough_calls = 0;
	assert_int_equal(fdcache_read_until("/proc/kallsyms", never_enough, NULL, &part, &plen), 0);
	assert_true(enough_calls > 1);
	assert_true(plen > wlen / 2);	/* the whole text (it changes a little as modules load) */
	free(part);
	fdcache_pass_begin();
	enough_calls = 0;
	assert_int_equal(fdcache_read_until("/proc/kallsyms", enough_at_once, NULL, &part, &plen), 0);
	assert_int_equal(enough_calls, 0);
	assert_true(plen > wlen / 2);
	free(part);
	fdcache_pass_end();
	free(whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(same_text_as_read_file, reset),
		cmocka_unit_test_setup(fresh_text_each_read, reset),
		cmocka_unit_test_setup_teardown(regular_files_are_not_kept, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup(dead_task_reads_as_gone, reset),
		cmocka_unit_test_setup(bounded, reset),
		cmocka_unit_test_setup(read_until_stops_early, reset),
		cmocka_unit_test_setup(forget_under_a_directory, reset),
		cmocka_unit_test_setup(raise_nofile_makes_room, reset),
		cmocka_unit_test_setup(holds_more_than_1024, reset),
		cmocka_unit_test_setup_teardown(a_pass_reads_a_path_once, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(a_pass_keeps_no_failure, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(a_pass_is_bounded, unit_scratch_setup,
						unit_scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
