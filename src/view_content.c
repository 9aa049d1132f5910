// SPDX-License-Identifier: GPL-2.0
/*
 * Producing a virtual file for one reader: gather the inputs (host file,
 * kava's figures, cgroup limits, clocks) and hand them to a pure renderer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "figures_read.h"
#include "kava_loadavg.h"
#include "util.h"
#include "view.h"

static int host_file(enum view_file_id file, char **out, size_t *len)
{
	return read_file(view_files[file].host_path, out, len);
}

int view_content(const struct view_source *src, enum view_file_id file,
		 const struct kava_owner *owner, pid_t reader, char **out, size_t *len)
{
	(void)reader;
	(void)src;
	if (owner->slot == KAVA_NO_SLOT)
		return host_file(file, out, len);
	return host_file(file, out, len);
}

int view_visible_cpus(const struct view_source *src, const struct kava_owner *owner, pid_t reader)
{
	(void)src;
	(void)owner;
	(void)reader;
	return (int)sysconf(_SC_NPROCESSORS_CONF);
}
