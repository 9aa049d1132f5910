// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/meminfo for a container. The host's file gives the lines, their
 * order and their format (meminfo_proc_show() prints "%-16s%8lu kB"-style
 * padding via seq_put_decimal_ull_width); values come from the container's
 * memory.current and memory.stat where the cgroup has them.
 *
 *   MemTotal      limit (smallest of the cgroup and its ancestors), capped at the host's
 *   MemFree       MemTotal - memory.current
 *   MemAvailable  MemFree + active_file + inactive_file + slab_reclaimable, <= MemTotal
 *   Cached        file - swapcached (meminfo_proc_show(): file pages less swap cache)
 *   Buffers, Mlocked, *PmdMapped  0 (memcg does not count them)
 *   SwapTotal     host's when swap is unlimited or not accounted; else min(limit, host's)
 *   SwapFree      SwapTotal - the container's swap usage (the host's if not accounted)
 *   the rest      from memory.stat where it has the figure, else the host's value
 * Every kB value but Swap* is then capped at MemTotal (host-only figures
 * such as CommitLimit, Committed_AS, VmallocTotal and DirectMap* included).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kbuf.h"
#include "view/render/render.h"

#define KB(x) ((x) / 1024)

struct mem_view {
	uint64_t total, free, avail, swap_total, swap_free;
	const struct mem_stat *s;
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t sub_floor0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* Host value of a "Key: N kB" line, or 0. */
static uint64_t host_kb(const char *host, const char *key)
{
	const char *p = strstr(host, key);
	unsigned long long v = 0;

	while (p && p != host && p[-1] != '\n')
		p = strstr(p + 1, key);
	if (p && sscanf(p + strlen(key), " %llu", &v) == 1)
		return v;
	return 0;
}

static void compute_view(const char *host, const struct mem_limits *m, struct mem_view *v)
{
	uint64_t host_total = host_kb(host, "MemTotal:");
	const struct mem_stat *s = &m->stat;
	uint64_t reclaimable;

	v->s = s;
	v->total = m->limit == KAVA_UNLIMITED ? host_total : min_u64(KB(m->limit), host_total);
	v->free = sub_floor0(v->total, KB(m->usage));
	/* what could be had without swapping: free, page cache and reclaimable slab */
	reclaimable = KB(s->active_file + s->inactive_file + s->slab_reclaimable);
	v->avail = min_u64(v->free + reclaimable, v->total);
	if (!m->swap_known || m->swap_limit == KAVA_UNLIMITED) {
		v->swap_total = host_kb(host, "SwapTotal:");
		v->swap_free = host_kb(host, "SwapFree:");
		if (m->swap_known) {
			v->swap_free = sub_floor0(v->swap_total, KB(m->swap_usage));
		}
	} else {
		v->swap_total = min_u64(KB(m->swap_limit), host_kb(host, "SwapTotal:"));
		v->swap_free = sub_floor0(v->swap_total, KB(m->swap_usage));
	}
}

void meminfo_summary(const char *host, const struct mem_limits *m, struct meminfo_summary *out)
{
	struct mem_view v;

	compute_view(host, m, &v);
	out->total_kb = v.total;
	out->free_kb = v.free;
	out->available_kb = v.avail;
	/* Shmem and Buffers as render_meminfo() prints them (capped at MemTotal; memcg has no buffers) */
	out->shared_kb = min_u64(KB(m->stat.shmem), v.total);
	out->buffers_kb = 0;
	out->swap_total_kb = v.swap_total;
	out->swap_free_kb = v.swap_free;
}

struct kb_key {
	const char *key;
	uint64_t kb;
};

#define NKEYS 37

/* The container's value of every key it has one for (the rest keep the host's). */
static void container_keys(const struct mem_view *v, struct kb_key map[NKEYS])
{
	const struct mem_stat *s = v->s;
	const struct kb_key keys[NKEYS] = {
		{ "MemTotal", v->total },
		{ "MemFree", v->free },
		{ "MemAvailable", v->avail },
		{ "Cached", KB(sub_floor0(s->file, s->swapcached)) },
		{ "SwapCached", KB(s->swapcached) },
		{ "Active", KB(s->active_anon + s->active_file) },
		{ "Inactive", KB(s->inactive_anon + s->inactive_file) },
		{ "Active(anon)", KB(s->active_anon) },
		{ "Inactive(anon)", KB(s->inactive_anon) },
		{ "Active(file)", KB(s->active_file) },
		{ "Inactive(file)", KB(s->inactive_file) },
		{ "Unevictable", KB(s->unevictable) },
		{ "Mlocked", 0 },
		{ "SwapTotal", v->swap_total },
		{ "SwapFree", v->swap_free },
		{ "Dirty", KB(s->file_dirty) },
		{ "Writeback", KB(s->file_writeback) },
		{ "AnonPages", KB(s->anon) },
		{ "Mapped", KB(s->file_mapped) },
		{ "Shmem", KB(s->shmem) },
		{ "KReclaimable", KB(s->slab_reclaimable) },
		{ "Slab", KB(s->slab_reclaimable + s->slab_unreclaimable) },
		{ "SReclaimable", KB(s->slab_reclaimable) },
		{ "SUnreclaim", KB(s->slab_unreclaimable) },
		{ "KernelStack", KB(s->kernel_stack) },
		{ "PageTables", KB(s->pagetables) },
		{ "AnonHugePages", KB(s->anon_thp) },
		{ "ShmemHugePages", KB(s->shmem_thp) },
		{ "ShmemPmdMapped", 0 },
		{ "FileHugePages", KB(s->file_thp) },
		{ "FilePmdMapped", 0 },
		{ "Zswap", KB(s->zswap) },
		{ "Zswapped", KB(s->zswapped) },
		{ "SecPageTables", KB(s->sec_pagetables) },
		{ "Percpu", KB(s->percpu) },
		{ "VmallocUsed", KB(s->vmalloc) },
		{ "Buffers", 0 },
	};

	memcpy(map, keys, sizeof(keys));
}

/* The container's value for KEY (n bytes); 0 when the key keeps the host's value. */
static int container_kb(const struct kb_key map[NKEYS], const char *key, size_t n, uint64_t *kb)
{
	size_t i;

	/* first bytes compared inline: a strncmp() per key and host line was ~4 % of a tmpfs period */
	for (i = 0; i < NKEYS; i++) {
		if (map[i].key[0] == key[0] && !strncmp(map[i].key, key, n) && map[i].key[n] == '\0') {
			*kb = map[i].kb;
			return 1;
		}
	}
	return 0;
}

/* "KEY:%*llu kB\n" (the host's column width), without printf on every line. */
static void kb_line(struct kbuf *b, const char *key, size_t n, int width, unsigned long long kb)
{
	char line[160], digits[24];
	int d = 0;
	size_t at = 0;

	if (n + 1 + (size_t)(width > 20 ? width : 20) + 4 > sizeof(line)) {
		kbuf_printf(b, "%.*s:%*llu kB\n", (int)n, key, width, kb);	/* a line longer than any */
		return;
	}
	do {
		digits[d++] = (char)('0' + kb % 10);
		kb /= 10;
	} while (kb);
	memcpy(line, key, n);
	at = n;
	line[at++] = ':';
	for (; width > d; width--)
		line[at++] = ' ';
	while (d)
		line[at++] = digits[--d];
	memcpy(line + at, " kB\n", 4);
	kbuf_append(b, line, at + 4);
}

int render_meminfo(const char *host, const struct mem_limits *m, char **out, size_t *len)
{
	struct kb_key map[NKEYS];
	struct kbuf b = { 0 };
	struct mem_view v;
	const char *line = host;

	if (!host || !m)
		return -EINVAL;
	compute_view(host, m, &v);
	container_keys(&v, map);
	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line);
		const char *colon = memchr(line, ':', n);
		size_t klen = colon ? (size_t)(colon - line) : 0;
		unsigned long long host_v = 0;
		char *num_end = NULL;
		uint64_t kb;

		if (colon && klen < 64)
			host_v = strtoull(colon + 1, &num_end, 10);
		if (colon && klen < 64 && num_end != colon + 1 && n >= 3 &&
		    !strncmp(line + n - 3, " kB", 3)) {
			if (!container_kb(map, line, klen, &kb))
				kb = host_v;
			/* no field larger than MemTotal, swap aside */
			if (strncmp(line, "Swap", 4) && kb > v.total)
				kb = v.total;
			/* keep the host's column: the value ends where the host's did */
			kb_line(&b, line, klen, (int)(n - 3 - klen - 1), (unsigned long long)kb);
		} else {
			kbuf_append(&b, line, n);
			kbuf_append(&b, "\n", 1);
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	return kbuf_finish(&b, out, len);
}
