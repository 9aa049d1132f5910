// SPDX-License-Identifier: GPL-2.0
/*
 * kava run: the agent. Loads (or reuses) the kernel state, serves the
 * container views (FUSE or tmpfs), enables matching cgroups as the kernel
 * reports them created (src/deploy/auto.c) and disables removed ones.
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
#include "cli/run_opts.h"
#include "deploy/auto.h"
#include "policy/events.h"
#include "sched/registry.h"
#include "sched/state.h"
#include "common/fdcache.h"
#include "common/fdstore.h"
#include "common/heap.h"
#include "common/util.h"
#include "seccomp/server.h"
#include "metrics/http.h"
#include "view/fuse.h"
#include "view/paths.h"
#include "view/tmpfs.h"

#define PRUNE_INTERVAL_MS 1000

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

/*
 * Wait for a signal, kernel events (cgroups created or removed: efd), opens
 * of tmpfs view files waiting for a render (nfd) or the next tick; returns 1
 * when asked to stop. A negative fd is not polled (poll(2) skips it).
 */
static int wait_tick(int sfd, int efd, int nfd, int ms)
{
	struct pollfd pfd[3] = { { .fd = sfd, .events = POLLIN }, { .fd = efd, .events = POLLIN },
				 { .fd = nfd, .events = POLLIN } };
	struct signalfd_siginfo si;
	int n = poll(pfd, 3, ms);

	if (n <= 0 || !(pfd[0].revents & POLLIN))
		return 0;
	if (read(sfd, &si, sizeof(si)) == sizeof(si))
		fprintf(stderr, "kava: run: %s, stopping (kernel state stays pinned)\n",
			strsignal((int)si.ssi_signo));
	return 1;
}

/* Automatic enablement, and removal events for every enabled cgroup. */
static int start_auto(struct auto_engine **engine, struct kava_state *st,
		      const struct view_source *src, const struct run_opts *o)
{
	struct auto_opts ao = {
		.conf = o->conf,
		.policies = o->policies,
		.mount = o->auto_mount,
		.view_dir = o->mount,
		.tmpfs_src = o->view == VIEW_TMPFS ? src : NULL,
	};
	char why[512];

	if (o->conf->nr_rules)
		fprintf(stderr, "kava: run: %u automatic-enable rule(s)%s%s%s\n", o->conf->nr_rules,
			o->conf_file[0] ? " (" : "", o->conf_file, o->conf_file[0] ? " and options)" : "");
	if (auto_start(engine, st, src->cgroup2_mount, &ao, why, sizeof(why)) == 0)
		return 0;
	*engine = NULL;
	if (o->conf->nr_rules || o->auto_mount) {
		cmd_error("run", "automatic enablement: %s", why);
		return -1;
	}
	fprintf(stderr, "kava: run: no cgroup removal events (%s): checking for removed cgroups "
		"every %d ms instead\n", why, PRUNE_INTERVAL_MS);
	return 0;
}

/*
 * A container's budgets set by the first auto rule that decides for its
 * cgroup path (conf_match()), over the global ones.
 */
static void budget_override(void *arg, const char *path, unsigned int *files, unsigned int *rate)
{
	const struct kava_conf *conf = arg;
	int i = conf_match(conf, path);

	if (i < 0)
		return;
	if (conf->rules[i].view_files)
		*files = conf->rules[i].view_files;
	if (conf->rules[i].view_rate)
		*rate = conf->rules[i].view_rate;
}

/*
 * One pass of the tmpfs view. The first is logged with its length: it
 * writes every enabled container's files (later passes only what changed
 * or is read), and until it ends a container's files may be missing or
 * old; at 1,000 containers on a busy host it takes seconds.
 */
static void tmpfs_pass(const struct view_source *src, const char *mount, int *first)
{
	uint64_t start = monotonic_ns();
	uint32_t count = 0;
	int err = view_tmpfs_refresh(src, mount);

	if (!*first)
		return;
	*first = 0;
	if (err < 0) {
		fprintf(stderr, "kava: run: tmpfs view: first pass failed: %s\n", strerror(-err));
		return;
	}
	if (registry_count(src->st, &count) < 0) {
		fprintf(stderr, "kava: run: tmpfs view: first pass done in %llu ms\n",
			(unsigned long long)((monotonic_ns() - start) / 1000000));
		return;
	}
	fprintf(stderr, "kava: run: tmpfs view: first pass over %u containers in %llu ms\n", count,
		(unsigned long long)((monotonic_ns() - start) / 1000000));
}

int cmd_run(int argc, char **argv)
{
	struct view_source src = { 0 };
	struct view_fuse *fuse = NULL;
	struct auto_engine *engine = NULL;
	struct seccomp_server *sc = NULL;
	struct metrics_http *http = NULL;
	struct budget_conf budget = { 0 };
	struct kava_state st;
	struct run_opts o;
	uint64_t next_prune = 0, next_paths_prune = 0, next_tick = 0;
	char why[512] = "";
	int sfd, ret = 1, publish, first_pass = 1;

	ret = run_opts_parse(argc, argv, &o);
	if (ret) {
		run_opts_free(&o);
		return ret < 0 ? 0 : ret;
	}
	ret = 1;
	/* before libbpf's copy of the BTF: see heap.c */
	if (heap_setup() < 0)
		fprintf(stderr, "kava: run: note: cannot set up malloc (arenas, thresholds) or "
			"huge pages; memory freed after bursts may stay with the agent\n");
	/*
	 * Room for the descriptors kept for cgroup and /proc files (fdcache.h):
	 * systemd's soft limit of 1,024 left room for 256, a quarter of what a
	 * scrape of 1,000 containers reads.
	 */
	if (fdcache_raise_nofile() < 0)
		fprintf(stderr, "kava: run: note: cannot raise the open files limit; fewer cgroup "
			"files are kept open\n");
	if (cgroup2_mount(src.cgroup2_mount, sizeof(src.cgroup2_mount)) < 0) {
		cmd_error("run", "no cgroup2 filesystem is mounted");
		goto free_opts;
	}
	if (o.clean && (kava_check_privileges(why, sizeof(why)) < 0 ||
			kava_state_unload(why, sizeof(why)) < 0)) {
		cmd_error("run", "%s", why);
		goto free_opts;
	}
	fdstore_collect();	/* what a previous agent stored, before any thread starts */
	sfd = block_signals();
	if (sfd < 0) {
		cmd_error("run", "cannot set up signal handling: %s", strerror(errno));
		goto free_opts;
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
	budget.files = o.view_files;
	budget.rate = o.view_rate;
	budget.override = o.conf->nr_rules ? budget_override : NULL;
	budget.override_arg = o.conf;
	if (o.view == VIEW_FUSE &&
	    view_fuse_start(&src, o.mount, &budget, &fuse, why, sizeof(why)) < 0) {
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
	if (o.view == VIEW_TMPFS && o.tmpfs_on_open) {
		if (view_tmpfs_on_open(o.mount, o.period_ms, why, sizeof(why)) < 0)
			fprintf(stderr, "kava: run: tmpfs view: every container's files rewritten every "
				"period (no refresh on open: %s)\n", why);
		else
			fprintf(stderr, "kava: run: tmpfs view: files rewritten while open, and on "
				"open when older than %u ms\n", o.period_ms);
	}
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
	if (o.metrics) {
		if (metrics_http_start(o.metrics, &src, &http, why, sizeof(why)) < 0) {
			cmd_error("run", "%s", why);
			goto close_state;
		}
		fprintf(stderr, "kava: run: metrics at %s%s\n", o.metrics,
			strncmp(o.metrics, "unix:", 5) ? "/metrics" : "");
	}
	fdstore_close_rest();	/* stored by an agent with other options: not ours to keep */
	/* existing containers are enabled (and mounted) before the service is ready */
	if (start_auto(&engine, &st, &src, &o) < 0)
		goto close_state;
	sd_notify(0, "READY=1\nSTATUS=serving container views");
	/* sysinfo(2)'s sharedram: published only where the sysinfo(2) program runs */
	publish = kava_state_has_sysinfo();
	for (;;) {
		uint64_t now = monotonic_ns();
		int ticking = !engine || o.view == VIEW_TMPFS || o.log_events, wait_ms = -1;
		uint64_t period_ns = (o.view == VIEW_TMPFS ? o.period_ms : PRUNE_INTERVAL_MS) * 1000000ull;

		if (!engine && now >= next_prune) {
			registry_prune(&st, src.cgroup2_mount);
			next_prune = now + PRUNE_INTERVAL_MS * 1000000ull;
		}
		if (engine)
			auto_handle(engine);
		/* opens held for a render (refresh on open): before the period's pass */
		if (o.view == VIEW_TMPFS)
			(void)view_tmpfs_serve(&src, o.mount);
		/*
		 * The periodic work keeps its own clock: events (a cgroup made or
		 * removed anywhere on the host) wake the loop too, and must not
		 * repeat it.
		 */
		if (now >= next_tick) {
			if (o.view == VIEW_TMPFS)
				tmpfs_pass(&src, o.mount, &first_pass);
			/* memory.stat is beyond the BPF program's reach */
			if (publish)
				(void)view_publish_memstat(&src);
			next_tick = monotonic_ns() + period_ns;
		}
		/* the paths of containers disabled or removed since: one read of the slot table */
		if (now >= next_paths_prune) {
			(void)view_paths_prune(&src);
			next_paths_prune = now + PRUNE_INTERVAL_MS * 1000000ull;
		}
		if (o.log_events) {
			struct events_opts eo = { .follow = 0, .json = 1, .out = stderr, .stop = NULL };

			events_run(&eo, why, sizeof(why));	/* no policy loaded yet: nothing to log */
			fflush(stderr);
		}
		/* with removal events and nothing periodic to do, sleep until something happens */
		now = monotonic_ns();
		if (ticking)
			wait_ms = next_tick > now ? (int)((next_tick - now + 999999) / 1000000) : 0;
		if (wait_tick(sfd, engine ? auto_fd(engine) : -1, view_tmpfs_notify_fd(), wait_ms))
			break;
	}
	sd_notify(0, "STOPPING=1");
	ret = 0;
close_state:
	metrics_http_stop(http);
	auto_stop(engine);
	view_tmpfs_stop();
	seccomp_server_stop(sc);
	if (view_fuse_stop(fuse))
		goto out;	/* FUSE threads may still read src and st: exiting frees them */
	view_source_free(&src);
	kava_state_close(&st);
out:
	close(sfd);
free_opts:
	run_opts_free(&o);
	return ret;
}
