// SPDX-License-Identifier: GPL-2.0
/*
 * kava-readbench ROUNDS BATCH REF SPEC...: read cost of files against a
 * reference file, interleaved read by read.
 *
 * A SPEC (and REF) is FILE, or FILE=CPUSTAT where CPUSTAT is the cgroup2
 * cpu.stat of the process serving FILE (a FUSE daemon in a cgroup of its
 * own): its usage_usec, read before and after a batch, gives the server's
 * CPU per read, threads that came and went included.
 *
 * Each round takes every SPEC in turn, starting one SPEC later each round;
 * for a SPEC, BATCH times: open/read-to-EOF/close REF, then the same for
 * SPEC, each timed on its own. So every figure of a SPEC has a figure of
 * REF taken at the same moment, and load that comes and goes on a shared
 * machine weighs on both alike. One untimed batch comes first. Prints one
 * line per round and SPEC:
 *   ROUND FILE NS_PER_READ CPU_NS_PER_READ REF_NS_PER_READ REF_CPU_NS_PER_READ
 * (a CPU figure is -1 without CPUSTAT).
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

static int read_timed(const char *path, double *ns)
{
	double t0 = now_ns();

	if (read_once(path) < 0) {
		perror(path);
		return -1;
	}
	*ns += now_ns() - t0;
	return 0;
}

struct figures {
	double ns, cpu, ref_ns, ref_cpu;	/* per read */
};

static double per_read(double c0, double c1, long n)
{
	return c0 >= 0 && c1 >= 0 ? (c1 - c0) / (double)n : -1;
}

static int batch(const struct spec *ref, const struct spec *s, long n, struct figures *f)
{
	double c0 = cpu_usage_ns(s->cpustat), r0 = cpu_usage_ns(ref->cpustat);
	double ns = 0, ref_ns = 0;
	long i;

	for (i = 0; i < n; i++)
		if (read_timed(ref->file, &ref_ns) < 0 || read_timed(s->file, &ns) < 0)
			return -1;
	f->cpu = per_read(c0, cpu_usage_ns(s->cpustat), n);
	f->ref_cpu = per_read(r0, cpu_usage_ns(ref->cpustat), n);
	f->ns = ns / (double)n;
	f->ref_ns = ref_ns / (double)n;
	return 0;
}

static void parse_spec(char *arg, struct spec *s)
{
	char *eq = strchr(arg, '=');

	s->file = arg;
	s->cpustat = NULL;
	if (eq) {
		*eq = '\0';
		s->cpustat = eq + 1;
	}
}

int main(int argc, char **argv)
{
	struct spec ref, *specs;
	struct figures f;
	long rounds, n;
	int count, i, r;

	if (argc < 5 || (rounds = atol(argv[1])) < 1 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: kava-readbench ROUNDS BATCH REF[=CPUSTAT] FILE[=CPUSTAT]...\n");
		return 2;
	}
	parse_spec(argv[3], &ref);
	count = argc - 4;
	specs = calloc((size_t)count, sizeof(*specs));
	if (!specs) {
		perror("kava-readbench");
		return 1;
	}
	for (i = 0; i < count; i++)
		parse_spec(argv[i + 4], &specs[i]);
	for (i = 0; i < count; i++)
		if (batch(&ref, &specs[i], n, &f) < 0)
			goto fail;
	for (r = 0; r < rounds; r++)
		for (i = 0; i < count; i++) {
			const struct spec *s = &specs[(i + r) % count];

			if (batch(&ref, s, n, &f) < 0)
				goto fail;
			printf("%d %s %.0f %.0f %.0f %.0f\n", r, s->file, f.ns, f.cpu, f.ref_ns, f.ref_cpu);
		}
	free(specs);
	return 0;
fail:
	free(specs);
	return 1;
}
