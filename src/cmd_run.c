// SPDX-License-Identifier: GPL-2.0
/* kava run: the agent. Loads (or reuses) the kernel state and keeps it tidy. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "cgroup.h"
#include "cli.h"
#include "cmd_common.h"
#include "registry.h"

#define PRUNE_INTERVAL_MS 1000

static void run_usage(void)
{
	printf("usage: kava run [--clean]\n\n"
	       "Run the kava agent in the foreground until SIGTERM or SIGINT.\n"
	       "It loads kava's BPF programs and pins them under %s, or reuses\n"
	       "what an earlier run pinned, so load averages and counters continue\n"
	       "across restarts; the kernel side keeps counting while no agent runs.\n"
	       "Enabled cgroups that are removed are disabled automatically.\n\n"
	       "  --clean   unload and forget the pinned state first (history is lost)\n",
	       kava_pin_dir());
}

static int block_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clean", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char mount[PATH_MAX], why[512];
	struct kava_state st;
	int clean = 0, opt, sfd, ret = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			clean = 1;
			break;
		case 'h':
			run_usage();
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		cmd_error("run", "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (cgroup2_mount(mount, sizeof(mount)) < 0) {
		cmd_error("run", "no cgroup2 filesystem is mounted");
		return 1;
	}
	if (clean) {
		if (kava_check_privileges(why, sizeof(why)) < 0 ||
		    kava_state_unload(why, sizeof(why)) < 0) {
			cmd_error("run", "%s", why);
			return 1;
		}
	}
	sfd = block_signals();
	if (sfd < 0) {
		cmd_error("run", "cannot set up signal handling: %s", strerror(errno));
		return 1;
	}
	if (cmd_open_state("run", &st, KAVA_OPEN_OR_LOAD) < 0)
		goto out;
	fprintf(stderr, "kava: run: %s state in %s (cgroup2 at %s)\n",
		st.loaded_now ? "loaded and pinned" : "reusing pinned", kava_pin_dir(), mount);
	sd_notify(0, "READY=1\nSTATUS=accounting enabled cgroups");
	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		int n = poll(&pfd, 1, PRUNE_INTERVAL_MS);

		if (n < 0 && errno != EINTR) {
			cmd_error("run", "poll: %s", strerror(errno));
			break;
		}
		if (n > 0) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				fprintf(stderr, "kava: run: %s, stopping (kernel state stays pinned)\n",
					strsignal((int)si.ssi_signo));
			ret = 0;
			break;
		}
		registry_prune(&st, mount);
	}
	sd_notify(0, "STOPPING=1");
	kava_state_close(&st);
out:
	close(sfd);
	return ret;
}
