/*
 * kava-bare OBJECT: load a BPF object (build/bench/bare.bpf.o), attach every
 * program it holds, print "attached N" and keep them attached until SIGTERM
 * or SIGINT. The workloads bench's "bare" condition: what attaching empty
 * programs to the scheduler's tracepoints costs a workload, below any
 * design of kava's.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *links[16];
	int n = 0, err;

	if (argc != 2) {
		fprintf(stderr, "usage: kava-bare OBJECT\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "kava-bare: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "kava-bare: load %s: %s\n", argv[1], strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (n == (int)(sizeof(links) / sizeof(links[0]))) {
			fprintf(stderr, "kava-bare: more than %d programs\n", n);
			break;
		}
		links[n] = bpf_program__attach(prog);
		if (!links[n]) {
			fprintf(stderr, "kava-bare: attach %s: %s\n", bpf_program__name(prog),
				strerror(errno));
			break;
		}
		n++;
	}
	err = n == 0 || prog != NULL;
	if (!err) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigset_t block, old;

		/* blocked until sigsuspend(): a signal cannot slip in between the test and the wait */
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		sigprocmask(SIG_BLOCK, &block, &old);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		printf("attached %d\n", n);
		fflush(stdout);
		while (!stop)
			sigsuspend(&old);
	}
	while (n > 0)
		bpf_link__destroy(links[--n]);
	bpf_object__close(obj);
	return err;
}
