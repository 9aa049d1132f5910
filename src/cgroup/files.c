// SPDX-License-Identifier: GPL-2.0
/* Parsing cgroup files into the renderers' inputs: pure text in, structs out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/files.h"
#include "common/util.h"

struct stat_key {
	const char *v2, *v1;
	size_t off;
	unsigned char v2_len, v1_len;	/* strlen() of each, 0 for none */
};

#define K(v2, v1, field) { v2, v1, offsetof(struct mem_stat, field), sizeof(v2) - 1, sizeof(v1) - 1 }
#define K2(v2, field) { v2, NULL, offsetof(struct mem_stat, field), sizeof(v2) - 1, 0 }	/* v2 only */
static const struct stat_key stat_keys[] = {
	K("anon", "total_rss", anon),
	K("file", "total_cache", file),
	K("shmem", "total_shmem", shmem),
	K("file_mapped", "total_mapped_file", file_mapped),
	K("file_dirty", "total_dirty", file_dirty),
	K("file_writeback", "total_writeback", file_writeback),
	K("active_anon", "total_active_anon", active_anon),
	K("inactive_anon", "total_inactive_anon", inactive_anon),
	K("active_file", "total_active_file", active_file),
	K("inactive_file", "total_inactive_file", inactive_file),
	K("unevictable", "total_unevictable", unevictable),
	K2("slab_reclaimable", slab_reclaimable),
	K2("slab_unreclaimable", slab_unreclaimable),
	K2("kernel_stack", kernel_stack),
	K2("pagetables", pagetables),
	K("anon_thp", "total_rss_huge", anon_thp),
	K2("shmem_thp", shmem_thp),
	K2("swapcached", swapcached),
	K2("file_thp", file_thp),
	K2("percpu", percpu),
	K2("sec_pagetables", sec_pagetables),
	K2("vmalloc", vmalloc),
	K2("zswap", zswap),
	K2("zswapped", zswapped),
};
#undef K
#undef K2

void mem_stat_parse(const char *text, int v1, struct mem_stat *out)
{
	const char *line = text;
	uint64_t lengths = 0;	/* bit n: a key of n bytes is in the table */
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++)
		if (!v1 || stat_keys[i].v1)
			lengths |= 1ULL << (v1 ? stat_keys[i].v1_len : stat_keys[i].v2_len);
	while (line && *line) {
		const char *key = line, *end;
		char *num_end;
		unsigned long long v;
		size_t n;

		/* "KEY VALUE": what sscanf("%63s %llu") took, without its cost on every line */
		while (*key == ' ' || *key == '\t')
			key++;
		for (end = key; *end && *end != ' ' && *end != '\t' && *end != '\n'; end++)
			;
		n = (size_t)(end - key);
		/* a line whose key has no key's length (most of v1's) is passed over at once */
		if (n && n < 64 && (lengths >> n & 1) && (*end == ' ' || *end == '\t')) {
			/*
			 * the key first, the number only for a key kept: a strtoull()
			 * and a strncmp() per key on each of ~60 lines, per container
			 * and tmpfs period, were ~4 % of the period; then its length
			 * and first byte before any compare (v1's keys all start
			 * "total_", as half its lines do); each key is in the table once
			 */
			for (i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++) {
				const char *want = v1 ? stat_keys[i].v1 : stat_keys[i].v2;
				size_t want_len = v1 ? stat_keys[i].v1_len : stat_keys[i].v2_len;

				if (!want || want_len != n || want[0] != key[0] || memcmp(key, want, n))
					continue;
				v = dec_u64(end, &num_end);
				if (num_end != end)
					*(uint64_t *)((char *)out + stat_keys[i].off) = v;
				break;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

uint64_t parse_limit(const char *text)
{
	char *end;
	unsigned long long v;

	while (*text == ' ')
		text++;
	if (!strncmp(text, "max", 3))
		return KAVA_UNLIMITED;
	v = strtoull(text, &end, 10);
	if (end == text)
		return KAVA_UNLIMITED;
	/* v1 writes "no limit" as PAGE_COUNTER_MAX pages: anything this large is none */
	return v >= (1ULL << 62) ? KAVA_UNLIMITED : v;
}

static struct io_dev *io_dev_of(struct io_stats *s, unsigned int major, unsigned int minor)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->dev[i].major == major && s->dev[i].minor == minor)
			return &s->dev[i];
	if (s->n == sizeof(s->dev) / sizeof(s->dev[0]))
		return NULL;
	s->dev[s->n].major = major;
	s->dev[s->n].minor = minor;
	return &s->dev[s->n++];
}

void io_stat_parse_v2(const char *text, struct io_stats *out)
{
	const char *line = text;

	memset(out, 0, sizeof(*out));
	while (line && *line) {
		unsigned int major, minor;
		int used;

		/* "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6" */
		if (sscanf(line, "%u:%u%n", &major, &minor, &used) == 2) {
			struct io_dev *d = io_dev_of(out, major, minor);
			const char *p = line + used;
			const char *eol = strchr(p, '\n');

			while (d && *p && (!eol || p < eol)) {
				char key[16];
				unsigned long long v;
				int n;

				if (sscanf(p, " %15[a-z]=%llu%n", key, &v, &n) != 2)
					break;
				if (!strcmp(key, "rbytes")) d->rbytes = v;
				else if (!strcmp(key, "wbytes")) d->wbytes = v;
				else if (!strcmp(key, "rios")) d->rios = v;
				else if (!strcmp(key, "wios")) d->wios = v;
				else if (!strcmp(key, "dbytes")) d->dbytes = v;
				else if (!strcmp(key, "dios")) d->dios = v;
				p += n;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static void parse_v1_file(const char *text, struct io_stats *out, int bytes)
{
	const char *line = text;

	while (line && *line) {
		unsigned int major, minor;
		unsigned long long v;
		char op[16];

		/* "8:0 Read 4096" */
		if (sscanf(line, "%u:%u %15s %llu", &major, &minor, op, &v) == 4) {
			struct io_dev *d = io_dev_of(out, major, minor);

			if (d && !strcmp(op, "Read"))
				*(bytes ? &d->rbytes : &d->rios) = v;
			else if (d && !strcmp(op, "Write"))
				*(bytes ? &d->wbytes : &d->wios) = v;
			else if (d && !strcmp(op, "Discard"))
				*(bytes ? &d->dbytes : &d->dios) = v;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

void io_stat_parse_v1(const char *bytes_text, const char *ios_text, struct io_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (bytes_text)
		parse_v1_file(bytes_text, out, 1);
	if (ios_text)
		parse_v1_file(ios_text, out, 0);
}

void cpu_max_parse(const char *text, int64_t *quota_us, uint64_t *period_us)
{
	unsigned long long period = 100000;
	long long quota = -1;
	char first[32] = "";

	if (sscanf(text, "%31s %llu", first, &period) >= 1 && strcmp(first, "max"))
		quota = strtoll(first, NULL, 10);
	*quota_us = quota > 0 ? quota : -1;
	*period_us = period ? period : 100000;
}
