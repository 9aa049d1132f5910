// SPDX-License-Identifier: GPL-2.0
/* The view's kava/runq file: run-queue wait histograms as text (pure). */
#include <inttypes.h>
#include <stdio.h>

#include "common/kbuf.h"
#include "metrics/runq.h"
#include "sched/hist.h"

#define BAR_WIDTH 40

/* "512ns", "1.0us", "16.8ms", "2.1s": a bucket edge for the eye. */
static void human_ns(uint64_t ns, char *out, size_t size)
{
	if (ns < 1000)
		snprintf(out, size, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(out, size, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(out, size, "%.1fms", (double)ns / 1e6);
	else
		snprintf(out, size, "%.1fs", (double)ns / 1e9);
}

static void one(struct kbuf *b, const struct metrics_container *c)
{
	const uint64_t *h = c->wait_hist;
	uint64_t total = hist_count(h, KAVA_HIST_BUCKETS), most = 0;
	int first = -1, last = -1, i;

	kbuf_printf(b, "cgroup %s (id %" PRIu64 ")\n", c->path, c->cgroup_id);
	kbuf_printf(b, "samples %" PRIu64 "  mean %" PRIu64 "ns  p50 %" PRIu64 "ns  p90 %" PRIu64
		    "ns  p99 %" PRIu64 "ns\n", total, total ? c->wait_sum_ns / total : 0,
		    hist_percentile(h, KAVA_HIST_BUCKETS, 50), hist_percentile(h, KAVA_HIST_BUCKETS, 90),
		    hist_percentile(h, KAVA_HIST_BUCKETS, 99));
	for (i = 0; i < KAVA_HIST_BUCKETS; i++) {
		if (!h[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h[i] > most)
			most = h[i];
	}
	if (first < 0) {
		kbuf_printf(b, "(no run-queue waits yet)\n\n");
		return;
	}
	kbuf_printf(b, "%10s %10s %12s\n", "from", "to", "count");
	for (i = first; i <= last; i++) {
		char lo[24], hi[24], bar[BAR_WIDTH + 1];
		int w = (int)((h[i] * BAR_WIDTH + most - 1) / most), k;

		human_ns(i ? 1ull << i : 0, lo, sizeof(lo));
		if (i == KAVA_HIST_BUCKETS - 1)
			snprintf(hi, sizeof(hi), "inf");
		else
			human_ns(2ull << i, hi, sizeof(hi));
		for (k = 0; k < w; k++)
			bar[k] = '#';
		bar[w] = '\0';
		kbuf_printf(b, "%10s %10s %12" PRIu64 " %s\n", lo, hi, h[i], bar);
	}
	kbuf_append(b, "\n", 1);
}

int metrics_runq_text(const struct metrics_container *c, size_t n, char **out, size_t *len)
{
	struct kbuf b = { 0 };
	size_t i;

	kbuf_append(&b, "", 0);
	for (i = 0; i < n; i++)
		one(&b, &c[i]);
	return kbuf_finish(&b, out, len);
}
