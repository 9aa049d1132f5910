// SPDX-License-Identifier: GPL-2.0
/*
 * A container's struct sysinfo (src/view/sysinfo.c): every field as
 * do_sysinfo() lays it out, and the memory figures equal to what the
 * view's /proc/meminfo shows for the same inputs.
 */
#include "../../common/unit.h"
#include "common/util.h"
#include "kava_loadavg.h"
#include "view/sysinfo.h"

static void limits(struct mem_limits *m, uint64_t limit, uint64_t usage)
{
	char *stat = unit_fixture("memory.stat.v2");

	memset(m, 0, sizeof(*m));
	mem_stat_parse(stat, 0, &m->stat);
	free(stat);
	m->limit = limit;
	m->usage = usage;
	m->swap_known = 1;
	m->swap_limit = 256 * MiB;
	m->swap_usage = 4 * MiB;
}

/* The memory fields are meminfo's MemTotal, MemFree, Shmem, Buffers, SwapTotal, SwapFree. */
static void memory_as_the_view_shows_it(void **state)
{
	const char *hosts[] = { "meminfo.host", "meminfo-swap.host" };
	uint64_t limit[] = { 512 * MiB, KAVA_UNLIMITED };
	size_t h, l;

	(void)state;
	for (h = 0; h < 2; h++) {
		for (l = 0; l < 2; l++) {
			char *host = unit_fixture(hosts[h]), *text = NULL;
			struct sysinfo_inputs in = { 0 };
			struct mem_limits m;
			struct sysinfo si;
			size_t len;

			limits(&m, limit[l], 180 * MiB);
			assert_int_equal(render_meminfo(host, &m, &text, &len), 0);
			meminfo_summary(host, &m, &in.mem);
			sysinfo_compose(&in, &si);
			assert_int_equal(si.mem_unit, 1);
			assert_int_equal(si.totalram, unit_kb_of(text, "MemTotal") * 1024);
			assert_int_equal(si.freeram, unit_kb_of(text, "MemFree") * 1024);
			assert_int_equal(si.sharedram, unit_kb_of(text, "Shmem") * 1024);
			assert_int_equal(si.bufferram, unit_kb_of(text, "Buffers") * 1024);
			assert_int_equal(si.totalswap, unit_kb_of(text, "SwapTotal") * 1024);
			assert_int_equal(si.freeswap, unit_kb_of(text, "SwapFree") * 1024);
			assert_int_equal(si.totalhigh, 0);
			assert_int_equal(si.freehigh, 0);
			free(text);
			free(host);
		}
	}
}

static void loads_uptime_procs(void **state)
{
	struct sysinfo_inputs in = { 0 };
	struct sysinfo si;

	(void)state;
	/* 1.00, 0.50 and 2.25 in FSHIFT 11 become 65536, 32768, 147456 (SI_LOAD_SHIFT 16) */
	in.avenrun[0] = KAVA_FIXED_1;
	in.avenrun[1] = KAVA_FIXED_1 / 2;
	in.avenrun[2] = KAVA_FIXED_1 * 9 / 4;
	in.nr_threads = 7;
	in.uptime_s = 41.2;
	sysinfo_compose(&in, &si);
	assert_int_equal(si.loads[0], 65536);
	assert_int_equal(si.loads[1], 32768);
	assert_int_equal(si.loads[2], 147456);
	assert_int_equal(si.procs, 7);
	assert_int_equal(si.uptime, 42);	/* rounded up, as do_sysinfo() */
	in.uptime_s = 42.0;
	sysinfo_compose(&in, &si);
	assert_int_equal(si.uptime, 42);
	/* counts that cannot be shown: never negative, never wrapped */
	in.nr_threads = -3;
	in.uptime_s = -1;
	sysinfo_compose(&in, &si);
	assert_int_equal(si.procs, 0);
	assert_int_equal(si.uptime, 0);
	in.nr_threads = 70000;
	sysinfo_compose(&in, &si);
	assert_int_equal(si.procs, 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memory_as_the_view_shows_it),
		cmocka_unit_test(loads_uptime_procs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
