// SPDX-License-Identifier: GPL-2.0
/*
 * kava-readbench N FILE...: for each FILE, N times open, read to EOF, close;
 * prints "FILE ns-per-iteration" (the median of 5 batches of N/5).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int read_once(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n, batch;
	int f, b, i;

	if (argc < 3 || (n = atol(argv[1])) < 5) {
		fprintf(stderr, "usage: kava-readbench N FILE...\n");
		return 2;
	}
	batch = n / 5;
	for (f = 2; f < argc; f++) {
		double per[5];

		for (b = 0; b < 5; b++) {
			double start = now_ns();

			for (i = 0; i < batch; i++)
				if (read_once(argv[f]) < 0) {
					perror(argv[f]);
					return 1;
				}
			per[b] = (now_ns() - start) / (double)batch;
		}
		qsort(per, 5, sizeof(per[0]), cmp_double);
		printf("%s %.0f\n", argv[f], per[2]);
	}
	return 0;
}
