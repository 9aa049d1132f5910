// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition of kava's figures (a pure function). Lines of
 * one family stay together, as the format requires, so each family walks
 * every container in turn.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/kbuf.h"
#include "kava_loadavg.h"
#include "metrics/expo.h"

/* A label value with \, " and newline escaped, as the text format asks. */
static void put_escaped(struct kbuf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;

		if (!esc)
			continue;
		kbuf_append(b, run, (size_t)(s - run));
		kbuf_append(b, esc, 2);
		run = s + 1;
	}
	kbuf_append(b, run, strlen(run));
}

static void family(struct kbuf *b, const char *name, const char *type, const char *help)
{
	kbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * "name+suffix{" with the container's labels (when path) and `extra`; the
 * caller adds its own labels and closes the brace. 1 when a label was written.
 */
static int series_start(struct kbuf *b, const char *name, const char *suffix, const char *path,
			uint64_t id, const char *extra)
{
	kbuf_append(b, name, strlen(name));
	kbuf_append(b, suffix, strlen(suffix));
	kbuf_append(b, "{", 1);
	if (path) {
		kbuf_append(b, "cgroup=\"", 8);
		put_escaped(b, path);
		kbuf_append(b, "\",cgroup_id=\"", 13);
		kbuf_dec(b, id);
		kbuf_append(b, "\"", 1);
	}
	if (extra)
		kbuf_printf(b, "%s%s", path ? "," : "", extra);
	return path || extra;
}

static void open_series(struct kbuf *b, const char *name, const char *path, uint64_t id)
{
	series_start(b, name, "", path, id, NULL);
}

/* Nanoseconds as exact decimal seconds, trailing zeros dropped: 1500000 -> "0.0015". */
static void ns_to_s(uint64_t ns, char *out, size_t size)
{
	int n = snprintf(out, size, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);

	if (n <= 0 || (size_t)n >= size)
		return;
	while (n > 1 && out[n - 1] == '0')
		out[--n] = '\0';
	if (out[n - 1] == '.')
		out[n - 1] = '\0';
}

void metrics_le(unsigned int b, char *out, size_t size)
{
	ns_to_s(2ull << b, out, size);
}

#define LE_BUCKETS 64
static char le_text[LE_BUCKETS][24];
static pthread_once_t le_once = PTHREAD_ONCE_INIT;

static void le_init(void)
{
	unsigned int i;

	for (i = 0; i < LE_BUCKETS - 1; i++)
		metrics_le(i, le_text[i], sizeof(le_text[i]));
}

/*
 * A histogram from log2(ns) buckets: bucket i counts [2^i, 2^(i+1)) ns, so
 * its upper edge 2^(i+1) ns is the le of the cumulative count up to i. The
 * last bucket also holds everything longer (the BPF side clamps), so it is
 * only in +Inf. Most lines of a scrape are these: the "name_bucket{labels,"
 * head is made once per histogram and the le texts once per process.
 */
static void histogram(struct kbuf *b, const char *name, const char *path, uint64_t id,
		      const char *extra, const uint64_t *bucket, unsigned int n, uint64_t sum_ns)
{
	struct kbuf head = { 0 };
	uint64_t cum = 0;
	unsigned int i;
	char v[48];
	int l;

	pthread_once(&le_once, le_init);
	l = series_start(&head, name, "_bucket", path, id, extra);
	kbuf_append(&head, l ? ",le=\"" : "le=\"", l ? 5 : 4);
	if (head.failed) {
		b->failed = 1;
		kbuf_free(&head);
		return;
	}
	for (i = 0; i < n; i++) {
		cum += bucket[i];
		if (i + 1 == n)
			break;
		kbuf_append(b, head.data, head.len);
		if (i < LE_BUCKETS - 1) {
			kbuf_append(b, le_text[i], strlen(le_text[i]));
		} else {
			metrics_le(i, v, sizeof(v));
			kbuf_append(b, v, strlen(v));
		}
		kbuf_append(b, "\"} ", 3);
		kbuf_dec(b, cum);
		kbuf_append(b, "\n", 1);
	}
	kbuf_append(b, head.data, head.len);
	kbuf_free(&head);
	kbuf_append(b, "+Inf\"} ", 7);
	kbuf_dec(b, cum);
	kbuf_append(b, "\n", 1);
	ns_to_s(sum_ns, v, sizeof(v));
	series_start(b, name, "_sum", path, id, extra);
	kbuf_printf(b, "} %s\n", v);
	series_start(b, name, "_count", path, id, extra);
	kbuf_printf(b, "} %" PRIu64 "\n", cum);
}

/* "1.234" from fixed point (FSHIFT 11): exact to the 6th decimal. */
static void put_load(struct kbuf *b, uint64_t avenrun)
{
	kbuf_printf(b, "%.6f\n", (double)avenrun / KAVA_FIXED_1);
}

enum cfield { F_RUNNING, F_UNINT, F_IOWAIT, F_THREADS, F_SWITCHES, F_FORKS, F_VISIBLE,
	      F_MEMLIMIT, F_MEMUSAGE, F_VFILES, F_VBYTES, F_VFILESMAX, F_VRATE, F_VREQ, F_VDELAY,
	      F_VREFUSED };

static const struct {
	enum cfield f;
	const char *name, *type, *help;
} simple[] = {
	{ F_RUNNING, "kava_container_runnable_tasks", "gauge",
	  "Runnable tasks of the container, including those on a CPU (procs_running)." },
	{ F_UNINT, "kava_container_uninterruptible_tasks", "gauge",
	  "Tasks of the container blocked in uninterruptible sleep that count for load." },
	{ F_IOWAIT, "kava_container_iowait_tasks", "gauge",
	  "Tasks of the container blocked in I/O wait (procs_blocked)." },
	{ F_THREADS, "kava_container_threads", "gauge", "Live tasks (threads) of the container." },
	{ F_SWITCHES, "kava_container_context_switches_total", "counter",
	  "Context switches away from the container's tasks since enable." },
	{ F_FORKS, "kava_container_forks_total", "counter",
	  "Tasks (processes and threads) created in the container since enable." },
	{ F_VISIBLE, "kava_container_visible_cpus", "gauge",
	  "CPUs the container's view shows: effective cpuset cut to the CPU quota." },
	{ F_MEMLIMIT, "kava_container_memory_limit_bytes", "gauge",
	  "Memory limit of the container (the view's MemTotal): tightest of it and its ancestors." },
	{ F_MEMUSAGE, "kava_container_memory_usage_bytes", "gauge",
	  "Memory the container's cgroup uses (memory.current)." },
	{ F_VFILES, "kava_container_view_open_files", "gauge",
	  "FUSE view files and directories the container holds open (its memory budget)." },
	{ F_VBYTES, "kava_container_view_open_bytes", "gauge",
	  "Agent memory the container's open view files hold (snapshot text and overhead)." },
	{ F_VFILESMAX, "kava_container_view_open_files_limit", "gauge",
	  "The container's budget of open view files (view-files); opens beyond fail with ENFILE." },
	{ F_VRATE, "kava_container_view_request_rate_limit", "gauge",
	  "FUSE requests per second the container is served at most (view-rate x its CPU limit)." },
	{ F_VREQ, "kava_container_view_requests_total", "counter",
	  "FUSE view requests of the container that passed its budget." },
	{ F_VDELAY, "kava_container_view_request_delay_seconds_total", "counter",
	  "Time the container's parked FUSE requests waited for their turn." },
	{ F_VREFUSED, "kava_container_view_opens_refused_total", "counter",
	  "Opens of view files refused (ENFILE) because the container's memory budget was full." },
};

/* The value of a simple family for one container; 0 when it has none to show. */
static int simple_value(const struct metrics_container *c, enum cfield f, char *v, size_t size)
{
	switch (f) {
	case F_RUNNING:
		return snprintf(v, size, "%" PRId64, c->nr_running > 0 ? c->nr_running : 0) > 0;
	case F_UNINT:
		return snprintf(v, size, "%" PRId64,
				c->nr_uninterruptible > 0 ? c->nr_uninterruptible : 0) > 0;
	case F_IOWAIT:
		return snprintf(v, size, "%" PRId64, c->nr_iowait > 0 ? c->nr_iowait : 0) > 0;
	case F_THREADS:
		return snprintf(v, size, "%" PRId64, c->nr_threads > 0 ? c->nr_threads : 0) > 0;
	case F_SWITCHES:
		return snprintf(v, size, "%" PRIu64, c->switches) > 0;
	case F_FORKS:
		return snprintf(v, size, "%" PRIu64, c->forks) > 0;
	case F_VISIBLE:
		return c->visible_cpus > 0 && snprintf(v, size, "%d", c->visible_cpus) > 0;
	case F_MEMLIMIT:
		return c->mem_limit > 0 && snprintf(v, size, "%" PRIu64, c->mem_limit) > 0;
	case F_MEMUSAGE:
		return c->mem_usage_known && snprintf(v, size, "%" PRIu64, c->mem_usage) > 0;
	case F_VFILES:
		return c->budget_known && snprintf(v, size, "%" PRIu64, c->view_files) > 0;
	case F_VBYTES:
		return c->budget_known && snprintf(v, size, "%" PRIu64, c->view_bytes) > 0;
	case F_VFILESMAX:
		return c->budget_known && snprintf(v, size, "%" PRIu64, c->view_files_limit) > 0;
	case F_VRATE:
		return c->budget_known && c->view_rate_limit > 0 &&
		       snprintf(v, size, "%.0f", c->view_rate_limit) > 0;
	case F_VREQ:
		return c->budget_known && snprintf(v, size, "%" PRIu64, c->view_requests) > 0;
	case F_VDELAY:
		if (!c->budget_known)
			return 0;
		ns_to_s(c->view_delay_ns, v, size);
		return 1;
	case F_VREFUSED:
		return c->budget_known && snprintf(v, size, "%" PRIu64, c->view_refused) > 0;
	}
	return 0;
}

static void containers(struct kbuf *b, const struct metrics_container *c, size_t n)
{
	static const char *const load_name[3] = { "kava_container_load1", "kava_container_load5",
						  "kava_container_load15" };
	static const char *const load_help[3] = {
		"1-minute load average of the container, computed in the kernel as calc_load() does.",
		"5-minute load average of the container, computed in the kernel as calc_load() does.",
		"15-minute load average of the container, computed in the kernel as calc_load() does.",
	};
	char v[48];
	size_t i, k;
	unsigned int j;

	for (k = 0; k < 3; k++) {
		family(b, load_name[k], "gauge", load_help[k]);
		for (i = 0; i < n; i++) {
			open_series(b, load_name[k], c[i].path, c[i].cgroup_id);
			kbuf_append(b, "} ", 2);
			put_load(b, c[i].avenrun[k]);
		}
	}
	family(b, "kava_container_cpu_seconds_total", "counter",
	       "CPU time of the container's tasks per host CPU and mode (CPUs it ran on).");
	for (i = 0; i < n; i++) {
		for (j = 0; j < c[i].nr_cpus; j++) {
			const struct metrics_cpu *cpu = &c[i].cpus[j];

			ns_to_s(cpu->user_ns, v, sizeof(v));
			open_series(b, "kava_container_cpu_seconds_total", c[i].path, c[i].cgroup_id);
			kbuf_printf(b, ",cpu=\"%u\",mode=\"user\"} %s\n", cpu->cpu, v);
			ns_to_s(cpu->system_ns, v, sizeof(v));
			open_series(b, "kava_container_cpu_seconds_total", c[i].path, c[i].cgroup_id);
			kbuf_printf(b, ",cpu=\"%u\",mode=\"system\"} %s\n", cpu->cpu, v);
		}
	}
	for (k = 0; k < sizeof(simple) / sizeof(simple[0]); k++) {
		family(b, simple[k].name, simple[k].type, simple[k].help);
		for (i = 0; i < n; i++) {
			if (!simple_value(&c[i], simple[k].f, v, sizeof(v)))
				continue;
			open_series(b, simple[k].name, c[i].path, c[i].cgroup_id);
			kbuf_printf(b, "} %s\n", v);
		}
	}
	family(b, "kava_container_view_requests_delayed_total", "counter",
	       "FUSE view requests of the container that waited (parked, never failed): "
	       "reason rate (its request rate) or busy (behind its own requests in flight).");
	for (i = 0; i < n; i++) {
		if (!c[i].budget_known)
			continue;
		open_series(b, "kava_container_view_requests_delayed_total", c[i].path,
			    c[i].cgroup_id);
		kbuf_printf(b, ",reason=\"rate\"} %" PRIu64 "\n", c[i].view_delayed_rate);
		open_series(b, "kava_container_view_requests_delayed_total", c[i].path,
			    c[i].cgroup_id);
		kbuf_printf(b, ",reason=\"busy\"} %" PRIu64 "\n", c[i].view_delayed_busy);
	}
	family(b, "kava_container_runqueue_wait_seconds", "histogram",
	       "Run-queue wait before each run of the container's tasks (sched_info.run_delay), "
	       "in log2 buckets.");
	for (i = 0; i < n; i++)
		histogram(b, "kava_container_runqueue_wait_seconds", c[i].path, c[i].cgroup_id, NULL,
			  c[i].wait_hist, KAVA_HIST_BUCKETS, c[i].wait_sum_ns);
}

static void policies(struct kbuf *b, const struct metrics_policy *p, size_t n)
{
	static const char *const what[3] = { "allowed", "denied", "would_deny" };
	size_t i, k;

	if (!n)
		return;
	family(b, "kava_policy_decisions_total", "counter",
	       "Device and capability checks of a policied cgroup by hook and decision "
	       "(would_deny: audit mode).");
	for (i = 0; i < n; i++) {
		const uint64_t val[3] = { p[i].allowed, p[i].denied, p[i].would_deny };

		for (k = 0; k < 3; k++) {
			open_series(b, "kava_policy_decisions_total", p[i].path, p[i].cgroup_id);
			if (p[i].hook)
				kbuf_printf(b, ",hook=\"%s\"", p[i].hook);
			kbuf_printf(b, ",decision=\"%s\"} %" PRIu64 "\n", what[k], val[k]);
		}
	}
	family(b, "kava_policy_events_suppressed_total", "counter",
	       "Policy events of a policied cgroup not reported (rate limit, full ring buffer), by hook.");
	for (i = 0; i < n; i++) {
		open_series(b, "kava_policy_events_suppressed_total", p[i].path, p[i].cgroup_id);
		if (p[i].hook)
			kbuf_printf(b, ",hook=\"%s\"", p[i].hook);
		kbuf_printf(b, "} %" PRIu64 "\n", p[i].suppressed);
	}
}

static void agent_families(struct kbuf *b, const struct metrics_agent *a)
{
	char v[48], extra[64];
	size_t i;

	family(b, "kava_build_info", "gauge", "kava's version and BPF ABI version; always 1.");
	kbuf_printf(b, "kava_build_info{version=\"");
	put_escaped(b, a->version);
	kbuf_printf(b, "\",abi=\"%d\"} 1\n", KAVA_ABI_VERSION);
	family(b, "kava_enabled_containers", "gauge", "Containers (cgroups) kava accounts for.");
	kbuf_printf(b, "kava_enabled_containers %u\n", a->enabled);
	family(b, "kava_view_requests_total", "counter",
	       "Renders of each view file (FUSE opens, tmpfs rewrites, kava/ files).");
	for (i = 0; i < a->nr_files; i++)
		kbuf_printf(b, "kava_view_requests_total{file=\"%s\"} %" PRIu64 "\n", a->files[i].name,
			    a->files[i].requests);
	family(b, "kava_view_render_errors_total", "counter",
	       "Renders of each view file that failed (the reader got an error).");
	for (i = 0; i < a->nr_files; i++)
		kbuf_printf(b, "kava_view_render_errors_total{file=\"%s\"} %" PRIu64 "\n",
			    a->files[i].name, a->files[i].errors);
	family(b, "kava_fuse_request_duration_seconds", "histogram",
	       "Time the FUSE view took to answer a request, by operation, in log2 buckets.");
	for (i = 0; i < a->nr_fuse_ops; i++) {
		snprintf(extra, sizeof(extra), "op=\"%s\"", a->fuse_ops[i]);
		histogram(b, "kava_fuse_request_duration_seconds", NULL, 0, extra,
			  a->fuse_lat[i].bucket, METRICS_LAT_BUCKETS, a->fuse_lat[i].sum_ns);
	}
	family(b, "kava_bpf_stats_enabled", "gauge",
	       "1 when kernel.bpf_stats_enabled is on and kava_bpf_prog_* are counted.");
	kbuf_printf(b, "kava_bpf_stats_enabled %d\n", a->bpf_stats_enabled ? 1 : 0);
	if (a->bpf_stats_enabled && a->nr_progs) {
		family(b, "kava_bpf_prog_run_seconds_total", "counter",
		       "Time the kernel spent in each of kava's BPF programs (bpf_stats).");
		for (i = 0; i < a->nr_progs; i++) {
			ns_to_s(a->progs[i].run_ns, v, sizeof(v));
			kbuf_printf(b, "kava_bpf_prog_run_seconds_total{prog=\"%s\"} %s\n",
				    a->progs[i].name, v);
		}
		family(b, "kava_bpf_prog_runs_total", "counter",
		       "Runs of each of kava's BPF programs (bpf_stats).");
		for (i = 0; i < a->nr_progs; i++)
			kbuf_printf(b, "kava_bpf_prog_runs_total{prog=\"%s\"} %" PRIu64 "\n",
				    a->progs[i].name, a->progs[i].run_cnt);
	}
	if (a->tmpfs) {
		/* only when the tmpfs view refreshes on open: the periodic one has none of these */
		family(b, "kava_tmpfs_active_containers", "gauge",
		       "Containers with a tmpfs view file open now (rewritten every period).");
		kbuf_printf(b, "kava_tmpfs_active_containers %u\n", a->tmpfs->active);
		family(b, "kava_tmpfs_opens_total", "counter",
		       "Opens of tmpfs view files the agent was asked about (files not marked "
		       "fresh); held: waited for a render of their container, late: answered at "
		       "the deadline before it.");
		kbuf_printf(b, "kava_tmpfs_opens_total{answer=\"at_once\"} %" PRIu64 "\n",
			    a->tmpfs->checks - a->tmpfs->held);
		kbuf_printf(b, "kava_tmpfs_opens_total{answer=\"held\"} %" PRIu64 "\n",
			    a->tmpfs->held - a->tmpfs->late);
		kbuf_printf(b, "kava_tmpfs_opens_total{answer=\"late\"} %" PRIu64 "\n", a->tmpfs->late);
		family(b, "kava_tmpfs_renders_on_open_total", "counter",
		       "Renders of a container made for opens waiting on it.");
		kbuf_printf(b, "kava_tmpfs_renders_on_open_total %" PRIu64 "\n",
			    a->tmpfs->renders_on_open);
		family(b, "kava_tmpfs_fresh_marks_total", "counter",
		       "Files marked fresh after a render: their opens go through without asking "
		       "the agent until the container goes a period unread.");
		kbuf_printf(b, "kava_tmpfs_fresh_marks_total %" PRIu64 "\n", a->tmpfs->marks);
		family(b, "kava_tmpfs_audits_total", "counter",
		       "Scans of /proc/PID/fd that rebuilt the open counts (start, overflow, long opens).");
		kbuf_printf(b, "kava_tmpfs_audits_total %" PRIu64 "\n", a->tmpfs->audits);
	}
	if (a->scrape_cpu_s >= 0) {
		family(b, "kava_last_scrape_cpu_seconds", "gauge",
		       "Agent CPU time (user + system) the previous /metrics scrape took.");
		kbuf_printf(b, "kava_last_scrape_cpu_seconds %.6f\n", a->scrape_cpu_s);
	}
}

/*
 * A container's series are ~45 lines of ~130 bytes with a docker-length
 * path in their labels, and 2 more per CPU it ran on (user and system
 * seconds); the agent's own families fit in the 64 KiB on top.
 */
#define TEXT_EACH_BYTES 6144u
#define TEXT_EACH_CPU_BYTES 320u

size_t metrics_text_estimate(unsigned int containers, unsigned int cpus)
{
	return (size_t)containers * (TEXT_EACH_BYTES + (size_t)TEXT_EACH_CPU_BYTES * cpus) + 65536;
}

int metrics_render_buf(const struct metrics_agent *agent, const struct metrics_container *c,
		       size_t n, const struct metrics_policy *p, size_t np, struct kbuf *b)
{
	b->len = 0;
	b->failed = 0;
	kbuf_append(b, "", 0);
	if (agent)
		agent_families(b, agent);
	containers(b, c, n);
	policies(b, p, np);
	return b->failed ? -ENOMEM : 0;
}

int metrics_render(const struct metrics_agent *agent, const struct metrics_container *c,
		   size_t n, const struct metrics_policy *p, size_t np, char **out, size_t *len)
{
	struct kbuf b = { 0 };

	metrics_render_buf(agent, c, n, p, np, &b);
	return kbuf_finish(&b, out, len);
}
