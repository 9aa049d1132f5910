/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition (format 0.0.4) of kava's figures: a pure
 * function from figures to text, shared by the agent's HTTP endpoint and the
 * view's kava/metrics file. Every family carries HELP and TYPE; counters end
 * in _total; values are in base units (seconds, bytes).
 */
#ifndef KAVA_METRICS_EXPO_H
#define KAVA_METRICS_EXPO_H

#include <stddef.h>
#include <stdint.h>
#include "kava.h"
#include "view/tmpfs_notify.h"

#define METRICS_CT "text/plain; version=0.0.4; charset=utf-8"

/* One CPU's time of one container (host CPU number). */
struct metrics_cpu {
	unsigned int cpu;
	uint64_t user_ns, system_ns;
};

/* One enabled container: the figures of kava stat plus its limits as the view computes them. */
struct metrics_container {
	char path[512];                 /* relative to the cgroup2 mount, "/a/b" */
	uint64_t cgroup_id;
	uint64_t avenrun[3];            /* fixed point, FSHIFT 11 */
	int64_t nr_running, nr_uninterruptible, nr_iowait, nr_threads;
	uint64_t switches, forks;
	uint64_t wait_hist[KAVA_HIST_BUCKETS];  /* log2(ns) buckets */
	uint64_t wait_sum_ns;
	struct metrics_cpu *cpus;       /* CPUs the container ran on */
	unsigned int nr_cpus;
	int visible_cpus;               /* <= 0: unknown */
	uint64_t mem_limit;             /* bytes, the view's MemTotal; 0: unknown */
	uint64_t mem_usage;             /* bytes */
	int mem_usage_known;            /* 0: no memory accounting for it (no series) */
	/* its budget in the FUSE view (view/budget.h); none when no FUSE view served it */
	int budget_known;
	uint64_t view_files, view_bytes, view_files_limit;
	double view_rate_limit;         /* requests/s */
	uint64_t view_requests, view_delayed_rate, view_delayed_busy, view_delay_ns, view_refused;
};

/* Decision counters of one policied cgroup (and hook, when known). */
struct metrics_policy {
	char path[512];
	uint64_t cgroup_id;
	const char *hook;               /* "cgroup_dev", ...; NULL: all hooks together */
	uint64_t allowed, denied, would_deny, suppressed;
};

/* Requests and render errors of one view file. */
struct metrics_file {
	const char *name;               /* "proc/meminfo" */
	uint64_t requests, errors;
};

/* Run time of one of kava's BPF programs (kernel.bpf_stats_enabled). */
struct metrics_prog {
	char name[64];
	uint64_t run_ns, run_cnt;
};

#define METRICS_LAT_BUCKETS 32          /* log2(ns) buckets, as the run-queue histogram */

/* A latency histogram in log2(ns) buckets: bucket b counts [2^b, 2^(b+1)) ns. */
struct metrics_hist {
	uint64_t bucket[METRICS_LAT_BUCKETS];
	uint64_t sum_ns;
};

/* The agent itself: only for readers outside every container. */
struct metrics_agent {
	const char *version;
	unsigned int enabled;           /* enabled containers */
	const struct metrics_file *files;
	size_t nr_files;
	const char *const *fuse_ops;    /* FUSE request latency, per operation */
	const struct metrics_hist *fuse_lat;
	size_t nr_fuse_ops;
	int bpf_stats_enabled;          /* kernel.bpf_stats_enabled: progs are meaningful */
	const struct metrics_prog *progs;
	size_t nr_progs;
	double scrape_cpu_s;            /* agent CPU used by the previous scrape; < 0: none yet */
	const struct tmpfs_notify_stats *tmpfs;   /* the tmpfs view's refresh on open; NULL: off */
};

/*
 * The exposition of `n` containers and `np` policy counters, with the
 * agent's own families first when `agent` is not NULL. *out is a heap
 * buffer the caller frees. -ENOMEM only.
 */
int metrics_render(const struct metrics_agent *agent, const struct metrics_container *c,
		   size_t n, const struct metrics_policy *p, size_t np, char **out, size_t *len);

/*
 * The same into `b` from its start (b->len is set to 0), reusing its
 * buffer when it has room: the agent renders into its last response's
 * buffer, whose pages are already in memory. 0 or -ENOMEM (then the text
 * is incomplete; b still holds its buffer for kbuf_free()).
 */
struct kbuf;
int metrics_render_buf(const struct metrics_agent *agent, const struct metrics_container *c,
		       size_t n, const struct metrics_policy *p, size_t np, struct kbuf *b);

/*
 * Room for the text of `containers` containers on a host of `cpus` CPUs
 * (a docker-length cgroup path, every CPU in the CPU families): what the
 * read-ahead faults in before the first scrape after a restart.
 */
size_t metrics_text_estimate(unsigned int containers, unsigned int cpus);

/* "2^(b+1) ns" in seconds, the le of log2 bucket b, as the text puts it ("0.000001024"). */
void metrics_le(unsigned int b, char *out, size_t size);

#endif
