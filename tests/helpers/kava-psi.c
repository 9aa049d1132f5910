// SPDX-License-Identifier: GPL-2.0
/*
 * A PSI trigger client, as Documentation/accounting/psi.rst shows one:
 *
 *   kava-psi FILE "some 150000 1000000" SECONDS [EVENTS]
 *       open FILE read-write, write the trigger (with its NUL, as the
 *       documentation does), then poll() for POLLPRI until EVENTS events
 *       (default 1) or SECONDS pass. Prints "registered", then one line
 *       "event N" per event and "events N" at the end. Exit 0 when EVENTS
 *       came, 2 when the time ran out, 1 on an error (printed with its errno
 *       name: "write: EINVAL").
 *   kava-psi --twice FILE TRIGGER
 *       write the trigger twice on one open file: prints the second write's
 *       result (the kernel allows one trigger per open file: EBUSY).
 *   kava-psi --open FILE FLAGS
 *       open FILE with FLAGS (rdwr | wronly | trunc): prints "ok" or the errno.
 *
 * The SECONDS bound only ends a test that would otherwise hang; the test
 * asserts on the events, never on how long they took.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EROFS: return "EROFS";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EBADF: return "EBADF";
	default: return strerror(e);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct pollfd pfd;
	double end;
	int fd, want = 1, got = 0;

	if (argc == 4 && !strcmp(argv[1], "--open")) {
		int flags = !strcmp(argv[3], "rdwr") ? O_RDWR
			    : !strcmp(argv[3], "trunc") ? O_WRONLY | O_TRUNC : O_WRONLY;

		fd = open(argv[2], flags | O_CLOEXEC);
		printf("%s\n", fd < 0 ? errname(errno) : "ok");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--twice")) {
		fd = open(argv[2], O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || write(fd, argv[3], strlen(argv[3]) + 1) < 0) {
			printf("first: %s\n", errname(errno));
			return 1;
		}
		printf("%s\n", write(fd, argv[3], strlen(argv[3]) + 1) < 0 ? errname(errno) : "ok");
		return 0;
	}
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: kava-psi FILE TRIGGER SECONDS [EVENTS] | --twice FILE TRIGGER"
			" | --open FILE rdwr|wronly|trunc\n");
		return 1;
	}
	if (argc == 5)
		want = atoi(argv[4]);
	fd = open(argv[1], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		printf("open: %s\n", errname(errno));
		return 1;
	}
	if (write(fd, argv[2], strlen(argv[2]) + 1) < 0) {
		printf("write: %s\n", errname(errno));
		return 1;
	}
	printf("registered\n");
	fflush(stdout);
	end = now() + atof(argv[3]);
	pfd.fd = fd;
	pfd.events = POLLPRI;
	while (got < want && now() < end) {
		int n = poll(&pfd, 1, (int)((end - now()) * 1000) + 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			printf("poll: %s\n", errname(errno));
			return 1;
		}
		if (n == 0)
			continue;
		if (pfd.revents & POLLERR) {
			printf("poll: POLLERR\n");
			return 1;
		}
		if (pfd.revents & POLLPRI) {
			printf("event %d\n", ++got);
			fflush(stdout);
		}
	}
	printf("events %d\n", got);
	return got >= want ? 0 : 2;
}
