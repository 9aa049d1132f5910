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
#include "common/util.h"
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
	const char *p = strstr(host, key), *num;
	unsigned long long v;
	char *end;

	while (p && p != host && p[-1] != '\n')
		p = strstr(p + 1, key);
	if (!p)
		return 0;
	/* what sscanf(" %llu") took, without its setup on every call */
	num = p + strlen(key);
	v = dec_u64(num, &end);
	return end != num ? v : 0;
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
	size_t len;	/* strlen(key) */
	uint64_t kb;
};

#define KEY(name, value) { name, sizeof(name) - 1, value }

#define NKEYS 37

/* The container's value of every key it has one for (the rest keep the host's). */
static void container_keys(const struct mem_view *v, struct kb_key map[NKEYS])
{
	const struct mem_stat *s = v->s;
	const struct kb_key keys[NKEYS] = {
		KEY("MemTotal", v->total),
		KEY("MemFree", v->free),
		KEY("MemAvailable", v->avail),
		KEY("Cached", KB(sub_floor0(s->file, s->swapcached))),
		KEY("SwapCached", KB(s->swapcached)),
		KEY("Active", KB(s->active_anon + s->active_file)),
		KEY("Inactive", KB(s->inactive_anon + s->inactive_file)),
		KEY("Active(anon)", KB(s->active_anon)),
		KEY("Inactive(anon)", KB(s->inactive_anon)),
		KEY("Active(file)", KB(s->active_file)),
		KEY("Inactive(file)", KB(s->inactive_file)),
		KEY("Unevictable", KB(s->unevictable)),
		KEY("Mlocked", 0),
		KEY("SwapTotal", v->swap_total),
		KEY("SwapFree", v->swap_free),
		KEY("Dirty", KB(s->file_dirty)),
		KEY("Writeback", KB(s->file_writeback)),
		KEY("AnonPages", KB(s->anon)),
		KEY("Mapped", KB(s->file_mapped)),
		KEY("Shmem", KB(s->shmem)),
		KEY("KReclaimable", KB(s->slab_reclaimable)),
		KEY("Slab", KB(s->slab_reclaimable + s->slab_unreclaimable)),
		KEY("SReclaimable", KB(s->slab_reclaimable)),
		KEY("SUnreclaim", KB(s->slab_unreclaimable)),
		KEY("KernelStack", KB(s->kernel_stack)),
		KEY("PageTables", KB(s->pagetables)),
		KEY("AnonHugePages", KB(s->anon_thp)),
		KEY("ShmemHugePages", KB(s->shmem_thp)),
		KEY("ShmemPmdMapped", 0),
		KEY("FileHugePages", KB(s->file_thp)),
		KEY("FilePmdMapped", 0),
		KEY("Zswap", KB(s->zswap)),
		KEY("Zswapped", KB(s->zswapped)),
		KEY("SecPageTables", KB(s->sec_pagetables)),
		KEY("Percpu", KB(s->percpu)),
		KEY("VmallocUsed", KB(s->vmalloc)),
		KEY("Buffers", 0),
	};

	memcpy(map, keys, sizeof(keys));
}

/* Bit n set: some key of the map is n bytes long (every one is shorter than 64). */
static uint64_t key_lengths(const struct kb_key map[NKEYS])
{
	uint64_t lengths = 0;
	size_t i;

	for (i = 0; i < NKEYS; i++)
		lengths |= 1ULL << map[i].len;
	return lengths;
}

/* The container's value for KEY (n bytes); 0 when the key keeps the host's value. */
static int container_kb(const struct kb_key map[NKEYS], uint64_t lengths, const char *key, size_t n,
			uint64_t *kb)
{
	size_t i;

	if (n >= 64 || !(lengths >> n & 1))
		return 0;	/* no key of its length: a host-only line (DirectMap4k, HugePages_Free...) */

	/*
	 * lengths and first bytes compared inline: a strncmp() per key and host
	 * line was ~4 % of a tmpfs period, and still ~1/6 of a render with the
	 * first bytes alone (a dozen keys start with 'S', as many with 'A' or 'I')
	 */
	for (i = 0; i < NKEYS; i++) {
		if (map[i].len == n && map[i].key[0] == key[0] && !memcmp(map[i].key, key, n)) {
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
	uint64_t lengths;

	if (!host || !m)
		return -EINVAL;
	compute_view(host, m, &v);
	container_keys(&v, map);
	lengths = key_lengths(map);
	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line);
		const char *colon = memchr(line, ':', n);
		size_t klen = colon ? (size_t)(colon - line) : 0;
		unsigned long long host_v = 0;
		char *num_end = NULL;
		uint64_t kb;

		if (colon && klen < 64)
			host_v = dec_u64(colon + 1, &num_end);
		if (colon && klen < 64 && num_end != colon + 1 && n >= 3 &&
		    !strncmp(line + n - 3, " kB", 3)) {
			if (!container_kb(map, lengths, line, klen, &kb))
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
