// SPDX-License-Identifier: GPL-2.0
/*
 * Load on the view for the budget tests (no python in the VMs):
 *
 *   kava-viewload hold N FILE      raise RLIMIT_NOFILE to N (or its hard limit), open
 *                                  FILE up to N times and keep the files; print
 *                                  "held H failed F errno E" (E: the first
 *                                  error's number, 0 if none), wait for a line
 *                                  on stdin, close them all, print "closed",
 *                                  wait for another line
 *   kava-viewload loop SECS THREADS FILE
 *                                  THREADS threads open, read to EOF and close
 *                                  FILE for SECS seconds; print "ops N failed F"
 *   kava-viewload lat N FILE       N open/read/close in a row; print
 *                                  "ops N failed F p50_ns A p99_ns B"
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* open, read to EOF, close: 0, or the errno */
static int read_once(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

static int wait_line(void)
{
	char line[64];

	return fgets(line, sizeof(line), stdin) ? 0 : -1;
}

static int hold(long n, const char *path)
{
	struct rlimit rl;
	long held = 0, failed = 0, i;
	int *fds, first = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		/* above the hard limit with CAP_SYS_RESOURCE; else up to it */
		struct rlimit want = { (rlim_t)n + 16, (rlim_t)n + 16 };

		if (want.rlim_max < rl.rlim_max || setrlimit(RLIMIT_NOFILE, &want) < 0) {
			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				perror("setrlimit");
		} else {
			rl = want;
		}
		if ((rlim_t)n + 16 > rl.rlim_cur)
			n = (long)rl.rlim_cur - 16;	/* as many as the fd limit allows */
	}
	fds = calloc((size_t)n, sizeof(*fds));
	if (!fds)
		return 1;
	for (i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			fds[held++] = fd;
		} else {
			if (!failed)
				first = errno;
			failed++;
		}
	}
	printf("held %ld failed %ld errno %d\n", held, failed, first);
	fflush(stdout);
	wait_line();
	for (i = 0; i < held; i++)
		close(fds[i]);
	free(fds);
	printf("closed\n");
	fflush(stdout);
	wait_line();
	return 0;
}

struct looper {
	const char *path;
	double end;
	long ops, failed;
};

static void *loop_thread(void *arg)
{
	struct looper *l = arg;

	while (now_s() < l->end) {
		if (read_once(l->path))
			l->failed++;
		l->ops++;
	}
	return NULL;
}

static int loop(double secs, int threads, const char *path)
{
	struct looper *l = calloc((size_t)threads, sizeof(*l));
	pthread_t *t = calloc((size_t)threads, sizeof(*t));
	long ops = 0, failed = 0;
	int i, started = 0;

	if (!l || !t) {
		free(l);
		free(t);
		return 1;
	}
	for (i = 0; i < threads; i++) {
		l[i].path = path;
		l[i].end = now_s() + secs;
		if (pthread_create(&t[i], NULL, loop_thread, &l[i]) == 0)
			started++;
		else
			break;
	}
	for (i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		ops += l[i].ops;
		failed += l[i].failed;
	}
	printf("ops %ld failed %ld\n", ops, failed);
	free(l);
	free(t);
	return started == threads ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int lat(long n, const char *path)
{
	double *t = calloc((size_t)n, sizeof(*t));
	long i, failed = 0;

	if (!t)
		return 1;
	for (i = 0; i < n; i++) {
		double t0 = now_s();

		if (read_once(path))
			failed++;
		t[i] = now_s() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("ops %ld failed %ld p50_ns %.0f p99_ns %.0f\n", n, failed, t[n / 2] * 1e9,
	       t[(n * 99) / 100] * 1e9);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "hold") && atol(argv[2]) > 0)
		return hold(atol(argv[2]), argv[3]);
	if (argc == 5 && !strcmp(argv[1], "loop") && atof(argv[2]) > 0 && atoi(argv[3]) > 0)
		return loop(atof(argv[2]), atoi(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "lat") && atol(argv[2]) > 0)
		return lat(atol(argv[2]), argv[3]);
	fprintf(stderr, "usage: kava-viewload hold N FILE | loop SECS THREADS FILE | lat N FILE\n");
	return 2;
}
