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

static void emit_block(struct kbuf *b, const char *start, const char *end, int index, int count)
{
	const char *line = start;

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t n = eol ? (size_t)(eol - line) : (size_t)(end - line);
		const char *colon = memchr(line, ':', n);
		size_t keylen = colon ? (size_t)(colon - line) : n;

		if (field(line, n, "processor") || field(line, n, "core id") ||
		    field(line, n, "apicid") || field(line, n, "initial apicid")) {
			kbuf_append(b, line, keylen);
			kbuf_printf(b, ": %d\n", index);
		} else if (field(line, n, "siblings") || field(line, n, "cpu cores")) {
			kbuf_append(b, line, keylen);
			kbuf_printf(b, ": %d\n", count);
		} else if (field(line, n, "physical id")) {
			kbuf_append(b, line, keylen);
			kbuf_printf(b, ": 0\n");
		} else {
			kbuf_append(b, line, n);
			kbuf_append(b, "\n", 1);
		}
		line += n + 1;
	}
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
