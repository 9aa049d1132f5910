// SPDX-License-Identifier: GPL-2.0
/* The agent's own counters: view renders, errors, FUSE request latency. */
#include "metrics/viewstats.h"

static uint64_t renders[VIEWSTATS_FILES], errors[VIEWSTATS_FILES];
static struct metrics_hist latency[VS_OP_COUNT];

const char *const viewstats_op_names[VS_OP_COUNT] = { "open", "read" };

void viewstats_render(unsigned int f, int err)
{
	if (f >= VIEWSTATS_FILES)
		return;
	__atomic_fetch_add(&renders[f], 1, __ATOMIC_RELAXED);
	if (err < 0)
		__atomic_fetch_add(&errors[f], 1, __ATOMIC_RELAXED);
}

void viewstats_fuse(enum viewstats_op op, uint64_t ns)
{
	unsigned int b = 0;

	if ((unsigned int)op >= VS_OP_COUNT)
		return;
	/* log2 bucket, clamped to the last, as the BPF side does for run-queue waits */
	while (b + 1 < METRICS_LAT_BUCKETS && (ns >> (b + 1)))
		b++;
	__atomic_fetch_add(&latency[op].bucket[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&latency[op].sum_ns, ns, __ATOMIC_RELAXED);
}

void viewstats_read(struct metrics_file *files, struct metrics_hist *lat)
{
	unsigned int i, b;

	for (i = 0; i < VIEWSTATS_FILES; i++) {
		files[i].name = i < VF_COUNT ? view_files[i].path : VIEW_CPU_DIR "/cpuN/topology/*";
		files[i].requests = __atomic_load_n(&renders[i], __ATOMIC_RELAXED);
		files[i].errors = __atomic_load_n(&errors[i], __ATOMIC_RELAXED);
	}
	for (i = 0; i < VS_OP_COUNT; i++) {
		for (b = 0; b < METRICS_LAT_BUCKETS; b++)
			lat[i].bucket[b] = __atomic_load_n(&latency[i].bucket[b], __ATOMIC_RELAXED);
		lat[i].sum_ns = __atomic_load_n(&latency[i].sum_ns, __ATOMIC_RELAXED);
	}
}
