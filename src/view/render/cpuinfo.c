// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/cpuinfo for a container: the host's block of each visible CPU
 * (show_cpuinfo() prints one block per online CPU, blank-line separated),
 * renumbered from 0. Topology lines are rewritten so the blocks agree: one
 * package, one core per visible CPU ("siblings" = "cpu cores" = the number
 * of blocks shown), "core id", "apicid" and "initial apicid" = the new
 * number, "physical id" = 0. Which CPUs are visible is cpuset_visible()'s
 * rule (effective cpuset, then the first ceil(quota/period) of them). Blocks
 * that describe no CPU (arm's "Hardware:" trailer) are kept as the host has
 * them; x86 and arm64 have one block per CPU and nothing else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/kbuf.h"
#include "view/render/render.h"

/* The value part of "key\t: value", or NULL when the line is not that key. */
static const char *field(const char *line, size_t n, const char *key)
{
	size_t k = strlen(key);
	const char *p;

	if (n < k || strncmp(line, key, k) || (line[k] != '\t' && line[k] != ' ' && line[k] != ':'))
		return NULL;
	p = memchr(line, ':', n);
	return p ? p + 1 : NULL;
}

/* What emit_block() writes after a line's key: the host's value, or one of its own. */
enum rewrite { KEEP, INDEX, COUNT, ZERO };

/*
 * The rewrite of a line. Its first byte first: most of a block's ~25 lines
 * (flags, bugs, model name, cache size...) start with none of these, and
 * seven field() tests on each line were a third of a render.
 */
static enum rewrite rewrite_of(const char *line, size_t n)
{
	switch (n ? line[0] : '\0') {
	case 'p':
		return field(line, n, "processor") ? INDEX : field(line, n, "physical id") ? ZERO : KEEP;
	case 'c':
		return field(line, n, "core id") ? INDEX : field(line, n, "cpu cores") ? COUNT : KEEP;
	case 'a':
		return field(line, n, "apicid") ? INDEX : KEEP;
	case 'i':
		return field(line, n, "initial apicid") ? INDEX : KEEP;
	case 's':
		return field(line, n, "siblings") ? COUNT : KEEP;
	default:
		return KEEP;
	}
}

/* The line's key as the host wrote it, then ": VALUE\n" (no printf: a render wrote ~8 a block). */
static void put_value(struct kbuf *b, const char *line, size_t keylen, unsigned int value)
{
	kbuf_append(b, line, keylen);
	kbuf_append(b, ": ", 2);
	kbuf_dec(b, value);
	kbuf_append(b, "\n", 1);
}

static void emit_block(struct kbuf *b, const char *start, const char *end, int index, int count)
{
	const char *line = start, *kept = start;	/* [kept, line): host lines to copy as they are */

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t n = eol ? (size_t)(eol - line) : (size_t)(end - line);
		enum rewrite r = rewrite_of(line, n);
		const char *colon;

		if (r == KEEP && eol) {
			line = eol + 1;	/* copied with the lines around it, in one append */
			continue;
		}
		kbuf_append(b, kept, (size_t)(line - kept));
		if (r == KEEP) {
			/* the block's last line has no newline: the host's line, then one */
			kbuf_append(b, line, n);
			kbuf_append(b, "\n", 1);
		} else {
			colon = memchr(line, ':', n);
			put_value(b, line, colon ? (size_t)(colon - line) : n,
				  r == INDEX ? (unsigned int)index : r == COUNT ? (unsigned int)count : 0);
		}
		line += n + 1;
		kept = line;
	}
	if (kept < end)
		kbuf_append(b, kept, (size_t)(end - kept));
}

/* The host CPU number of a block that starts "processor\t: N", or -1 for any other block. */
static int block_cpu(const char *p, const char *block_end)
{
	const char *eol = memchr(p, '\n', (size_t)(block_end - p));
	size_t n = eol ? (size_t)(eol - p) : (size_t)(block_end - p);
	const char *v = field(p, n, "processor");
	char *end;
	long cpu;

	if (!v)
		return -1;
	cpu = strtol(v, &end, 10);
	if (end == v || cpu < 0 || cpu >= KAVA_MAX_CPUS)
		return -1;
	return (int)cpu;
}

/* Walk the blank-line separated blocks; count or emit the ones shown. */
static int walk(const char *host, const struct cpuset *visible, struct kbuf *b, int count)
{
	const char *p = host;
	int index = 0;

	while (*p) {
		const char *end = strstr(p, "\n\n");
		const char *block_end = end ? end + 1 : p + strlen(p);
		int cpu = block_cpu(p, block_end);

		/* the blank line after a block only where the host has one */
		if (cpu >= 0 && cpuset_has(visible, cpu)) {
			if (b) {
				emit_block(b, p, block_end, index, count);
				kbuf_append(b, "\n", end ? 1 : 0);
			}
			index++;
		} else if (cpu < 0 && b) {
			/* a block of no CPU (arm "Hardware:" trailer): the host's, as it is */
			kbuf_append(b, p, (size_t)(block_end - p));
			kbuf_append(b, "\n", end ? 1 : 0);
		}
		if (!end)
			break;
		p = end + 2;
	}
	return index;
}

int render_cpuinfo(const char *host, const struct cpuset *visible, char **out, size_t *len)
{
	struct kbuf b = { 0 };
	int count;

	if (!host || !visible)
		return -EINVAL;
	/* siblings/cpu cores say how many blocks there are, not how many were asked for */
	count = walk(host, visible, NULL, 0);
	walk(host, visible, &b, count);
	return kbuf_finish(&b, out, len);
}

/*
 * x86's show_cpuinfo() prints one block per online CPU (c_start() and
 * c_next() walk cpu_online_mask), each ending in a blank line, and nothing
 * after the last; seq_read_iter() answers a page or so a read, so a 64-CPU
 * host's text takes ~25 reads to its end. A caller that stops once this
 * holds (fdcache_read_until()) reads only as far as its CPUs.
 */
#if defined(__x86_64__)
/*
 * The first "\n\n" in [p, stop), as memmem() finds it: its two-way
 * search's set-up, on each block, was most of this test's instructions.
 */
static const char *blank_line(const char *p, const char *stop)
{
	while (stop - p >= 2) {
		const char *nl = memchr(p, '\n', (size_t)(stop - p - 1));

		if (!nl)
			return NULL;
		if (nl[1] == '\n')
			return nl;
		p = nl + 1;
	}
	return NULL;
}
#endif

int render_cpuinfo_has_blocks(const char *host, size_t len, const struct cpuset *visible)
{
#if defined(__x86_64__)
	const char *p = host, *stop = host + len;
	struct cpuset seen;
	unsigned int w;

	if (len < 2 || host[len - 1] != '\n' || host[len - 2] != '\n')
		return 0;	/* a block cut short (one larger than the read) */
	memset(&seen, 0, sizeof(seen));
	/* the text ends in a blank line: every block up to `stop` is whole */
	while (p < stop) {
		const char *end = blank_line(p, stop);
		int cpu;

		if (!end)
			break;
		cpu = block_cpu(p, end + 1);
		if (cpu >= 0)
			cpuset_add(&seen, cpu);
		p = end + 2;
	}
	for (w = 0; w < sizeof(seen.bits) / sizeof(seen.bits[0]); w++)
		if (visible->bits[w] & ~seen.bits[w])
			return 0;
	return 1;
#else
	(void)host;
	(void)len;
	(void)visible;
	return 0;	/* arm's "Hardware" trailer block comes after the CPUs' */
#endif
}
