// SPDX-License-Identifier: GPL-2.0
/* CPU sets as the kernel writes them (bitmap_list_string()). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cpuset.h"

int cpuset_has(const struct cpuset *set, int cpu)
{
	return cpu >= 0 && cpu < KAVA_MAX_CPUS && (set->bits[cpu / 64] >> (cpu % 64) & 1);
}

void cpuset_add(struct cpuset *set, int cpu)
{
	if (cpu >= 0 && cpu < KAVA_MAX_CPUS)
		set->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

int cpuset_count(const struct cpuset *set)
{
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
		n += __builtin_popcountll(set->bits[i]);
	return n;
}

int cpuset_parse(const char *text, struct cpuset *set)
{
	const char *p = text;

	memset(set, 0, sizeof(*set));
	while (isspace((unsigned char)*p))
		p++;
	while (*p && !isspace((unsigned char)*p)) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo, c;

		if (end == p || lo < 0 || lo >= KAVA_MAX_CPUS)
			return -EINVAL;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1 || hi < lo || hi >= KAVA_MAX_CPUS)
				return -EINVAL;
			p = end;
		}
		for (c = lo; c <= hi; c++)
			cpuset_add(set, (int)c);
		if (*p == ',')
			p++;
		else if (*p && !isspace((unsigned char)*p))
			return -EINVAL;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -EINVAL : 0;
}

void cpuset_format(const struct cpuset *set, struct kbuf *out)
{
	int cpu = 0, first = 1;

	while (cpu < KAVA_MAX_CPUS) {
		int end;

		if (!cpuset_has(set, cpu)) {
			cpu++;
			continue;
		}
		for (end = cpu; end + 1 < KAVA_MAX_CPUS && cpuset_has(set, end + 1); end++)
			;
		if (end == cpu)
			kbuf_printf(out, "%s%d", first ? "" : ",", cpu);
		else
			kbuf_printf(out, "%s%d-%d", first ? "" : ",", cpu, end);
		first = 0;
		cpu = end + 1;
	}
	kbuf_printf(out, "\n");
}

/*
 * The kernel's cpumask file format (bitmap_string() in lib/vsprintf.c):
 * 32-bit chunks in hex, most significant first, comma separated; the first
 * chunk is padded to the width of the bits left over, the others to 8 digits.
 */
void cpuset_format_mask(const struct cpuset *set, int nbits, struct kbuf *out)
{
	int chunk_bits, start, bit;

	if (nbits < 1)
		nbits = 1;
	if (nbits > KAVA_MAX_CPUS)
		nbits = KAVA_MAX_CPUS;
	chunk_bits = nbits % 32 ? nbits % 32 : 32;
	for (start = (nbits + 31) / 32 * 32 - 32; start >= 0; start -= 32) {
		unsigned int val = 0;

		for (bit = 0; bit < chunk_bits; bit++)
			if (cpuset_has(set, start + bit))
				val |= 1U << bit;
		kbuf_printf(out, "%s%0*x", start + 32 < nbits ? "," : "", (chunk_bits + 3) / 4, val);
		chunk_bits = 32;
	}
	kbuf_printf(out, "\n");
}

void cpuset_visible(const struct cpuset *effective, int64_t quota_us, uint64_t period_us,
		    struct cpuset *visible)
{
	int keep = KAVA_MAX_CPUS;
	unsigned int w;

	memset(visible, 0, sizeof(*visible));
	if (quota_us > 0 && period_us > 0)
		keep = (int)(((uint64_t)quota_us + period_us - 1) / period_us);
	if (keep < 1)
		keep = 1;
	/*
	 * a word of 64 CPUs at a time, whole where all of it is kept: a test
	 * of each of the 1024 possible CPUs was ~13,000 instructions at every
	 * open of stat, uptime and cpuinfo
	 */
	for (w = 0; w < sizeof(visible->bits) / sizeof(visible->bits[0]) && keep > 0; w++) {
		uint64_t bits = effective->bits[w];
		int n = __builtin_popcountll(bits);

		if (n <= keep) {
			visible->bits[w] = bits;
			keep -= n;
			continue;
		}
		for (; keep > 0; keep--) {
			visible->bits[w] |= bits & (~bits + 1);	/* the lowest CPU left */
			bits &= bits - 1;
		}
	}
}
