// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo(2) as a program in a container sees it:
 *   kava-sysinfo                        print every field, one "name value" per line,
 *                                       then "getloadavg L1 L5 L15" (glibc, %.2f)
 *   kava-sysinfo loop SECONDS TOTALRAM  call it in a loop; print "calls failed wrong max_ms"
 *                                       (wrong: totalram * mem_unit is not TOTALRAM;
 *                                       max_ms: the longest single call)
 *   kava-sysinfo bench N                ns per call of N getppid(), N stat() and N/100 sysinfo()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int print_all(void)
{
	struct sysinfo si;
	double la[3];

	if (sysinfo(&si) < 0) {
		fprintf(stderr, "sysinfo: %s\n", strerror(errno));
		return 1;
	}
	printf("uptime %ld\nloads %lu %lu %lu\ntotalram %lu\nfreeram %lu\nsharedram %lu\n"
	       "bufferram %lu\ntotalswap %lu\nfreeswap %lu\nprocs %u\ntotalhigh %lu\n"
	       "freehigh %lu\nmem_unit %u\n", si.uptime, si.loads[0], si.loads[1], si.loads[2],
	       si.totalram, si.freeram, si.sharedram, si.bufferram, si.totalswap, si.freeswap,
	       (unsigned int)si.procs, si.totalhigh, si.freehigh, si.mem_unit);
	/* glibc's getloadavg() reads sysinfo(2) too (python's os.getloadavg()) */
	if (getloadavg(la, 3) != 3) {
		fprintf(stderr, "getloadavg failed\n");
		return 1;
	}
	printf("getloadavg %.2f %.2f %.2f\n", la[0], la[1], la[2]);
	return 0;
}

static int loop(double seconds, unsigned long long want)
{
	double end = now_ms() + seconds * 1e3, worst = 0;
	unsigned long calls = 0, failed = 0, wrong = 0;

	while (now_ms() < end) {
		struct sysinfo si;
		double t0 = now_ms(), dt;
		int r = sysinfo(&si);

		dt = now_ms() - t0;
		if (dt > worst)
			worst = dt;
		calls++;
		if (r < 0) {
			if (failed++ < 3)
				fprintf(stderr, "sysinfo failed: %s\n", strerror(errno));
		} else if ((unsigned long long)si.totalram * si.mem_unit != want) {
			if (wrong++ < 3)
				fprintf(stderr, "sysinfo: totalram %llu\n",
					(unsigned long long)si.totalram * si.mem_unit);
		}
	}
	printf("%lu %lu %lu %.1f\n", calls, failed, wrong, worst);
	return 0;
}

static int bench(long n)
{
	struct sysinfo si;
	struct stat sb;
	double t0;
	long i;

	t0 = now_ms();
	for (i = 0; i < n; i++)
		getppid();
	printf("getppid %.0f ns\n", (now_ms() - t0) * 1e6 / (double)n);
	t0 = now_ms();
	for (i = 0; i < n; i++)
		stat("/", &sb);
	printf("stat %.0f ns\n", (now_ms() - t0) * 1e6 / (double)n);
	t0 = now_ms();
	for (i = 0; i < n / 100; i++)
		sysinfo(&si);
	printf("sysinfo %.0f ns\n", (now_ms() - t0) * 1e6 / (double)(n / 100 ? n / 100 : 1));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return print_all();
	if (argc == 4 && !strcmp(argv[1], "loop"))
		return loop(atof(argv[2]), strtoull(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "bench"))
		return bench(atol(argv[2]));
	fprintf(stderr, "usage: kava-sysinfo [loop SECONDS TOTALRAM | bench N]\n");
	return 2;
}
