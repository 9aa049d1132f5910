// SPDX-License-Identifier: GPL-2.0
/*
 * The pure renderers against fixtures (tests/fixtures/render): golden
 * outputs for the main cases, and properties that must hold for any input
 * (every host line kept in order, no field above MemTotal, one cpu line per
 * visible CPU, busy+idle = wall time). REGEN=1 rewrites the golden files.
 */
#include "../../common/unit.h"
#include "view/render/render.h"
#include "common/util.h"
#include "view/files.h"

static void mem_v2(struct mem_limits *m, uint64_t limit, uint64_t usage)
{
	char *stat = unit_fixture("memory.stat.v2");

	memset(m, 0, sizeof(*m));
	mem_stat_parse(stat, 0, &m->stat);
	free(stat);
	m->limit = limit;
	m->usage = usage;
	m->swap_known = 1;
	m->swap_limit = 0;
}

static void same_keys_in_order(const char *host, const char *out)
{
	const char *h = host, *o = out;

	while (*h) {
		const char *hc = strchr(h, ':'), *oc = strchr(o, ':');

		assert_non_null(oc);
		assert_int_equal(hc - h, oc - o);
		assert_memory_equal(h, o, (size_t)(hc - h));
		/* the value column ends where the host's does */
		assert_int_equal(strchr(h, '\n') - h, strchr(o, '\n') - o >= strchr(h, '\n') - h
				 ? strchr(h, '\n') - h : -1);
		h = strchr(h, '\n') + 1;
		o = strchr(o, '\n') + 1;
	}
	assert_int_equal(*o, '\0');
}

static void meminfo_limited_v2(void **state)
{
	char *host = unit_fixture("meminfo.host"), *out = NULL;
	struct mem_limits m;
	const char *p;
	size_t len;
	long long total;

	(void)state;
	mem_v2(&m, 512 * MiB, 180 * MiB);
	assert_int_equal(render_meminfo(host, &m, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	same_keys_in_order(host, out);
	total = unit_kb_of(out, "MemTotal");
	assert_int_equal(total, 524288);
	assert_int_equal(unit_kb_of(out, "MemFree"), 524288 - 180 * 1024);
	assert_int_equal(unit_kb_of(out, "AnonPages"), 102400);
	assert_int_equal(unit_kb_of(out, "Cached"), 51200);
	assert_int_equal(unit_kb_of(out, "Shmem"), 4096);
	assert_int_equal(unit_kb_of(out, "Slab"), 5120);
	assert_int_equal(unit_kb_of(out, "SwapTotal"), 0);	/* swap.max 0: cannot swap */
	/* no field larger than MemTotal (swap aside) */
	for (p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *c = strchr(p, ':');

		if (strncmp(p, "Swap", 4) && strstr(p, " kB"))
			assert_true(atoll(c + 1) <= total);
	}
	unit_golden("meminfo_v2_512M", out);
	free(out);
	free(host);
}

static void meminfo_unlimited_keeps_host_total(void **state)
{
	char *host = unit_fixture("meminfo-swap.host"), *out = NULL;
	struct mem_limits m;
	size_t len;

	(void)state;
	mem_v2(&m, KAVA_UNLIMITED, 200 * MiB);
	m.swap_limit = KAVA_UNLIMITED;
	m.swap_usage = 4 * MiB;
	assert_int_equal(render_meminfo(host, &m, &out, &len), 0);
	assert_int_equal(unit_kb_of(out, "MemTotal"), unit_kb_of(host, "MemTotal"));
	assert_int_equal(unit_kb_of(out, "SwapTotal"), 8388604);	/* unlimited: the host's swap */
	assert_int_equal(unit_kb_of(out, "SwapFree"), 8388604 - 4096);
	free(out);
	/* a swap limit below the host's swap */
	m.swap_limit = 256 * MiB;
	assert_int_equal(render_meminfo(host, &m, &out, &len), 0);
	assert_int_equal(unit_kb_of(out, "SwapTotal"), 262144);
	assert_int_equal(unit_kb_of(out, "SwapFree"), 262144 - 4096);
	free(out);
	/* no swap accounting at all: the host's lines */
	m.swap_known = 0;
	assert_int_equal(render_meminfo(host, &m, &out, &len), 0);
	assert_int_equal(unit_kb_of(out, "SwapFree"), 8387580);
	free(out);
	free(host);
}

static void memory_stat_v1_maps_onto_v2(void **state)
{
	char *v1 = unit_fixture("memory.stat.v1"), *v2 = unit_fixture("memory.stat.v2");
	struct mem_stat a, b;

	(void)state;
	mem_stat_parse(v1, 1, &a);
	mem_stat_parse(v2, 0, &b);
	assert_int_equal(a.anon, b.anon);
	assert_int_equal(a.file, b.file);
	assert_int_equal(a.shmem, b.shmem);
	assert_int_equal(a.file_mapped, b.file_mapped);
	assert_int_equal(a.active_file, b.active_file);
	assert_int_equal(a.inactive_anon, b.inactive_anon);
	assert_int_equal(a.slab_reclaimable, 0);	/* v1 has no slab split */
	assert_int_equal(parse_limit("max\n"), KAVA_UNLIMITED);
	assert_int_equal(parse_limit("536870912\n"), 536870912);
	assert_int_equal(parse_limit("9223372036854771712\n"), KAVA_UNLIMITED);	/* v1 "none" */
	free(v1);
	free(v2);
}

static void cpulists(void **state)
{
	struct cpuset s, v;
	struct kbuf b = { 0 };
	char *out;
	size_t len;

	(void)state;
	assert_int_equal(cpuset_parse("0-3,8,10-11\n", &s), 0);
	assert_int_equal(cpuset_count(&s), 7);
	assert_true(cpuset_has(&s, 8) && !cpuset_has(&s, 9) && cpuset_has(&s, 11));
	cpuset_format(&s, &b);
	assert_int_equal(kbuf_finish(&b, &out, &len), 0);
	assert_string_equal(out, "0-3,8,10-11\n");
	free(out);
	assert_int_equal(cpuset_parse("", &s), 0);
	assert_int_equal(cpuset_count(&s), 0);
	assert_int_equal(cpuset_parse("3-1", &s), -EINVAL);
	assert_int_equal(cpuset_parse("a", &s), -EINVAL);
	assert_int_equal(cpuset_parse("1,,2", &s), -EINVAL);
	assert_int_equal(cpuset_parse("0-99999", &s), -EINVAL);
	/* quota cut: ceil(150000/100000) = 2 of 0-3,8,10-11 -> 0,1 */
	cpuset_parse("0-3,8,10-11", &s);
	cpuset_visible(&s, 150000, 100000, &v);
	assert_int_equal(cpuset_count(&v), 2);
	assert_true(cpuset_has(&v, 0) && cpuset_has(&v, 1));
	cpuset_visible(&s, -1, 100000, &v);	/* no quota */
	assert_int_equal(cpuset_count(&v), 7);
	cpuset_visible(&s, 1000, 100000, &v);	/* tiny quota still shows one CPU */
	assert_int_equal(cpuset_count(&v), 1);
	cpuset_visible(&s, 5000000, 100000, &v);	/* quota above the cpuset */
	assert_int_equal(cpuset_count(&v), 7);
}

static int count_lines_starting(const char *text, const char *prefix)
{
	int n = 0;
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static void cpuinfo_odd_cpuset_on_64(void **state)
{
	char *host = unit_fixture("cpuinfo64.host"), *out = NULL;
	struct cpuset vis;
	size_t len;

	(void)state;
	cpuset_parse("0-3,8,10-11", &vis);
	assert_int_equal(render_cpuinfo(host, &vis, &out, &len), 0);
	assert_int_equal(count_lines_starting(out, "processor"), 7);
	assert_non_null(strstr(out, "processor\t: 6\n"));
	assert_null(strstr(out, "processor\t: 7\n"));
	assert_int_equal(count_lines_starting(out, "siblings\t: 7"), 7);
	assert_int_equal(count_lines_starting(out, "cpu cores\t: 7"), 7);
	assert_int_equal(count_lines_starting(out, "physical id\t: 0"), 7);
	unit_golden("cpuinfo_odd", out);
	free(out);
	cpuset_parse("0", &vis);
	assert_int_equal(render_cpuinfo(host, &vis, &out, &len), 0);
	assert_int_equal(count_lines_starting(out, "processor"), 1);
	free(out);
	free(host);
}

static struct kava_figures *figures_64(void)
{
	struct kava_figures *f = calloc(1, sizeof(*f));
	unsigned int c;

	assert_non_null(f);
	f->nr_cpus = 64;
	for (c = 0; c < 64; c++) {
		f->cpu[c].user_ns = (c + 1) * 1000000000ull;	/* c+1 seconds */
		f->cpu[c].system_ns = 500000000ull;
	}
	f->switches = 12345;
	f->forks = 678;
	f->nr_running = 3;
	f->nr_iowait = 1;
	f->enabled_ns = 1000ull * 1000000000ull;
	return f;
}

static void stat_odd_cpuset_on_64(void **state)
{
	struct kava_figures *f = figures_64();
	char *host = unit_fixture("stat.host"), *out = NULL, name[16];
	struct stat_inputs in = { 0 };
	struct cpuset vis;
	unsigned long long u, n, s, idle, total_u = 0, total_i = 0;
	size_t len;
	int i;

	(void)state;
	cpuset_parse("0-3,8,10-11", &vis);
	in.host = host;
	in.visible = &vis;
	in.fig = f;
	in.uptime_ns = 3600ull * 1000000000ull;	/* one hour after the origin */
	in.user_hz = 100;
	assert_int_equal(render_stat(&in, &out, &len), 0);
	assert_int_equal(count_lines_starting(out, "cpu"), 8);	/* "cpu " + 7 */
	for (i = 0; i < 7; i++) {
		const char *line;

		snprintf(name, sizeof(name), "cpu%d ", i);
		line = strstr(out, name);
		assert_non_null(line);
		assert_int_equal(sscanf(line + strlen(name), "%llu %llu %llu %llu", &u, &n, &s, &idle), 4);
		/* busy + idle = the hour of wall time on every visible CPU */
		assert_int_equal(u + s + idle, 360000);
		total_u += u;
		total_i += idle;
	}
	/* every host CPU's time is somewhere: sum of 1..64 s = 2080 s of user */
	assert_int_equal(total_u, 208000);
	assert_int_equal(sscanf(out, "cpu  %llu %llu %llu %llu", &u, &n, &s, &idle), 4);
	assert_int_equal(u, total_u);
	assert_int_equal(idle, total_i);
	assert_non_null(strstr(out, "ctxt 12345\n"));
	assert_non_null(strstr(out, "processes 678\n"));
	assert_non_null(strstr(out, "procs_running 3\n"));
	assert_non_null(strstr(out, "procs_blocked 1\n"));
	{
		/* btime is the host's: ps computes start times from it */
		const char *hb = strstr(host, "btime ");
		char line[64];

		assert_non_null(hb);
		snprintf(line, sizeof(line), "%.*s", (int)(strchr(hb, '\n') - hb + 1), hb);
		assert_non_null(strstr(out, line));
	}
	unit_golden("stat_odd", out);
	free(out);
	free(host);
	free(f);
}

static void loadavg_and_small_files(void **state)
{
	struct kava_figures *f = figures_64();
	char *out = NULL;
	size_t len;

	(void)state;
	f->avenrun[0] = 2595;	/* 1.27 */
	f->avenrun[1] = 750;	/* 0.37 */
	f->avenrun[2] = 0;
	f->nr_threads = 42;
	f->last_pid = 4242;
	assert_int_equal(render_loadavg(f, &out, &len), 0);
	assert_string_equal(out, "1.27 0.37 0.00 3/42 4242\n");
	free(out);
	f->nr_running = -1;	/* transient per-CPU skew never prints negative */
	assert_int_equal(render_loadavg(f, &out, &len), 0);
	assert_string_equal(out, "1.27 0.37 0.00 0/42 4242\n");
	free(out);
	{
		/* 2 CPUs seen, 123.456 s up; 100 s busy on one, 20 on the other:
		 * idle = (123.45 - 100) + (123.45 - 20) s */
		struct stat_inputs in = { .fig = f, .user_hz = 100 };
		struct cpuset two;
		unsigned int c;

		for (c = 0; c < 64; c++)
			f->cpu[c].user_ns = f->cpu[c].system_ns = 0;
		f->cpu[0].user_ns = 100ull * 1000000000ull;
		f->cpu[1].system_ns = 20ull * 1000000000ull;
		cpuset_parse("0-1", &two);
		in.visible = &two;
		in.uptime_ns = 123456000000ull;
		assert_int_equal(render_uptime(&in, &out, &len), 0);
		assert_string_equal(out, "123.45 126.90\n");
		free(out);
		/* busier than the span (clock skew): idle 0, not negative */
		f->cpu[1].system_ns = 200ull * 1000000000ull;
		assert_int_equal(render_uptime(&in, &out, &len), 0);
		assert_string_equal(out, "123.45 23.45\n");
		free(out);
	}
	assert_int_equal(render_cpu_range(1, &out, &len), 0);
	assert_string_equal(out, "0\n");
	free(out);
	assert_int_equal(render_cpu_range(7, &out, &len), 0);
	assert_string_equal(out, "0-6\n");
	free(out);
	free(f);
}

static char *mask_of(const char *list, int nbits)
{
	struct kbuf b = { 0 };
	struct cpuset s;
	char *out;
	size_t len;

	assert_int_equal(cpuset_parse(list, &s), 0);
	cpuset_format_mask(&s, nbits, &b);
	assert_int_equal(kbuf_finish(&b, &out, &len), 0);
	return out;
}

/* The kernel's cpumask text, as this host's sysfs and bitmap_string() print it. */
static void cpumask_files(void **state)
{
	static const struct { const char *list; int nbits; const char *text; } cases[] = {
		{ "0-1", 2, "3\n" },
		{ "0", 2, "1\n" },
		{ "0", 1, "1\n" },
		{ "5", 8, "20\n" },
		{ "0-31", 32, "ffffffff\n" },
		{ "32", 33, "1,00000000\n" },
		{ "0-35", 36, "f,ffffffff\n" },
		{ "0-63", 64, "ffffffff,ffffffff\n" },
		{ "1,33", 64, "00000002,00000002\n" },
		{ "0", 96, "00000000,00000000,00000001\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = mask_of(cases[i].list, cases[i].nbits);

		assert_string_equal(out, cases[i].text);
		free(out);
	}
}

static char *topology(const char *name, int cpu, int count)
{
	const struct topology_file *tf = NULL;
	char path[128], *out = NULL;
	size_t len;
	int c = -1;

	snprintf(path, sizeof(path), VIEW_CPU_DIR "/cpu%d/topology/%s", cpu, name);
	assert_int_equal(view_cpu_path(path, &c, &tf), CPU_PATH_TOPOLOGY_FILE);
	assert_int_equal(c, cpu);
	assert_int_equal(render_cpu_topology(tf->value, cpu, count, &out, &len), 0);
	assert_int_equal(len, strlen(out));
	return out;
}

/* One package, one core per visible CPU, one thread per core (cpuinfo's model). */
static void cpu_topology_files(void **state)
{
	static const struct { const char *name; int cpu, count; const char *text; } cases[] = {
		{ "core_id", 2, 4, "2\n" },
		{ "physical_package_id", 2, 4, "0\n" },
		{ "die_id", 3, 4, "0\n" },
		{ "thread_siblings", 2, 4, "4\n" },
		{ "thread_siblings_list", 2, 4, "2\n" },
		{ "core_cpus", 0, 1, "1\n" },
		{ "core_cpus_list", 39, 40, "39\n" },
		{ "core_siblings", 1, 4, "f\n" },
		{ "core_siblings_list", 1, 4, "0-3\n" },
		{ "package_cpus", 0, 40, "ff,ffffffff\n" },
		{ "package_cpus_list", 0, 1, "0\n" },
		{ "die_cpus", 5, 6, "3f\n" },
		{ "die_cpus_list", 5, 6, "0-5\n" },
	};
	const struct topology_file *tf = NULL;
	char *out = NULL;
	size_t i, len;
	int cpu = -1;

	(void)state;
	assert_int_equal(sizeof(cases) / sizeof(cases[0]), TOPOLOGY_FILE_COUNT);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = topology(cases[i].name, cases[i].cpu, cases[i].count);
		assert_string_equal(out, cases[i].text);
		free(out);
	}
	/* a CPU past the count, or no CPUs, is refused rather than invented */
	assert_int_equal(render_cpu_topology(TOPO_CPU_ID, 4, 4, &out, &len), -EINVAL);
	assert_int_equal(render_cpu_topology(TOPO_ALL_MASK, 0, 0, &out, &len), -EINVAL);
	assert_int_equal(render_cpu_topology(TOPO_SELF_LIST, -1, 4, &out, &len), -EINVAL);

	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu12", &cpu, &tf), CPU_PATH_DIR);
	assert_int_equal(cpu, 12);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu0/topology", &cpu, &tf),
			 CPU_PATH_TOPOLOGY_DIR);
	assert_int_equal(cpu, 0);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu01", &cpu, &tf), CPU_PATH_NONE);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu", &cpu, &tf), CPU_PATH_NONE);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu1x", &cpu, &tf), CPU_PATH_NONE);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu1024", &cpu, &tf), CPU_PATH_NONE);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu1/topologyx", &cpu, &tf), CPU_PATH_NONE);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu1/topology/", &cpu, &tf), CPU_PATH_NONE);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu1/topology/cluster_id", &cpu, &tf),
			 CPU_PATH_NONE);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/cpu1/cache", &cpu, &tf), CPU_PATH_NONE);
	assert_int_equal(view_cpu_path(VIEW_CPU_DIR "/online", &cpu, &tf), CPU_PATH_NONE);
}

/* Every path of the view has one inode and back; unknown ones have none. */
static void view_inodes_are_stable(void **state)
{
	const char *paths[] = { "", "proc", "proc/pressure", VIEW_CPU_DIR, "proc/meminfo",
				"proc/pressure/io", VIEW_CPU_DIR "/online", VIEW_CPU_DIR "/cpu0",
				VIEW_CPU_DIR "/cpu1023/topology",
				VIEW_CPU_DIR "/cpu7/topology/die_cpus_list",
				VIEW_CPU_DIR "/cpu0/topology/core_id" };
	char back[256];
	uint64_t seen[sizeof(paths) / sizeof(paths[0])];
	size_t i, j;

	(void)state;
	assert_int_equal(view_ino_of(""), 1);	/* FUSE_ROOT_ID */
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		seen[i] = view_ino_of(paths[i]);
		assert_true(seen[i] != 0);
		for (j = 0; j < i; j++)
			assert_true(seen[j] != seen[i]);
		assert_int_equal(view_path_of(seen[i], back, sizeof(back)), 0);
		assert_string_equal(back, paths[i]);
	}
	assert_int_equal(view_ino_of("proc/nope"), 0);
	assert_int_equal(view_ino_of(VIEW_CPU_DIR "/cpu1024"), 0);
	assert_int_equal(view_path_of(0, back, sizeof(back)), -ENOENT);
	assert_int_equal(view_path_of(99, back, sizeof(back)), -ENOENT);
	assert_int_equal(view_path_of(1000 + 15, back, sizeof(back)), -ENOENT);
	assert_int_equal(view_path_of(1000 + 16 * 1024, back, sizeof(back)), -ENOENT);
	assert_int_equal(view_path_of(view_ino_of("proc/meminfo"), back, 5), -ENAMETOOLONG);
}

static void swaps_follow_the_limit(void **state)
{
	char *host = unit_fixture("swaps.host"), *out = NULL;
	struct mem_limits m;
	size_t len;

	(void)state;
	mem_v2(&m, 512 * MiB, 0);
	assert_int_equal(render_swaps(host, &m, &out, &len), 0);	/* cannot swap: header only */
	assert_int_equal(count_lines_starting(out, "Filename"), 1);
	assert_int_equal(strchr(out, '\n')[1], '\0');
	free(out);
	m.swap_limit = 256 * MiB;
	m.swap_usage = MiB;
	assert_int_equal(render_swaps(host, &m, &out, &len), 0);
	assert_non_null(strstr(out, "virtual\t\t262144\t1024\t0\n"));
	free(out);
	m.swap_limit = KAVA_UNLIMITED;	/* unlimited: the host's devices */
	assert_int_equal(render_swaps(host, &m, &out, &len), 0);
	assert_string_equal(out, host);
	free(out);
	free(host);
}

static void diskstats_v2_and_v1(void **state)
{
	char *host = unit_fixture("diskstats.host"), *io2 = unit_fixture("io.stat.v2");
	char *b1 = unit_fixture("blkio.bytes.v1"), *i1 = unit_fixture("blkio.ios.v1"), *out = NULL, *out1 = NULL;
	struct io_stats io, io1;
	size_t len;

	(void)state;
	io_stat_parse_v2(io2, &io);
	assert_int_equal(io.n, 2);
	assert_int_equal(render_diskstats(host, &io, &out, &len), 0);
	assert_non_null(strstr(out, "   8       0 sda 10 0 2048 0 20 0 4096 0 0 0 0 0 0 0 0 0 0\n"));
	assert_non_null(strstr(out, " 253       0 dm-0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"));
	assert_null(strstr(out, "loop0"));
	assert_null(strstr(out, "sda1"));
	io_stat_parse_v1(b1, i1, &io1);
	assert_int_equal(render_diskstats(host, &io1, &out1, &len), 0);
	assert_non_null(strstr(out1, "   8       0 sda 10 0 2048 0 20 0 4096 0"));
	unit_golden("diskstats_v2", out);
	free(out);
	free(out1);
	free(host);
	free(io2);
	free(b1);
	free(i1);
}

/*
 * Without swap on the host, no swap figure of the container changes what
 * meminfo or swaps show: limits_read_mem() does not read its swap files then.
 */
static void no_host_swap_no_container_swap(void **state)
{
	/* the fixture's host has no swap (SwapTotal 0, as this development VM) */
	char *host = unit_fixture("meminfo.host"), *first = NULL, *out = NULL;
	static const char swaps_host[] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
	const struct { int known; uint64_t limit, usage; } cases[] = {
		{ 0, KAVA_UNLIMITED, 0 }, { 1, KAVA_UNLIMITED, 0 }, { 1, KAVA_UNLIMITED, 64 * MiB },
		{ 1, 256 * MiB, 3 * MiB }, { 1, 0, 0 }, { 0, 256 * MiB, 5 * MiB },
	};
	struct mem_limits m;
	size_t len, i;

	(void)state;
	assert_int_equal(unit_kb_of(host, "SwapTotal"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mem_v2(&m, 512 * MiB, 180 * MiB);
		m.swap_known = cases[i].known;
		m.swap_limit = cases[i].limit;
		m.swap_usage = cases[i].usage;
		assert_int_equal(render_meminfo(host, &m, &out, &len), 0);
		assert_int_equal(unit_kb_of(out, "SwapTotal"), 0);
		if (first)
			assert_string_equal(out, first);
		else
			first = out, out = NULL;
		free(out);
		assert_int_equal(render_swaps(swaps_host, &m, &out, &len), 0);
		assert_string_equal(out, swaps_host);
		free(out);
		out = NULL;
	}
	free(first);
	free(host);
}

/*
 * How far a reader of the host's cpuinfo and diskstats must read
 * (fdcache_read_until()): to the whole block of every visible CPU, the whole
 * line of every device the container did I/O on; a text cut inside one is
 * not enough.
 */
static void enough_of_the_host_text(void **state)
{
	char *f1 = unit_fixture("cpuinfo64.host"), *f2 = unit_fixture("diskstats.host");
	char *io2 = unit_fixture("io.stat.v2"), *cpuinfo = strdup(f1), *disks = strdup(f2);
	char *second, *cut;
	struct cpuset vis;
	struct io_stats io;
	size_t len;

	(void)state;
	free(f1);
	free(f2);
	assert_non_null(cpuinfo);
	assert_non_null(disks);
	len = strlen(cpuinfo);
	second = strstr(cpuinfo, "\n\nprocessor") + 2;	/* where CPU 1's block starts */
	assert_int_equal(cpuset_parse("0\n", &vis), 0);
#if defined(__x86_64__)
	assert_int_equal(render_cpuinfo_has_blocks(cpuinfo, len, &vis), 1);
	assert_int_equal(render_cpuinfo_has_blocks(cpuinfo, (size_t)(second - cpuinfo), &vis), 1);
	assert_int_equal(render_cpuinfo_has_blocks(cpuinfo, (size_t)(second - cpuinfo) - 1, &vis), 0);
	assert_int_equal(cpuset_parse("0,63\n", &vis), 0);
	assert_int_equal(render_cpuinfo_has_blocks(cpuinfo, len, &vis), 1);
	assert_int_equal(render_cpuinfo_has_blocks(cpuinfo, (size_t)(second - cpuinfo), &vis), 0);
	assert_int_equal(cpuset_parse("64\n", &vis), 0);	/* not online: read to the end */
	assert_int_equal(render_cpuinfo_has_blocks(cpuinfo, len, &vis), 0);
#else
	assert_int_equal(render_cpuinfo_has_blocks(cpuinfo, len, &vis), 0);
#endif
	io_stat_parse_v2(io2, &io);	/* sda (8:0) and dm-0 (253:0) */
	assert_int_equal(render_diskstats_has_lines(disks, &io), 1);
	cut = strstr(disks, " 253 ");
	assert_non_null(cut);
	cut[0] = '\0';	/* up to dm-0's line: not enough */
	assert_int_equal(render_diskstats_has_lines(disks, &io), 0);
	io.n = 1;	/* sda only */
	assert_int_equal(render_diskstats_has_lines(disks, &io), 1);
	cut = strstr(disks, "   8       0 sda");
	cut[20] = '\0';	/* sda's line cut short */
	assert_int_equal(render_diskstats_has_lines(disks, &io), 0);
	io.n = 0;	/* no I/O: an empty file, whatever the host has */
	assert_int_equal(render_diskstats_has_lines(disks, &io), 1);
	free(cpuinfo);
	free(disks);
	free(io2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meminfo_limited_v2),
		cmocka_unit_test(meminfo_unlimited_keeps_host_total),
		cmocka_unit_test(memory_stat_v1_maps_onto_v2),
		cmocka_unit_test(cpulists),
		cmocka_unit_test(cpumask_files),
		cmocka_unit_test(cpu_topology_files),
		cmocka_unit_test(view_inodes_are_stable),
		cmocka_unit_test(cpuinfo_odd_cpuset_on_64),
		cmocka_unit_test(stat_odd_cpuset_on_64),
		cmocka_unit_test(loadavg_and_small_files),
		cmocka_unit_test(swaps_follow_the_limit),
		cmocka_unit_test(no_host_swap_no_container_swap),
		cmocka_unit_test(diskstats_v2_and_v1),
		cmocka_unit_test(enough_of_the_host_text),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
