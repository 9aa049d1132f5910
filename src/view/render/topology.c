// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU topology files of the view (what lscpu and hwloc read to count
 * threads, cores and sockets), consistent with the cpuinfo renderer's model.
 */
#include <errno.h>
#include <string.h>

#include "common/kbuf.h"
#include "view/render/render.h"

int render_cpu_topology(enum topology_value value, int cpu, int count, char **out, size_t *len)
{
	struct kbuf b = { 0 };
	struct cpuset set;
	int i;

	if (count < 1 || count > KAVA_MAX_CPUS || cpu < 0 || cpu >= count)
		return -EINVAL;
	memset(&set, 0, sizeof(set));
	if (value == TOPO_SELF_MASK || value == TOPO_SELF_LIST)
		cpuset_add(&set, cpu);
	else
		for (i = 0; i < count; i++)
			cpuset_add(&set, i);

	switch (value) {
	case TOPO_CPU_ID:
		kbuf_printf(&b, "%d\n", cpu);
		break;
	case TOPO_ZERO:
		kbuf_printf(&b, "0\n");
		break;
	case TOPO_SELF_MASK:
	case TOPO_ALL_MASK:
		cpuset_format_mask(&set, count, &b);
		break;
	case TOPO_SELF_LIST:
	case TOPO_ALL_LIST:
		cpuset_format(&set, &b);
		break;
	default:
		return -EINVAL;
	}
	return kbuf_finish(&b, out, len);
}
