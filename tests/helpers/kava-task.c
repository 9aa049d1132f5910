// SPDX-License-Identifier: GPL-2.0
/*
 * Test workloads with a known scheduler footprint:
 *   kava-task spin SECONDS        one task busy in user space
 *   kava-task dsleep SECONDS      one task in uninterruptible sleep (a vfork
 *                                 parent waits in TASK_KILLABLE, which counts
 *                                 for load) while its child sleeps
 *   kava-task pingpong ROUNDS     two processes bouncing a byte over pipes
 *                                 (context-switch heavy); prints ns per round
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int spin(double seconds)
{
	volatile unsigned long n = 0;
	double end = now_s() + seconds;

	while (now_s() < end)
		for (int i = 0; i < 100000; i++)
			n++;
	return 0;
}

static int dsleep(double seconds)
{
	pid_t pid = vfork();

	if (pid < 0) {
		perror("vfork");
		return 1;
	}
	if (pid == 0) {
		struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };

		nanosleep(&ts, NULL);
		_exit(0);
	}
	return waitpid(pid, NULL, 0) < 0;
}

static int pingpong(long rounds)
{
	int a[2], b[2];
	char c = 'x';
	double start;
	pid_t pid;
	long i;

	if (pipe(a) < 0 || pipe(b) < 0) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		for (i = 0; i < rounds; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	start = now_s();
	for (i = 0; i < rounds; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) {
			perror("pingpong");
			return 1;
		}
	printf("%.1f\n", (now_s() - start) * 1e9 / (double)rounds);
	return waitpid(pid, NULL, 0) < 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "spin"))
		return spin(atof(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "dsleep"))
		return dsleep(atof(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "pingpong"))
		return pingpong(atol(argv[2]));
	fprintf(stderr, "usage: kava-task spin|dsleep SECONDS | pingpong ROUNDS\n");
	return 2;
}
