// SPDX-License-Identifier: GPL-2.0
/*
 * kava-readbench ROUNDS BATCH SPEC...: read cost of files, interleaved.
 *
 * A SPEC is FILE, or FILE=CPUSTAT where CPUSTAT is the cgroup2 cpu.stat of
 * the process serving FILE (a FUSE daemon in a cgroup of its own): its
 * usage_usec, read before and after, gives the server's CPU per read,
 * threads that came and went included.
 *
 * Each round times BATCH open/read-to-EOF/close of every SPEC in turn,
 * starting one SPEC later each round so no file always follows the same
 * one; one untimed batch of each comes first. Prints one line per round and
 * SPEC: "ROUND FILE NS_PER_READ CPU_NS_PER_READ" (CPU -1 without CPUSTAT).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct spec {
	const char *file;
	const char *cpustat;	/* NULL: no server to account */
};

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

/* usage_usec of a cgroup2 cpu.stat, in ns; -1 when unreadable */
static double cpu_usage_ns(const char *cpustat)
{
	unsigned long long us;
	char line[128];
	double v = -1;
	FILE *f;

	if (!cpustat)
		return -1;
	f = fopen(cpustat, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "usage_usec %llu", &us) == 1) {
			v = (double)us * 1e3;
			break;
		}
	fclose(f);
	return v;
}

static int batch(const struct spec *s, long n, double *ns, double *cpu)
{
	double c0 = cpu_usage_ns(s->cpustat), t0 = now_ns(), c1;
	long i;

	for (i = 0; i < n; i++)
		if (read_once(s->file) < 0) {
			perror(s->file);
			return -1;
		}
	*ns = (now_ns() - t0) / (double)n;
	c1 = cpu_usage_ns(s->cpustat);
	*cpu = c0 >= 0 && c1 >= 0 ? (c1 - c0) / (double)n : -1;
	return 0;
}

int main(int argc, char **argv)
{
	long rounds, n;
	struct spec *specs;
	int count, i, r;
	double ns, cpu;

	if (argc < 4 || (rounds = atol(argv[1])) < 1 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: kava-readbench ROUNDS BATCH FILE[=CPUSTAT]...\n");
		return 2;
	}
	count = argc - 3;
	specs = calloc((size_t)count, sizeof(*specs));
	if (!specs) {
		perror("kava-readbench");
		return 1;
	}
	for (i = 0; i < count; i++) {
		char *eq = strchr(argv[i + 3], '=');

		specs[i].file = argv[i + 3];
		if (eq) {
			*eq = '\0';
			specs[i].cpustat = eq + 1;
		}
	}
	for (i = 0; i < count; i++)
		if (batch(&specs[i], n, &ns, &cpu) < 0)
			goto fail;
	for (r = 0; r < rounds; r++)
		for (i = 0; i < count; i++) {
			const struct spec *s = &specs[(i + r) % count];

			if (batch(s, n, &ns, &cpu) < 0)
				goto fail;
			printf("%d %s %.0f %.0f\n", r, s->file, ns, cpu);
		}
	free(specs);
	return 0;
fail:
	free(specs);
	return 1;
}
