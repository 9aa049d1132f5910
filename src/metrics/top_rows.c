// SPDX-License-Identifier: GPL-2.0
/* kava top's rows: two samples to one refresh's figures, and their order (pure). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "metrics/top.h"
#include "sched/hist.h"

const struct top_col_info top_cols[TOP_NCOLS] = {
	[TOP_NAME]    = { "name",    "CONTAINER", 'n', 0 },
	[TOP_LOAD1]   = { "load1",   "LOAD1",     'l', 5 },
	[TOP_LOAD5]   = { "load5",   "LOAD5",     0,   5 },
	[TOP_LOAD15]  = { "load15",  "LOAD15",    0,   6 },
	[TOP_CPU]     = { "cpu",     "CPU%",      'c', 5 },
	[TOP_RUN]     = { "run",     "RUN",       'r', 3 },
	[TOP_BLK]     = { "blk",     "BLK",       'b', 3 },
	[TOP_RQ50]    = { "rq50",    "RQ50",      0,   5 },
	[TOP_RQ99]    = { "rq99",    "RQ99",      'w', 5 },
	[TOP_THREADS] = { "threads", "THR",       't', 5 },
	[TOP_MEM]     = { "mem",     "MEM/LIMIT", 'm', 9 },
	[TOP_DENY]    = { "deny",    "DENY",      'd', 4 },
};

uint64_t top_cpu_total(const struct metrics_container *c)
{
	uint64_t t = 0;
	unsigned int i;

	for (i = 0; i < c->nr_cpus; i++)
		t += c->cpus[i].user_ns + c->cpus[i].system_ns;
	return t;
}

/* The previous sample of container `id`; slots keep their order, so try index `hint` first. */
static const struct metrics_container *find_prev(const struct metrics_container *prev, size_t np,
						 size_t hint, uint64_t id)
{
	size_t i;

	if (hint < np && prev[hint].cgroup_id == id)
		return &prev[hint];
	for (i = 0; i < np; i++)
		if (prev[i].cgroup_id == id)
			return &prev[i];
	return NULL;
}

/* Run-queue waits of the interval: the histogram's growth, unless a bucket went back. */
static void interval_waits(const struct metrics_container *p, const struct metrics_container *c,
			   struct top_row *r)
{
	uint64_t d[KAVA_HIST_BUCKETS];
	unsigned int b;

	for (b = 0; b < KAVA_HIST_BUCKETS; b++) {
		if (c->wait_hist[b] < p->wait_hist[b])
			return;	/* counters restarted: enabled anew */
		d[b] = c->wait_hist[b] - p->wait_hist[b];
	}
	r->rq_known = 1;
	r->rq_samples = hist_count(d, KAVA_HIST_BUCKETS);
	r->rq_p50_ns = hist_percentile(d, KAVA_HIST_BUCKETS, 50);
	r->rq_p99_ns = hist_percentile(d, KAVA_HIST_BUCKETS, 99);
}

static int64_t not_negative(int64_t v)
{
	return v < 0 ? 0 : v;	/* per-CPU sums can be transiently negative */
}

void top_rows(const struct metrics_container *prev, size_t np, const struct metrics_container *now,
	      size_t n, const struct metrics_policy *pol, size_t npol, uint64_t interval_ns,
	      struct top_row *rows)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct metrics_container *c = &now[i], *p;
		struct top_row *r = &rows[i];
		uint64_t t, pt;

		memset(r, 0, sizeof(*r));
		snprintf(r->path, sizeof(r->path), "%s", c->path);
		r->cgroup_id = c->cgroup_id;
		memcpy(r->avenrun, c->avenrun, sizeof(r->avenrun));
		r->visible_cpus = c->visible_cpus;
		r->running = not_negative(c->nr_running);
		r->blocked = not_negative(c->nr_uninterruptible);
		r->threads = not_negative(c->nr_threads);
		r->mem_known = c->mem_usage_known;
		r->mem_usage = c->mem_usage;
		r->mem_limit = c->mem_limit;
		r->cpu_pct = -1;
		p = find_prev(prev, np, i, c->cgroup_id);
		if (p) {
			t = top_cpu_total(c);
			pt = top_cpu_total(p);
			if (t >= pt) {
				r->cpu_ns = t - pt;
				if (interval_ns && c->visible_cpus > 0)
					r->cpu_pct = 100.0 * (double)r->cpu_ns /
						     ((double)interval_ns * c->visible_cpus);
			}
			interval_waits(p, c, r);
		}
		for (k = 0; k < npol; k++) {
			if (pol[k].cgroup_id != c->cgroup_id)
				continue;
			r->policied = 1;
			r->denials += pol[k].denied + pol[k].would_deny;
		}
	}
}

/* A column's value as a number to sort by; *known 0 when the row has none. */
static double sort_value(const struct top_row *r, enum top_col col, int *known)
{
	*known = 1;
	switch (col) {
	case TOP_LOAD1: return (double)r->avenrun[0];
	case TOP_LOAD5: return (double)r->avenrun[1];
	case TOP_LOAD15: return (double)r->avenrun[2];
	case TOP_CPU: *known = r->cpu_pct >= 0; return r->cpu_pct;
	case TOP_RUN: return (double)r->running;
	case TOP_BLK: return (double)r->blocked;
	case TOP_RQ50: *known = r->rq_known && r->rq_samples; return (double)r->rq_p50_ns;
	case TOP_RQ99: *known = r->rq_known && r->rq_samples; return (double)r->rq_p99_ns;
	case TOP_THREADS: return (double)r->threads;
	case TOP_MEM: *known = r->mem_known; return (double)r->mem_usage;
	case TOP_DENY: *known = r->policied; return (double)r->denials;
	default: *known = 0; return 0;
	}
}

/* qsort() has no context argument: one sort at a time (kava top is one thread). */
static enum top_col sort_col;
static int sort_reverse;

static int by_name(const struct top_row *a, const struct top_row *b)
{
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	return a->cgroup_id < b->cgroup_id ? -1 : a->cgroup_id > b->cgroup_id;
}

static int compare_rows(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;
	int ka, kb, c = 0;
	double va, vb;

	if (sort_col != TOP_NAME) {
		va = sort_value(a, sort_col, &ka);
		vb = sort_value(b, sort_col, &kb);
		if (ka != kb)
			return kb - ka;	/* unknown last, whichever way */
		if (ka && va != vb)
			c = va > vb ? -1 : 1;
	}
	if (!c)
		c = by_name(a, b);
	return sort_reverse ? -c : c;
}

void top_sort(struct top_row *rows, size_t n, enum top_col col, int reverse)
{
	sort_col = col;
	sort_reverse = reverse;
	if (n > 1)
		qsort(rows, n, sizeof(*rows), compare_rows);
}

int top_col_parse(const char *name)
{
	int i;

	for (i = 0; i < TOP_NCOLS; i++)
		if (!strcasecmp(name, top_cols[i].name))
			return i;
	return -1;
}

int top_col_of_key(int key)
{
	int i;

	if (key == 'p' || key == 'P')	/* top(1)'s key for %CPU */
		return TOP_CPU;
	for (i = 0; i < TOP_NCOLS; i++)
		if (top_cols[i].key && (key == top_cols[i].key || key == top_cols[i].key - 'a' + 'A'))
			return i;
	return -1;
}
