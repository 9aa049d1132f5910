// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/cpuinfo for a container: the host's block of each visible CPU
 * (show_cpuinfo() prints one block per online CPU, blank-line separated),
 * renumbered from 0. Topology lines are rewritten so the blocks agree: one
 * package, one core per visible CPU ("siblings" = "cpu cores" = the count).
 */
#include <stdlib.h>
#include <string.h>

#include "render/kbuf.h"
#include "render/render.h"

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

int render_cpuinfo(const char *host, const struct cpuset *visible, char **out, size_t *len)
{
	int count = cpuset_count(visible), index = 0;
	const char *p = host;
	struct kbuf b = { 0 };

	while (*p) {
		const char *end = strstr(p, "\n\n");
		const char *block_end = end ? end + 1 : p + strlen(p);
		const char *v = field(p, (size_t)(block_end - p), "processor");
		int cpu = v ? atoi(v) : -1;

		if (v && cpuset_has(visible, cpu)) {
			emit_block(&b, p, block_end, index++, count);
			kbuf_append(&b, "\n", 1);
		} else if (!v && index == 0 && cpu < 0 && !strstr(p, "processor")) {
			/* a trailer without processors (s390/arm "Hardware:" lines): keep */
			kbuf_append(&b, p, (size_t)(block_end - p));
			kbuf_append(&b, "\n", 1);
		}
		if (!end)
			break;
		p = end + 2;
	}
	return kbuf_finish(&b, out, len);
}
