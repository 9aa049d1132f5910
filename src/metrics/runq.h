/* SPDX-License-Identifier: GPL-2.0 */
/* The view's kava/runq file: run-queue wait histograms as text for people (pure). */
#ifndef KAVA_METRICS_RUNQ_H
#define KAVA_METRICS_RUNQ_H

#include <stddef.h>
#include "metrics/expo.h"

/*
 * For each container: a header line (cgroup, id, samples, mean, p50/p90/p99
 * as kava stat computes them) and one line per log2 bucket from the first to
 * the last non-empty one, with a bar. *out is a heap buffer; -ENOMEM only.
 */
int metrics_runq_text(const struct metrics_container *c, size_t n, char **out, size_t *len);

#endif
