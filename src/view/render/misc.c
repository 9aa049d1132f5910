// SPDX-License-Identifier: GPL-2.0
/* The small files: loadavg, swaps and the sys cpu ranges (uptime is with stat). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kava_loadavg.h"
#include "common/kbuf.h"
#include "view/render/render.h"

int render_loadavg(const struct kava_figures *fig, char **out, size_t *len)
{
	struct kbuf b = { 0 };
	uint64_t a[3];
	int i;

	if (!fig)
		return -EINVAL;
	/* loadavg_proc_show(): avenrun + FIXED_1/200, then LOAD_INT.LOAD_FRAC */
	for (i = 0; i < 3; i++)
		a[i] = fig->avenrun[i] + KAVA_FIXED_1 / 200;
	kbuf_printf(&b, "%llu.%02llu %llu.%02llu %llu.%02llu %lld/%lld %u\n",
		    (unsigned long long)kava_load_int(a[0]), (unsigned long long)kava_load_frac(a[0]),
		    (unsigned long long)kava_load_int(a[1]), (unsigned long long)kava_load_frac(a[1]),
		    (unsigned long long)kava_load_int(a[2]), (unsigned long long)kava_load_frac(a[2]),
		    (long long)(fig->nr_running > 0 ? fig->nr_running : 0),
		    (long long)(fig->nr_threads > 0 ? fig->nr_threads : 0), fig->last_pid);
	return kbuf_finish(&b, out, len);
}

/* Sum of the Size column (kB) of the host's /proc/swaps devices. */
static uint64_t host_swaps_kb(const char *host)
{
	const char *line = strchr(host, '\n');
	uint64_t total = 0;

	while (line && *++line) {
		unsigned long long size;

		if (sscanf(line, "%*s %*s %llu", &size) == 1)
			total += size;
		line = strchr(line, '\n');
	}
	return total;
}

int render_swaps(const char *host, const struct mem_limits *m, char **out, size_t *len)
{
	const char *eol;
	struct kbuf b = { 0 };
	uint64_t size_kb;

	if (!host || !m)
		return -EINVAL;
	eol = strchr(host, '\n');
	/* the header line as the host prints it (swap_show()) */
	kbuf_append(&b, host, eol ? (size_t)(eol - host) + 1 : strlen(host));
	if (!m->swap_known || m->swap_limit == KAVA_UNLIMITED) {
		/* unlimited or not accounted: the host's devices */
		kbuf_append(&b, eol ? eol + 1 : "", eol ? strlen(eol + 1) : 0);
		return kbuf_finish(&b, out, len);
	}
	/* a limit: one virtual device as big as the limit, but no bigger than the host's swap
	 * (as meminfo's SwapTotal); none when the container cannot swap */
	size_kb = m->swap_limit / 1024;
	if (size_kb > host_swaps_kb(host))
		size_kb = host_swaps_kb(host);
	if (size_kb > 0)
		kbuf_printf(&b, "none%*svirtual\t\t%llu\t%llu\t0\n", 36, "",
			    (unsigned long long)size_kb,
			    (unsigned long long)(m->swap_usage / 1024 < size_kb ? m->swap_usage / 1024
										  : size_kb));
	return kbuf_finish(&b, out, len);
}

int render_cpu_range(int n_visible, char **out, size_t *len)
{
	struct kbuf b = { 0 };

	if (n_visible <= 1)
		kbuf_printf(&b, "0\n");
	else
		kbuf_printf(&b, "0-%d\n", n_visible - 1);
	return kbuf_finish(&b, out, len);
}
