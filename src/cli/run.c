// SPDX-License-Identifier: GPL-2.0
/*
 * kava run: the agent. Loads (or reuses) the kernel state, serves the
 * container views (FUSE or tmpfs), and disables cgroups that were removed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "cgroup/path.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "policy/events.h"
#include "sched/registry.h"
#include "common/fdstore.h"
#include "common/util.h"
#include "seccomp/server.h"
#include "view/fuse.h"
#include "view/tmpfs.h"

#define PRUNE_INTERVAL_MS 1000

enum view_mode { VIEW_FUSE, VIEW_TMPFS, VIEW_NONE };

struct run_opts {
	int clean;
	int log_events;
	enum view_mode view;
	const char *mount;
	unsigned int period_ms;
	struct seccomp_server_opts seccomp;
};

static void run_usage(void)
{
	printf("usage: kava run [--view fuse|tmpfs|none] [--mount DIR] [--period MS] [--clean]\n"
	       "                [--seccomp-listener PATH] [--seccomp-lxc PATH] [--log-events]\n\n"
	       "Run the kava agent in the foreground until SIGTERM or SIGINT.\n"
	       "It loads kava's BPF programs and pins them under %s, or reuses\n"
	       "what an earlier run pinned, so load averages and counters continue\n"
	       "across restarts; the kernel side keeps counting while no agent runs.\n"
	       "Enabled cgroups that are removed are disabled automatically.\n\n"
	       "  --view fuse    serve DIR/proc/... and DIR/sys/... with FUSE: each reader sees\n"
	       "                 its own container's figures (the default)\n"
	       "  --view tmpfs   render each enabled container into DIR/<cgroup id>/... on a tmpfs,\n"
	       "                 every --period ms (default 1000); files stay after kava stops\n"
	       "  --view none    accounting only\n"
	       "  --mount DIR    where the view lives (default /var/lib/kava)\n"
	       "  --log-events   write policy events to the log (stderr) as JSON lines; the\n"
	       "                 agent then consumes them ('kava events' sees none meanwhile)\n"
	       "  --clean        unload and forget the pinned state first (history is lost)\n"
	       "  --seccomp-listener PATH\n"
	       "                 answer containers' sysinfo(2) through seccomp user notification:\n"
	       "                 OCI runtimes hand their listener to this socket (the config's\n"
	       "                 linux.seccomp.listenerPath; runc 1.1+, crun)\n"
	       "  --seccomp-lxc PATH\n"
	       "                 the same for LXC (lxc.seccomp.notify.proxy = unix:PATH)\n",
	       kava_pin_dir());
}

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "clean", no_argument, NULL, 'c' },
		{ "log-events", no_argument, NULL, 'e' },
		{ "view", required_argument, NULL, 'v' },
		{ "mount", required_argument, NULL, 'm' },
		{ "period", required_argument, NULL, 'p' },
		{ "seccomp-listener", required_argument, NULL, 's' },
		{ "seccomp-lxc", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int opt;

	o->clean = 0;
	o->log_events = 0;
	o->view = VIEW_FUSE;
	o->mount = "/var/lib/kava";
	o->period_ms = 1000;
	o->seccomp.oci_path = NULL;
	o->seccomp.lxc_path = NULL;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o->clean = 1;
			break;
		case 'e':
			o->log_events = 1;
			break;
		case 'v':
			if (!strcmp(optarg, "fuse"))
				o->view = VIEW_FUSE;
			else if (!strcmp(optarg, "tmpfs"))
				o->view = VIEW_TMPFS;
			else if (!strcmp(optarg, "none"))
				o->view = VIEW_NONE;
			else {
				cmd_error("run", "--view takes fuse, tmpfs or none, not '%s'", optarg);
				return 2;
			}
			break;
		case 'm':
			o->mount = optarg;
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || v < 10 || v > 3600000) {
				cmd_error("run", "--period takes milliseconds from 10 to 3600000");
				return 2;
			}
			o->period_ms = (unsigned int)v;
			break;
		case 's':
			o->seccomp.oci_path = optarg;
			break;
		case 'l':
			o->seccomp.lxc_path = optarg;
			break;
		case 'h':
			run_usage();
			return -1;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		cmd_error("run", "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return 0;
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

/* Wait for a signal or the next tick; returns 1 when asked to stop. */
static int wait_tick(int sfd, unsigned int ms)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	struct signalfd_siginfo si;
	int n = poll(&pfd, 1, (int)ms);

	if (n <= 0)
		return 0;
	if (read(sfd, &si, sizeof(si)) == sizeof(si))
		fprintf(stderr, "kava: run: %s, stopping (kernel state stays pinned)\n",
			strsignal((int)si.ssi_signo));
	return 1;
}

int cmd_run(int argc, char **argv)
{
	struct view_source src = { 0 };
	struct view_fuse *fuse = NULL;
	struct seccomp_server *sc = NULL;
	struct kava_state st;
	struct run_opts o;
	uint64_t next_prune = 0;
	char why[512] = "";
	int sfd, ret = 1;

	ret = parse_run_opts(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = 1;
	if (cgroup2_mount(src.cgroup2_mount, sizeof(src.cgroup2_mount)) < 0) {
		cmd_error("run", "no cgroup2 filesystem is mounted");
		return 1;
	}
	if (o.clean && (kava_check_privileges(why, sizeof(why)) < 0 ||
			kava_state_unload(why, sizeof(why)) < 0)) {
		cmd_error("run", "%s", why);
		return 1;
	}
	fdstore_collect();	/* what a previous agent stored, before any thread starts */
	sfd = block_signals();
	if (sfd < 0) {
		cmd_error("run", "cannot set up signal handling: %s", strerror(errno));
		return 1;
	}
	if (cmd_open_state("run", &st, KAVA_OPEN_OR_LOAD) < 0)
		goto out;
	if (view_source_init(&src, &st) < 0) {
		cmd_error("run", "cannot read the cgroup mounts");
		goto close_state;
	}
	fprintf(stderr, "kava: run: %s state in %s (cgroup2 at %s)\n",
		st.loaded_now ? "loaded and pinned" : "reusing pinned", kava_pin_dir(),
		src.cgroup2_mount);
	if (o.view == VIEW_FUSE && view_fuse_start(&src, o.mount, &fuse, why, sizeof(why)) < 0) {
		cmd_error("run", "%s", why);
		goto close_state;
	}
	if (o.view == VIEW_TMPFS && view_tmpfs_prepare(o.mount, why, sizeof(why)) < 0) {
		cmd_error("run", "%s", why);
		goto close_state;
	}
	if (o.view != VIEW_NONE)
		fprintf(stderr, "kava: run: %s view at %s\n", o.view == VIEW_FUSE ? "FUSE" : "tmpfs",
			o.mount);
	if (o.seccomp.oci_path || o.seccomp.lxc_path) {
		sc = seccomp_server_start(&st, &src, &o.seccomp, why, sizeof(why));
		if (!sc) {
			cmd_error("run", "seccomp listener: %s", why);
			goto close_state;
		}
		fprintf(stderr, "kava: run: answering sysinfo(2) for containers whose runtime "
			"connects to%s%s%s%s\n", o.seccomp.oci_path ? " " : "",
			o.seccomp.oci_path ? o.seccomp.oci_path : "",
			o.seccomp.lxc_path ? " (LXC) " : "", o.seccomp.lxc_path ? o.seccomp.lxc_path : "");
	}
	fdstore_close_rest();	/* stored by an agent with other options: not ours to keep */
	sd_notify(0, "READY=1\nSTATUS=serving container views");
	for (;;) {
		uint64_t now = monotonic_ns();

		if (now >= next_prune) {
			registry_prune(&st, src.cgroup2_mount);
			next_prune = now + PRUNE_INTERVAL_MS * 1000000ull;
		}
		if (o.view == VIEW_TMPFS)
			view_tmpfs_refresh(&src, o.mount);
		if (o.log_events) {
			struct events_opts eo = { .follow = 0, .json = 1, .out = stderr, .stop = NULL };

			events_run(&eo, why, sizeof(why));	/* no policy loaded yet: nothing to log */
			fflush(stderr);
		}
		if (wait_tick(sfd, o.view == VIEW_TMPFS ? o.period_ms : PRUNE_INTERVAL_MS))
			break;
	}
	sd_notify(0, "STOPPING=1");
	ret = 0;
close_state:
	seccomp_server_stop(sc);
	if (view_fuse_stop(fuse))
		goto out;	/* FUSE threads may still read src and st: exiting frees them */
	view_source_free(&src);
	kava_state_close(&st);
out:
	close(sfd);
	return ret;
}
