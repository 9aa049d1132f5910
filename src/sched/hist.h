/* SPDX-License-Identifier: GPL-2.0 */
/* Percentiles of a log2 histogram (bucket b holds values in [2^b, 2^(b+1)), b=0 also 0). */
#ifndef KAVA_HIST_H
#define KAVA_HIST_H

#include <stdint.h>

/*
 * The p-th percentile (0 < p <= 100) of `n` log2 buckets, interpolated
 * linearly inside the bucket that holds it. Returns 0 for an empty histogram.
 */
uint64_t hist_percentile(const uint64_t *buckets, unsigned int n, double p);

/* Total samples. */
uint64_t hist_count(const uint64_t *buckets, unsigned int n);

#endif
