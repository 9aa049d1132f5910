/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysinfo(2) as a container should see it: the same figures as its view
 * (loadavg, meminfo, swaps, uptime), laid out as the kernel's do_sysinfo()
 * fills struct sysinfo. Shared by every path that answers sysinfo(2) for a
 * container: the seccomp listener (src/seccomp) and the BPF rewrite.
 */
#ifndef KAVA_VIEW_SYSINFO_H
#define KAVA_VIEW_SYSINFO_H

#include <stdint.h>
#include <sys/sysinfo.h>
#include <sys/types.h>
#include "view/render/render.h"

struct view_source;
struct kava_owner;

/* What a container's sysinfo(2) answer is made from. */
struct sysinfo_inputs {
	uint64_t avenrun[3];            /* kava's load averages, fixed point FSHIFT 11 */
	int64_t nr_threads;             /* the container's tasks (procs) */
	double uptime_s;                /* as the view's /proc/uptime: since the container's origin */
	struct meminfo_summary mem;     /* as the view's /proc/meminfo and /proc/swaps */
};

/*
 * The struct sysinfo of those inputs (pure). Mirrors do_sysinfo() on a
 * 64-bit kernel: uptime rounded up to the second, loads shifted to
 * SI_LOAD_SHIFT, memory in bytes with mem_unit 1, no high memory; procs
 * (16 bits in the ABI) is capped at 65535 where the kernel would wrap.
 */
void sysinfo_compose(const struct sysinfo_inputs *in, struct sysinfo *out);

/*
 * Gather the inputs for container `owner` (src/view/content.c, the view's
 * edge): kava's figures, the cgroup limits read as for /proc/meminfo, the
 * uptime as for /proc/uptime. `reader` is a pid in the container (its v1
 * cgroups on hybrid hosts). -ENOENT when the container vanished meanwhile.
 */
int view_sysinfo_inputs(const struct view_source *src, const struct kava_owner *owner,
			pid_t reader, struct sysinfo_inputs *in);

#endif
