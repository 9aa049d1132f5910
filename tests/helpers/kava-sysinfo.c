// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo(2) as a program in a container sees it:
 *   kava-sysinfo                        print every field, one "name value" per line,
 *                                       then "getloadavg L1 L5 L15" (glibc, %.2f)
 *   kava-sysinfo loop SECONDS TOTALRAM  call it in a loop; print "calls failed wrong max_ms"
 *                                       (wrong: totalram * mem_unit is not TOTALRAM;
 *                                       max_ms: the longest single call)
 *   kava-sysinfo bench N                ns per call of N getppid(), N stat() and N/100 sysinfo()
 *   kava-sysinfo handover SOCKET DELAY_MS ID
 *                                       what crun's helper does with an OCI listenerPath:
 *                                       connect to SOCKET, wait DELAY_MS (crun connects
 *                                       before the container's filter exists), install a
 *                                       filter notifying sysinfo, send the state JSON (id
 *                                       ID) with its listener, close; then call sysinfo()
 *                                       and print "handover ok totalram N" or the error
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
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

static int handover(const char *path, long delay_ms, const char *id)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sysinfo, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char state[512], control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = state };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control) };
	struct timespec ts = { .tv_sec = delay_ms / 1000, .tv_nsec = delay_ms % 1000 * 1000000 };
	struct cmsghdr *c;
	struct sysinfo si;
	int sock, listener;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("handover connect %s: %s\n", path, strerror(errno));
		return 1;
	}
	nanosleep(&ts, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    (listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog)) < 0) {
		printf("handover seccomp: %s\n", strerror(errno));
		return 1;
	}
	iov.iov_len = (size_t)snprintf(state, sizeof(state), "{\"ociVersion\": \"1.0.2\", "
				       "\"fds\": [\"seccompFd\"], \"pid\": %d, \"metadata\": \"\", "
				       "\"state\": {\"ociVersion\": \"1.0.2\", \"id\": \"%s\", "
				       "\"status\": \"creating\", \"pid\": %d}}", (int)getpid(), id,
				       (int)getpid());
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		printf("handover sendmsg: %s\n", strerror(errno));
		return 1;
	}
	close(sock);
	close(listener);
	if (sysinfo(&si) < 0) {
		printf("handover sysinfo: %s\n", strerror(errno));
		return 1;
	}
	printf("handover ok totalram %llu\n", (unsigned long long)si.totalram * si.mem_unit);
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
	if (argc == 5 && !strcmp(argv[1], "handover"))
		return handover(argv[2], atol(argv[3]), argv[4]);
	fprintf(stderr, "usage: kava-sysinfo [loop SECONDS TOTALRAM | bench N | "
		"handover SOCKET DELAY_MS ID]\n");
	return 2;
}
