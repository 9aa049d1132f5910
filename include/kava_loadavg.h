/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Load average arithmetic, bit for bit as kernel/sched/loadavg.c computes
 * avenrun[]: the same header is compiled into the BPF timer and into the
 * unit tests, so what is tested is what runs in the kernel.
 */
#ifndef KAVA_LOADAVG_H
#define KAVA_LOADAVG_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KAVA_FSHIFT   11                    /* bits of precision */
#define KAVA_FIXED_1  (1ULL << KAVA_FSHIFT) /* 1.0 as fixed point */
#define KAVA_EXP_1    1884                  /* 1/exp(5sec/1min) as fixed point */
#define KAVA_EXP_5    2014                  /* 1/exp(5sec/5min) */
#define KAVA_EXP_15   2037                  /* 1/exp(5sec/15min) */

/* calc_load(): one exponential decay step; rounds up while the load rises. */
static inline __u64 kava_calc_load(__u64 load, __u64 exp, __u64 active)
{
	__u64 newload = load * exp + active * (KAVA_FIXED_1 - exp);

	if (active >= load)
		newload += KAVA_FIXED_1 - 1;
	return newload / KAVA_FIXED_1;
}

/* fixed_power_int(x, frac_bits, n): x^n in fixed point, rounding each step. */
static inline __u64 kava_fixed_power_int(__u64 x, unsigned int frac_bits, __u64 n)
{
	__u64 result = 1ULL << frac_bits;
	int i;

	if (n == 0)
		return result;
	for (i = 0; i < 64 && n; i++) {
		if (n & 1) {
			result *= x;
			result += 1ULL << (frac_bits - 1);
			result >>= frac_bits;
		}
		n >>= 1;
		if (!n)
			break;
		x *= x;
		x += 1ULL << (frac_bits - 1);
		x >>= frac_bits;
	}
	return result;
}

/* calc_load_n(): n periods at once with the same active count (NO_HZ catch-up). */
static inline __u64 kava_calc_load_n(__u64 load, __u64 exp, __u64 active, __u64 n)
{
	return kava_calc_load(load, kava_fixed_power_int(exp, KAVA_FSHIFT, n), active);
}

/* LOAD_INT/LOAD_FRAC as fs/proc/loadavg.c prints them (after adding FIXED_1/200). */
static inline __u64 kava_load_int(__u64 x)
{
	return x >> KAVA_FSHIFT;
}

static inline __u64 kava_load_frac(__u64 x)
{
	return kava_load_int((x & (KAVA_FIXED_1 - 1)) * 100);
}

#endif /* KAVA_LOADAVG_H */
