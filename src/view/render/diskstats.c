// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/diskstats for a container: the host's line of each device the
 * container did I/O on (diskstats_show() order and device names), with
 * reads/writes/discards and sectors from io.stat (or blkio on v1). Merges,
 * times and in-flight counts are not kept per cgroup: 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kbuf.h"
#include "view/render/render.h"

static const struct io_dev *find(const struct io_stats *io, unsigned int major, unsigned int minor)
{
	unsigned int i;

	for (i = 0; i < io->n; i++)
		if (io->dev[i].major == major && io->dev[i].minor == minor)
			return &io->dev[i];
	return NULL;
}

int render_diskstats(const char *host, const struct io_stats *io, char **out, size_t *len)
{
	const char *line = host;
	struct kbuf b = { 0 };

	if (!host || !io)
		return -EINVAL;
	while (line && *line) {
		unsigned int major, minor;
		char name[64];
		int fields = 0;
		const char *eol = strchr(line, '\n'), *p;
		const struct io_dev *d;

		if (sscanf(line, "%u %u %63s", &major, &minor, name) == 3 &&
		    (d = find(io, major, minor)) != NULL) {
			for (p = line; *p && *p != '\n'; p++)
				if (*p != ' ' && (p == line || p[-1] == ' '))
					fields++;
			/* 14 fields up to 4.18, 18 with discards, 20 with flushes */
			kbuf_printf(&b, "%4u %7u %s %llu 0 %llu 0 %llu 0 %llu 0 0 0 0", major, minor, name,
				    (unsigned long long)d->rios, (unsigned long long)(d->rbytes / 512),
				    (unsigned long long)d->wios, (unsigned long long)(d->wbytes / 512));
			if (fields >= 18)
				kbuf_printf(&b, " %llu 0 %llu 0", (unsigned long long)d->dios,
					    (unsigned long long)(d->dbytes / 512));
			if (fields >= 20)
				kbuf_printf(&b, " 0 0");
			kbuf_printf(&b, "\n");
		}
		line = eol ? eol + 1 : NULL;
	}
	return kbuf_finish(&b, out, len);
}

/*
 * diskstats_show() prints a disk and its partitions as one seq_file record,
 * and seq_read_iter() answers a page or so a read: a caller that stops
 * reading once this holds (fdcache_read_until()) spares the reads of the
 * rest and the one that finds the end.
 */
int render_diskstats_has_lines(const char *host, const struct io_stats *io)
{
	unsigned int i;

	for (i = 0; i < io->n; i++) {
		const char *line = host;
		int found = 0;

		while (!found && line && *line) {
			const char *eol = strchr(line, '\n');
			char *end;
			unsigned long major, minor = 0;

			if (!eol)
				break;	/* a line cut short: not whole yet */
			major = strtoul(line, &end, 10);
			if (end != line)
				minor = strtoul(end, &end, 10);
			found = end != line && major == io->dev[i].major && minor == io->dev[i].minor;
			line = eol + 1;
		}
		if (!found)
			return 0;
	}
	return 1;
}
