// SPDX-License-Identifier: GPL-2.0
/*
 * The scale workload: one process per cgroup, each with THREADS threads
 * (its main thread included, so a container counts exactly THREADS) that
 * sleep PERIOD_MS ± JITTER_PCT % in a loop and do nothing else.
 *
 *   kava-sleepers THREADS PERIOD_MS JITTER_PCT CGROUP_DIR...
 *
 * Forks one child per CGROUP_DIR; the child moves itself into it (writes 0
 * to cgroup.procs) before it creates any thread, so every thread is born in
 * its container. Prints "ready N" once every thread of every child runs,
 * then waits until stdin reaches EOF or SIGTERM, and kills the children.
 * Small stacks: 100,000 threads must fit a small machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)

static long period_ms;
static long jitter_pct;

/* xorshift: each thread its own sequence, no shared state */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *sleeper(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + (uint64_t)getpid();
	long span = period_ms * jitter_pct / 100;

	if (!seed)
		seed = 1;
	/* start spread over one period, so wakeups are evenly spaced from the start */
	for (long first = 1;; first = 0) {
		long ms = first ? (long)(next_rand(&seed) % (uint64_t)(period_ms + 1))
				: period_ms + (span ? (long)(next_rand(&seed) % (uint64_t)(2 * span + 1)) - span
						    : 0);
		struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

static int join_cgroup(const char *dir)
{
	char path[4096];
	int fd, ok;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* The child: join, start threads - 1 more threads, tell the parent, sleep like them. */
static void child(const char *dir, long threads, int ready_fd)
{
	pthread_attr_t attr;
	pthread_t t;
	char c = 1;

	if (join_cgroup(dir) < 0) {
		fprintf(stderr, "kava-sleepers: cannot join %s: %s\n", dir, strerror(errno));
		_exit(1);
	}
	if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, STACK_SIZE))
		_exit(1);
	for (long i = 1; i < threads; i++) {
		int err = pthread_create(&t, &attr, sleeper, (void *)(uintptr_t)i);

		if (err) {
			fprintf(stderr, "kava-sleepers: thread %ld in %s: %s\n", i, dir, strerror(err));
			_exit(1);
		}
	}
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	close(ready_fd);
	sleeper((void *)(uintptr_t)0);
	_exit(0);
}

static void on_term(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	long threads, ready = 0;
	int pfd[2], n = argc - 4;
	pid_t *pids;
	char c;

	if (argc < 5) {
		fprintf(stderr, "usage: kava-sleepers THREADS PERIOD_MS JITTER_PCT CGROUP_DIR...\n");
		return 2;
	}
	threads = strtol(argv[1], NULL, 10);
	period_ms = strtol(argv[2], NULL, 10);
	jitter_pct = strtol(argv[3], NULL, 10);
	if (threads < 1 || period_ms < 1 || jitter_pct < 0 || jitter_pct > 100) {
		fprintf(stderr, "kava-sleepers: THREADS >= 1, PERIOD_MS >= 1, JITTER_PCT 0..100\n");
		return 2;
	}
	pids = calloc((size_t)n, sizeof(*pids));
	if (!pids || pipe2(pfd, O_CLOEXEC) < 0)
		return 1;
	/* SIGTERM interrupts the parent's wait below (no SA_RESTART), the children die of it */
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_term }, NULL);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("kava-sleepers: fork");
			break;
		}
		if (pids[i] == 0) {
			sigaction(SIGTERM, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
			close(pfd[0]);
			child(argv[4 + i], threads, pfd[1]);
		}
	}
	close(pfd[1]);
	while (ready < n && read(pfd[0], &c, 1) == 1)
		ready++;
	printf("ready %ld\n", ready);
	fflush(stdout);
	if (ready == n) {	/* until stdin closes (the bench is done) */
		char buf[64];

		while (read(0, buf, sizeof(buf)) > 0)
			;
	}
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	return ready == n ? 0 : 1;
}
