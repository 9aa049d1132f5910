// SPDX-License-Identifier: GPL-2.0
/* A container's struct sysinfo from its view's figures (pure: see sysinfo.h). */
#include <math.h>
#include <string.h>

#include "kava_loadavg.h"
#include "view/sysinfo.h"

#define SI_LOAD_SHIFT 16	/* include/uapi/linux/kernel.h */

void sysinfo_compose(const struct sysinfo_inputs *in, struct sysinfo *out)
{
	double up = in->uptime_s > 0 ? in->uptime_s : 0;
	int i;

	memset(out, 0, sizeof(*out));
	/* do_sysinfo(): tp.tv_sec + (tp.tv_nsec ? 1 : 0) */
	out->uptime = (long)ceil(up);
	/* get_avenrun(info->loads, 0, SI_LOAD_SHIFT - FSHIFT) */
	for (i = 0; i < 3; i++)
		out->loads[i] = (unsigned long)(in->avenrun[i] << (SI_LOAD_SHIFT - KAVA_FSHIFT));
	out->procs = in->nr_threads <= 0 ? 0 : in->nr_threads > 0xffff ? 0xffff
		     : (unsigned short)in->nr_threads;
	/*
	 * si_meminfo() counts pages; do_sysinfo() then scales everything to
	 * bytes and sets mem_unit 1 whenever ram + swap fits an unsigned long,
	 * which it always does on 64-bit kernels.
	 */
	out->mem_unit = 1;
	out->totalram = in->mem.total_kb * 1024;
	out->freeram = in->mem.free_kb * 1024;
	out->sharedram = in->mem.shared_kb * 1024;
	out->bufferram = in->mem.buffers_kb * 1024;
	out->totalswap = in->mem.swap_total_kb * 1024;
	out->freeswap = in->mem.swap_free_kb * 1024;
}
