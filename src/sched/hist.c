// SPDX-License-Identifier: GPL-2.0
/* Percentiles of a log2 histogram. */
#include <math.h>

#include "sched/hist.h"

uint64_t hist_count(const uint64_t *buckets, unsigned int n)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += buckets[i];
	return total;
}

uint64_t hist_percentile(const uint64_t *buckets, unsigned int n, double p)
{
	uint64_t total = hist_count(buckets, n), seen = 0;
	double rank;
	unsigned int b;

	if (!total || p <= 0)
		return 0;
	if (p > 100)
		p = 100;
	rank = ceil(p / 100.0 * (double)total);	/* 1-based rank of the sample */
	for (b = 0; b < n; b++) {
		if (buckets[b] && (double)(seen + buckets[b]) >= rank) {
			double lo = b == 0 ? 0 : (double)(1ULL << b);
			double hi = (double)(1ULL << (b + 1));
			double frac = (rank - (double)seen) / (double)buckets[b];

			return (uint64_t)(lo + (hi - lo) * frac);
		}
		seen += buckets[b];
	}
	return 1ULL << n;
}
