// SPDX-License-Identifier: GPL-2.0
/* kava stat PATH [--json]: one container's figures. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "common/json.h"
#include "sched/figures_read.h"
#include "sched/hist.h"
#include "kava_loadavg.h"
#include "sched/registry.h"
#include "common/util.h"

/* "%lu.%02lu" of one avenrun[] value, rounded as fs/proc/loadavg.c does. */
static void format_load(char *out, size_t size, uint64_t avenrun)
{
	uint64_t v = avenrun + KAVA_FIXED_1 / 200;

	snprintf(out, size, "%llu.%02llu", (unsigned long long)kava_load_int(v),
		 (unsigned long long)kava_load_frac(v));
}

static void print_text(const char *path, const struct kava_figures *f)
{
	char l[3][32];
	unsigned int c, i;
	uint64_t user = 0, sys = 0;

	for (i = 0; i < 3; i++)
		format_load(l[i], sizeof(l[i]), f->avenrun[i]);
	printf("cgroup      %s (id %llu)\n", path, (unsigned long long)f->cgroup_id);
	/* the /proc/loadavg line: loads, runnable/threads, last pid */
	printf("loadavg     %s %s %s %lld/%lld %u\n", l[0], l[1], l[2],
	       (long long)f->nr_running, (long long)f->nr_threads, f->last_pid);
	printf("tasks       running %lld  uninterruptible %lld  iowait %lld  threads %lld\n",
	       (long long)f->nr_running, (long long)f->nr_uninterruptible,
	       (long long)f->nr_iowait, (long long)f->nr_threads);
	printf("switches    %llu\nforks       %llu\n", (unsigned long long)f->switches,
	       (unsigned long long)f->forks);
	printf("runq-wait   p50 %lluns  p90 %lluns  p99 %lluns  (%llu samples)\n",
	       (unsigned long long)hist_percentile(f->wait_hist, KAVA_HIST_BUCKETS, 50),
	       (unsigned long long)hist_percentile(f->wait_hist, KAVA_HIST_BUCKETS, 90),
	       (unsigned long long)hist_percentile(f->wait_hist, KAVA_HIST_BUCKETS, 99),
	       (unsigned long long)hist_count(f->wait_hist, KAVA_HIST_BUCKETS));
	printf("cpu         %14s %14s\n", "user_ms", "system_ms");
	for (c = 0; c < f->nr_cpus; c++) {
		user += f->cpu[c].user_ns;
		sys += f->cpu[c].system_ns;
	}
	printf("  total     %14.3f %14.3f\n", user / 1e6, sys / 1e6);
	for (c = 0; c < f->nr_cpus; c++)
		printf("  cpu%-6u %14.3f %14.3f\n", c, f->cpu[c].user_ns / 1e6,
		       f->cpu[c].system_ns / 1e6);
}

static void print_json(const char *path, const struct kava_figures *f)
{
	unsigned int c, b;

	printf("{\"cgroup\":");
	json_write_string(stdout, path);
	printf(",\"cgroup_id\":%llu", (unsigned long long)f->cgroup_id);
	printf(",\"loadavg\":[%llu,%llu,%llu],\"loadavg_fixed_shift\":%d",
	       (unsigned long long)f->avenrun[0], (unsigned long long)f->avenrun[1],
	       (unsigned long long)f->avenrun[2], KAVA_FSHIFT);
	printf(",\"load_samples\":%llu,\"last_active\":%lld", (unsigned long long)f->load_samples,
	       (long long)f->last_active);
	printf(",\"nr_running\":%lld,\"nr_uninterruptible\":%lld,\"nr_iowait\":%lld,"
	       "\"nr_threads\":%lld", (long long)f->nr_running, (long long)f->nr_uninterruptible,
	       (long long)f->nr_iowait, (long long)f->nr_threads);
	printf(",\"switches\":%llu,\"forks\":%llu,\"last_pid\":%u",
	       (unsigned long long)f->switches, (unsigned long long)f->forks, f->last_pid);
	printf(",\"runq_wait_ns\":{\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"sum\":%llu,"
	       "\"hist_log2\":[",
	       (unsigned long long)hist_percentile(f->wait_hist, KAVA_HIST_BUCKETS, 50),
	       (unsigned long long)hist_percentile(f->wait_hist, KAVA_HIST_BUCKETS, 90),
	       (unsigned long long)hist_percentile(f->wait_hist, KAVA_HIST_BUCKETS, 99),
	       (unsigned long long)f->wait_sum_ns);
	for (b = 0; b < KAVA_HIST_BUCKETS; b++)
		printf("%s%llu", b ? "," : "", (unsigned long long)f->wait_hist[b]);
	printf("]},\"cpu\":[");
	for (c = 0; c < f->nr_cpus; c++)
		printf("%s{\"cpu\":%u,\"user_ns\":%llu,\"system_ns\":%llu}", c ? "," : "", c,
		       (unsigned long long)f->cpu[c].user_ns,
		       (unsigned long long)f->cpu[c].system_ns);
	printf("]}\n");
}

int cmd_stat(int argc, char **argv)
{
	char abs[PATH_MAX];
	struct kava_figures *f = NULL;
	struct kava_state st;
	const char *path = NULL;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, opt, err, ret = 1;
	uint32_t slot;
	uint64_t id;

	while ((opt = cli_getopt("stat", argc, argv, "h", opts)) != -1) {
		if (opt == 'j') {
			json = 1;
			continue;
		}
		if (opt != 'h')
			return 2;
		printf("usage: kava stat PATH [--json]\n\n"
		       "Show an enabled container's figures as kava's BPF programs keep them:\n"
		       "load averages (the /proc/loadavg line), runnable/blocked/iowait tasks,\n"
		       "threads, context switches, forks, run-queue wait percentiles and\n"
		       "per-CPU user/system time. --json prints one JSON object; loadavg there\n"
		       "is raw fixed point (divide by 2^11).\n");
		return 0;
	}
	if (optind < argc)
		path = argv[optind];
	if (optind + 1 < argc) {
		cmd_error("stat", "unexpected argument '%s' (see 'kava stat --help')", argv[optind + 1]);
		return 2;
	}
	if (!path) {
		cmd_error("stat", "expected a cgroup PATH (see 'kava stat --help')");
		return 2;
	}
	if (cmd_resolve_cgroup("stat", path, abs, sizeof(abs), &id) < 0)
		return 1;
	if (cmd_open_state("stat", &st, KAVA_OPEN_EXISTING) < 0)
		return 1;
	if (registry_lookup(&st, id, &slot, NULL) < 0) {
		cmd_error("stat", "%s is not enabled (kava enable %s)", abs, abs);
		goto out;
	}
	f = malloc(sizeof(*f));
	if (!f) {
		cmd_error("stat", "out of memory");
		goto out;
	}
	err = figures_read(&st, slot, f);
	if (err < 0) {
		cmd_error("stat", "%s: %s", abs, err == -ENOENT ? "was disabled meanwhile" : strerror(-err));
		goto out;
	}
	if (json)
		print_json(abs, f);
	else
		print_text(abs, f);
	ret = 0;
out:
	free(f);
	kava_state_close(&st);
	return ret;
}
