// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's malloc settings (src/common/heap.c): memory freed after a
 * burst goes back to the system. Each case runs in a child of its own (malloc's
 * settings and arenas are the process's) and does what the agent does:
 * libbpf's copy of the kernel's BTF (~5.5 MB here) is allocated and freed
 * first, then 4096 snapshots of ~2.7 KB (a container holding its budget's
 * worth of /proc/cpuinfo) are made and freed; heap_give_back() is the
 * budget's trim. The figure checked is the anonymous memory resident
 * (smaps_rollup: a page-table walk, exact) before the burst and after.
 * And no transparent huge pages: with them a 2 MiB range stays whole while
 * one of its pages is in use.
 */
#include <ctype.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../../common/unit.h"
#include "common/heap.h"

#define BTF_BYTES   (6u << 20)
#define SNAPSHOTS   4096
#define SNAPSHOT    2720
#define FUSE_BUF    ((1u << 20) + 4096)	/* a libfuse worker's request buffer */

static long anon_kb(void)
{
	char *text = NULL;
	const char *p;
	long kb = -1;

	if (read_file("/proc/self/smaps_rollup", &text, NULL) == 0 &&
	    (p = strstr(text, "\nAnonymous:")))
		kb = strtol(p + strlen("\nAnonymous:"), NULL, 10);
	free(text);
	return kb;
}

/* what libbpf does with /sys/kernel/btf/vmlinux: read it whole, parse, free */
static void btf_like(void)
{
	char *p = malloc(BTF_BYTES);

	if (p) {
		memset(p, 1, BTF_BYTES);
		free(p);
	}
}

/* a container's files opened: their snapshots made (exits the child if it cannot) */
static char **open_files(void)
{
	char **s = calloc(SNAPSHOTS, sizeof(*s));

	if (!s)
		_exit(5);
	for (int i = 0; i < SNAPSHOTS; i++)
		if ((s[i] = malloc(SNAPSHOT)))
			memset(s[i], 'x', SNAPSHOT);
	return s;
}

static void close_files(char **s)
{
	for (int i = 0; i < SNAPSHOTS; i++)	/* closed in the order opened */
		free(s[i]);
	free(s);
}

static void *burst(void *arg)
{
	(void)arg;
	close_files(open_files());
	return NULL;
}

/*
 * Run CASE in a child: it prints "BEFORE AFTER" (kB) on the pipe. Returns
 * the growth in kB; the figures are printed under NAME (none: not printed).
 */
static long in_child(const char *name, void (*fn)(long *before, long *after))
{
	long before = -1, after = -1;
	int fd[2], status;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		fn(&before, &after);
		dprintf(fd[1], "%ld %ld\n", before, after);
		_exit(0);
	}
	close(fd[1]);
	{
		char buf[64] = "";
		ssize_t n = read(fd[0], buf, sizeof(buf) - 1);

		assert_true(n > 0);
		assert_int_equal(sscanf(buf, "%ld %ld", &before, &after), 2);
	}
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(before > 0 && after > 0);
	if (name)
		print_message("# %s: anonymous memory %ld kB before the burst, %ld kB after "
			      "(burst %u kB)\n", name, before, after, SNAPSHOTS * SNAPSHOT / 1024);
	return after - before;
}

/* a FUSE worker thread makes the snapshots and its thread frees them */
static void thread_burst(long *before, long *after)
{
	pthread_t t;

	if (heap_setup() < 0)
		_exit(2);
	btf_like();
	*before = anon_kb();
	if (pthread_create(&t, NULL, burst, NULL) || pthread_join(t, NULL))
		_exit(3);
	heap_give_back(0);
	*after = anon_kb();
}

static void a_threads_burst_goes_back(void **state)
{
	(void)state;
	/* glibc's malloc_trim() never shrinks the top of a thread's arena */
	assert_true(in_child("thread's arena", thread_burst) <= 1024);
}

/*
 * A burst in the main arena under a small block still in use (as the
 * agent's caches are: the top cannot shrink past it) goes back page by
 * page; and a FUSE worker started after that trim takes its 1 MiB request
 * buffer from the given-back pages, resident only where a request touches
 * them. (Started before the trim, it would keep the ~1 MiB of the burst it
 * was carved from: malloc serves it from the freed snapshots, not mmap.)
 */
static void buffer_after_burst(long *before, long *after)
{
	char *keep, *buf;

	if (heap_setup() < 0)
		_exit(2);
	btf_like();
	*before = anon_kb();
	{
		char **s = open_files();

		keep = malloc(64);
		close_files(s);
	}
	heap_give_back(0);
	buf = malloc(FUSE_BUF);
	if (!buf || !keep)
		_exit(4);
	memset(buf, 0, 4096);
	*after = anon_kb();
	free(buf);
	free(keep);
}

static void a_burst_under_a_live_block_goes_back(void **state)
{
	(void)state;
	assert_true(in_child("main arena, a block above", buffer_after_burst) <= 512);
}

/*
 * No transparent huge pages: a 2 MiB-aligned range asked for them
 * (MADV_HUGEPAGE, as with THP "always") and touched once holds one page.
 * AnonHugePages (kB) of the range, from smaps, is what the child reports.
 */
static long huge_kb_of(char *p)
{
	char *text = NULL, *line, *save = NULL;
	char start[32];
	long kb = -1;
	int in = 0;

	snprintf(start, sizeof(start), "%lx-", (unsigned long)p);
	if (read_file("/proc/self/smaps", &text, NULL) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strchr(line, '-') && strchr(line, '-') < strchr(line, ' ') && isxdigit(line[0]))
			in = !strncmp(line, start, strlen(start));
		else if (in && !strncmp(line, "AnonHugePages:", 14))
			kb = strtol(line + 14, NULL, 10);
	}
	free(text);
	return kb;
}

static void touch_huge(long *before, long *after, int setup)
{
	size_t huge = 2u << 20;
	char *m = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (setup && heap_setup() < 0)
		_exit(2);
	if (m == MAP_FAILED)
		_exit(3);
	p = (char *)(((uintptr_t)m + huge - 1) & ~(uintptr_t)(huge - 1));
	if (p != m)
		munmap(m, (size_t)(p - m));	/* the range starts at p: its own smaps entry */
	(void)madvise(p, huge, MADV_HUGEPAGE);
	*before = 1;
	p[0] = 1;
	*after = 1 + huge_kb_of(p);
}

static void huge_with_setup(long *b, long *a) { touch_huge(b, a, 1); }
static void huge_without_setup(long *b, long *a) { touch_huge(b, a, 0); }

static void no_transparent_huge_pages(void **state)
{
	long without, with;

	(void)state;
	without = in_child(NULL, huge_without_setup);
	with = in_child(NULL, huge_with_setup);
	print_message("# AnonHugePages of a touched 2 MiB range: %ld kB without heap_setup(), "
		      "%ld kB with it\n", without, with);
	assert_int_equal(with, 0);
}

/* heap_give_back() leaves malloc alone when it holds little free memory */
static void little_free_memory_is_left(void **state)
{
	(void)state;
	assert_int_equal(heap_give_back((size_t)1 << 40), 0);
	assert_int_equal(heap_give_back(0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_threads_burst_goes_back),
		cmocka_unit_test(a_burst_under_a_live_block_goes_back),
		cmocka_unit_test(no_transparent_huge_pages),
		cmocka_unit_test(little_free_memory_is_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
