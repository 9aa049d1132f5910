// SPDX-License-Identifier: GPL-2.0
/*
 * More renderer cases against fixtures (tests/fixtures/render): v1 inputs,
 * cgroups without limits, a cpu.max quota cutting an odd cpuset on a 64-CPU
 * host, swap unlimited / zero / not accounted / absent on the host, arm
 * cpuinfo, old 14-field diskstats, and property sweeps (no meminfo field
 * above MemTotal, one cpu line per visible CPU, busy+idle = wall time,
 * counters monotonic between reads, uptime's idle = stat's idle and never
 * above uptime x CPUs). REGEN=1 rewrites the golden files.
 */
#include "../../common/unit.h"
#include "view/render/render.h"
#include "common/util.h"

#define NS 1000000000ull

static int count_lines_starting(const char *text, const char *prefix)
{
	const char *p;
	int n = 0;

	for (p = text; p && *p; p = unit_next_line(p))
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static int count_lines(const char *text)
{
	const char *p;
	int n = 0;

	for (p = text; p && *p; p = unit_next_line(p))
		n++;
	return n;
}

/* Properties every meminfo must have, whatever the inputs. */
static void meminfo_properties(const char *host, const char *out)
{
	long long total = unit_kb_of(out, "MemTotal"), host_total = unit_kb_of(host, "MemTotal");
	const char *p;

	assert_true(total > 0 && total <= host_total);
	assert_int_equal(count_lines(out), count_lines(host));	/* every host line */
	assert_true(unit_kb_of(out, "MemFree") <= unit_kb_of(out, "MemAvailable"));
	assert_true(unit_kb_of(out, "SwapFree") <= unit_kb_of(out, "SwapTotal"));
	assert_true(unit_kb_of(out, "SwapTotal") <= unit_kb_of(host, "SwapTotal"));
	for (p = out; p && *p; p = unit_next_line(p)) {
		const char *c = strchr(p, ':'), *eol = strchr(p, '\n');

		assert_non_null(c);
		assert_non_null(eol);
		if (strncmp(p, "Swap", 4) && eol - p > 3 && !strncmp(eol - 3, " kB", 3))
			assert_true(atoll(c + 1) <= total);
	}
}

static void mem_from(struct mem_limits *m, const char *stat_fixture, int v1, uint64_t limit,
		     uint64_t usage)
{
	char *stat = unit_fixture(stat_fixture);

	memset(m, 0, sizeof(*m));
	mem_stat_parse(stat, v1, &m->stat);
	free(stat);
	m->limit = limit;
	m->usage = usage;
	m->swap_known = 1;
	m->swap_limit = KAVA_UNLIMITED;
}

static void meminfo_v1_hybrid(void **state)
{
	char *host = unit_fixture("meminfo-swap.host"), *out = NULL;
	struct mem_limits m;
	size_t len;

	(void)state;
	/* v1: memory.limit_in_bytes 256M, memsw unlimited, total_swap 2M in use */
	mem_from(&m, "memory.stat.v1", 1, 256 * MiB, 100 * MiB);
	m.swap_usage = 2 * MiB;
	assert_int_equal(render_meminfo(host, &m, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	meminfo_properties(host, out);
	assert_int_equal(unit_kb_of(out, "MemTotal"), 262144);
	assert_int_equal(unit_kb_of(out, "MemFree"), 262144 - 102400);
	assert_int_equal(unit_kb_of(out, "AnonPages"), 102400);	/* total_rss */
	assert_int_equal(unit_kb_of(out, "SwapTotal"), 8388604);	/* memsw unlimited: host swap */
	assert_int_equal(unit_kb_of(out, "SwapFree"), 8388604 - 2048);
	assert_int_equal(unit_kb_of(out, "Slab"), 0);		/* v1 has no slab split */
	unit_golden("meminfo_v1_256M", out);
	free(out);
	free(host);
}

static void meminfo_no_limit_anywhere(void **state)
{
	char *host = unit_fixture("meminfo.host"), *out = NULL;
	struct mem_limits m;
	size_t len;

	(void)state;
	mem_from(&m, "memory.stat.v2", 0, KAVA_UNLIMITED, 200 * MiB);
	assert_int_equal(render_meminfo(host, &m, &out, &len), 0);
	meminfo_properties(host, out);
	assert_int_equal(unit_kb_of(out, "MemTotal"), unit_kb_of(host, "MemTotal"));
	assert_int_equal(unit_kb_of(out, "MemFree"), unit_kb_of(host, "MemTotal") - 204800);
	assert_int_equal(unit_kb_of(out, "SwapTotal"), 0);	/* the host has none */
	unit_golden("meminfo_v2_nolimit", out);
	free(out);
	free(host);
}

static void meminfo_property_sweep(void **state)
{
	static const uint64_t limits[] = { MiB, 64 * MiB, 512 * MiB, 10240 * MiB, 1ull << 40,
					   KAVA_UNLIMITED };
	static const char *const hosts[] = { "meminfo.host", "meminfo-swap.host" };
	size_t l, h, u;

	(void)state;
	for (h = 0; h < 2; h++) {
		char *host = unit_fixture(hosts[h]);

		for (l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
			uint64_t lim = limits[l] == KAVA_UNLIMITED ? 1ull << 36 : limits[l];
			uint64_t usages[] = { 0, lim / 2, lim * 2 };	/* over the limit too */

			for (u = 0; u < 3; u++) {
				struct mem_limits m;
				char *out = NULL;
				size_t len;

				mem_from(&m, "memory.stat.v2", 0, limits[l], usages[u]);
				m.swap_limit = u == 1 ? 0 : 128 * MiB;
				m.swap_usage = 512 * MiB;	/* above its limit: clamps */
				assert_int_equal(render_meminfo(host, &m, &out, &len), 0);
				meminfo_properties(host, out);
				free(out);
			}
		}
		free(host);
	}
}

static void swap_cases(void **state)
{
	char *host_swaps = unit_fixture("swaps.host"), *none = unit_fixture("swaps-none.host");
	char *host_mem = unit_fixture("meminfo.host"), *out = NULL;
	struct mem_limits m;
	size_t len;

	(void)state;
	mem_from(&m, "memory.stat.v2", 0, 512 * MiB, 0);
	/* a 256M swap limit on a host without swap: none in swaps, 0 in meminfo */
	m.swap_limit = 256 * MiB;
	assert_int_equal(render_swaps(none, &m, &out, &len), 0);
	assert_string_equal(out, none);
	free(out);
	assert_int_equal(render_meminfo(host_mem, &m, &out, &len), 0);
	assert_int_equal(unit_kb_of(out, "SwapTotal"), 0);
	free(out);
	/* a limit above the host's 8G of swap: the host's size */
	m.swap_limit = 64 * 1024 * MiB;
	m.swap_usage = MiB;
	assert_int_equal(render_swaps(host_swaps, &m, &out, &len), 0);
	assert_non_null(strstr(out, "virtual\t\t8388604\t1024\t0\n"));
	unit_golden("swaps_limited", out);
	free(out);
	/* swap.max 0 */
	m.swap_limit = 0;
	assert_int_equal(render_swaps(host_swaps, &m, &out, &len), 0);
	assert_int_equal(count_lines(out), 1);
	free(out);
	/* no swap accounting (v1 without memsw): the host's devices */
	m.swap_known = 0;
	m.swap_limit = KAVA_UNLIMITED;
	assert_int_equal(render_swaps(host_swaps, &m, &out, &len), 0);
	assert_string_equal(out, host_swaps);
	free(out);
	assert_int_equal(render_swaps(NULL, &m, &out, &len), -EINVAL);
	free(host_swaps);
	free(none);
	free(host_mem);
}

/* 64 host CPUs; the container ran `busy_s` seconds on each CPU of `ran`. */
static struct kava_figures *figures(const char *ran, uint64_t busy_ns, uint64_t enabled_ns)
{
	struct kava_figures *f = calloc(1, sizeof(*f));
	struct cpuset s;
	int c;

	assert_non_null(f);
	assert_int_equal(cpuset_parse(ran, &s), 0);
	f->nr_cpus = 64;
	for (c = 0; c < 64; c++) {
		if (!cpuset_has(&s, c))
			continue;
		f->cpu[c].user_ns = busy_ns / 4 * 3 + (uint64_t)c * 10000000ull;
		f->cpu[c].system_ns = busy_ns / 4;
	}
	f->switches = 999;
	f->forks = 77;
	f->nr_running = 2;
	f->enabled_ns = enabled_ns;
	f->start_boot_ns = enabled_ns;	/* no task older than the enable */
	return f;
}

struct cpu_line {
	unsigned long long user, nice, system, idle;
};

static void cpu_line_of(const char *out, int i, struct cpu_line *l)
{
	char name[16];
	const char *p;

	snprintf(name, sizeof(name), i < 0 ? "cpu  " : "cpu%d ", i);
	p = strstr(out, name);
	assert_non_null(p);
	assert_int_equal(sscanf(p + strlen(name), "%llu %llu %llu %llu", &l->user, &l->nice,
				&l->system, &l->idle), 4);
}

static char *stat_at(struct stat_inputs *in, uint64_t now_ns)
{
	char *out = NULL;
	size_t len;

	/* as content.c: a clock before the origin is an uptime of 0 */
	in->uptime_ns = now_ns > in->fig->start_boot_ns ? now_ns - in->fig->start_boot_ns : 0;
	assert_int_equal(render_stat(in, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	return out;
}

static void stat_quota_cut_on_64(void **state)
{
	char *host = unit_fixture("stat.host"), *out, *later;
	struct cpuset eff, vis;
	struct stat_inputs in = { 0 };
	struct kava_figures *f;
	struct cpu_line l, l2, total;
	unsigned long long sum_user = 0;
	int i, c;

	(void)state;
	/* cpu.max 150000 100000 on cpuset 0-3,8,10-11: ceil(1.5) = 2 CPUs seen */
	assert_int_equal(cpuset_parse("0-3,8,10-11", &eff), 0);
	cpuset_visible(&eff, 150000, 100000, &vis);
	assert_int_equal(cpuset_count(&vis), 2);
	/* 100 s of wall time, 1.5 CPUs' worth of work over 7 CPUs, one of them busy throughout */
	f = figures("0-3,8,10-11", 5 * NS, 1000 * NS);
	f->cpu[0].user_ns = 90 * NS;
	f->cpu[0].system_ns = 10 * NS;
	in.host = host;
	in.visible = &vis;
	in.fig = f;
	in.user_hz = 100;
	out = stat_at(&in, 1100 * NS);
	assert_int_equal(count_lines_starting(out, "cpu"), 3);	/* "cpu " + one per visible CPU */
	for (i = 0; i < 2; i++) {
		cpu_line_of(out, i, &l);
		assert_int_equal(l.user + l.system + l.idle, 10000);	/* 100 s at USER_HZ 100 */
		sum_user += l.user;
	}
	cpu_line_of(out, -1, &total);
	assert_int_equal(total.user, sum_user);
	for (c = 0, sum_user = 0; c < 64; c++)
		sum_user += f->cpu[c].user_ns;
	assert_int_equal(total.user, sum_user / (NS / 100));	/* no time lost */
	unit_golden("stat_quota", out);
	/* 10 s later at full quota on CPU 8: every counter moves forward, none past wall */
	f->cpu[8].user_ns += 15 * NS;
	later = stat_at(&in, 1110 * NS);
	for (i = -1; i < 2; i++) {
		cpu_line_of(out, i, &l);
		cpu_line_of(later, i, &l2);
		assert_true(l2.user >= l.user && l2.system >= l.system && l2.idle >= l.idle);
	}
	free(out);
	free(later);
	free(host);
	free(f);
}

static void stat_plain_cpuset_is_per_cpu(void **state)
{
	char *host = unit_fixture("stat.host"), *out;
	struct stat_inputs in = { 0 };
	struct kava_figures *f;
	struct cpuset vis;
	struct cpu_line l;
	int i, cpus[] = { 0, 1, 2, 3, 8, 10, 11 };

	(void)state;
	assert_int_equal(cpuset_parse("0-3,8,10-11", &vis), 0);
	f = figures("0-3,8,10-11", 40 * NS, 0);
	in.host = host;
	in.visible = &vis;
	in.fig = f;
	in.user_hz = 100;
	out = stat_at(&in, 3600 * NS);
	assert_int_equal(count_lines_starting(out, "cpu"), 8);
	for (i = 0; i < 7; i++) {
		cpu_line_of(out, i, &l);
		/* line i is host CPU cpus[i], renumbered */
		assert_int_equal(l.user, f->cpu[cpus[i]].user_ns / (NS / 100));
		assert_int_equal(l.system, 1000);
		assert_int_equal(l.user + l.system + l.idle, 360000);
	}
	assert_non_null(strstr(out, "ctxt 999\n"));
	assert_non_null(strstr(out, "processes 77\n"));
	assert_non_null(strstr(out, "procs_running 2\n"));
	assert_non_null(strstr(out, "procs_blocked 0\n"));
	assert_non_null(strstr(out, "btime 1795347820\n"));	/* the host's */
	assert_non_null(strstr(out, "softirq 0 0 0 0 0 0 0 0 0 0 0\n"));	/* host's columns */
	free(out);
	free(host);
	free(f);
}

/* A 64-bit pseudo-random number (xorshift64*): the same sequence on every run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/*
 * /proc/uptime against /proc/stat over random inputs: random host CPUs,
 * cpusets and quota cuts, busy time per CPU (some busier than the span:
 * clock skew), uptimes from 0 to years, USER_HZ 100, 250, 1000. uptime's
 * idle is the "cpu " line's idle in seconds, never above uptime x visible
 * CPUs (as printed, in hundredths), and every cpuN line's idle fits the span.
 */
static void uptime_idle_is_stat_idle(void **state)
{
	static const long hzs[] = { 100, 250, 1000 };
	char *host = unit_fixture("stat.host");
	struct kava_figures *f = calloc(1, sizeof(*f));
	uint64_t seed = 0x6b617661ull;
	int iter;

	(void)state;
	assert_non_null(f);
	for (iter = 0; iter < 3000; iter++) {
		struct stat_inputs in = { .host = host, .fig = f };
		struct cpuset eff = { 0 }, vis;
		struct cpu_line total, l;
		unsigned long long up_s, up_c, idle_s, idle_c, up_h, idle_h;
		char *st = NULL, *up = NULL;
		size_t len;
		unsigned int c;
		int n, i;

		memset(f, 0, sizeof(*f));
		f->nr_cpus = 1 + (unsigned int)(rnd(&seed) % 128);
		for (c = 0; c < f->nr_cpus; c++)
			if (rnd(&seed) % 3)
				cpuset_add(&eff, (int)c);
		if (!cpuset_count(&eff))
			cpuset_add(&eff, 0);
		cpuset_visible(&eff, rnd(&seed) % 2 ? (int64_t)(rnd(&seed) % 5000000) + 1 : -1,
			       100000, &vis);
		in.visible = &vis;
		in.user_hz = hzs[rnd(&seed) % 3];
		/* uptimes from 0 to ~3 years, and short ones often */
		in.uptime_ns = rnd(&seed) % 2 ? rnd(&seed) % (100 * NS)
					      : rnd(&seed) % (100000000ull * NS);
		for (c = 0; c < f->nr_cpus; c++) {
			uint64_t busy = in.uptime_ns ? rnd(&seed) % (in.uptime_ns + in.uptime_ns / 8 + 1) : 0;

			f->cpu[c].user_ns = busy / 3 * 2;
			f->cpu[c].system_ns = busy - f->cpu[c].user_ns;
		}
		assert_int_equal(render_stat(&in, &st, &len), 0);
		assert_int_equal(render_uptime(&in, &up, &len), 0);
		assert_int_equal(sscanf(up, "%llu.%llu %llu.%llu", &up_s, &up_c, &idle_s, &idle_c), 4);
		up_h = up_s * 100 + up_c;
		idle_h = idle_s * 100 + idle_c;
		cpu_line_of(st, -1, &total);
		n = cpuset_count(&vis);
		/* the same idle: stat's ticks as uptime's seconds, hundredths truncated */
		assert_int_equal(idle_h, total.idle * 100 / (unsigned long long)in.user_hz);
		assert_true(idle_h <= up_h * (unsigned long long)n);
		assert_int_equal(up_h, in.uptime_ns / 10000000ull);
		for (i = 0; i < n; i++) {
			cpu_line_of(st, i, &l);
			assert_true(l.idle * 100 / (unsigned long long)in.user_hz <= up_h);
		}
		free(st);
		free(up);
	}
	free(f);
	free(host);
}

static void stat_bad_inputs(void **state)
{
	char *host = unit_fixture("stat.host"), *out = NULL;
	struct stat_inputs in = { 0 };
	struct kava_figures *f;
	struct cpuset vis;
	struct cpu_line l;
	size_t len;

	(void)state;
	assert_int_equal(render_stat(&in, &out, &len), -EINVAL);
	assert_int_equal(cpuset_parse("0-1", &vis), 0);
	f = figures("0-1", 10 * NS, 50 * NS);
	f->nr_cpus = 100000;	/* more than KAVA_MAX_CPUS: bounded, not read past cpu[] */
	in.host = host;
	in.visible = &vis;
	in.fig = f;
	in.user_hz = 0;		/* taken as 100 */
	out = stat_at(&in, 10 * NS);	/* a clock before enable: idle 0, no wrap */
	cpu_line_of(out, 0, &l);
	assert_int_equal(l.idle, 0);
	assert_int_equal(l.system, 250);
	free(out);
	/* an empty visible set: only the "cpu " line */
	memset(&vis, 0, sizeof(vis));
	f->nr_cpus = 64;
	out = stat_at(&in, 100 * NS);
	assert_int_equal(count_lines_starting(out, "cpu"), 1);
	free(out);
	free(host);
	free(f);
}

static void cpuinfo_quota_cut_on_64(void **state)
{
	char *host = unit_fixture("cpuinfo64.host"), *out = NULL;
	struct cpuset eff, vis;
	size_t len;

	(void)state;
	assert_int_equal(cpuset_parse("0-3,8,10-11", &eff), 0);
	cpuset_visible(&eff, 250000, 100000, &vis);	/* ceil(2.5) = 3 */
	assert_int_equal(render_cpuinfo(host, &vis, &out, &len), 0);
	assert_int_equal(count_lines_starting(out, "processor"), 3);
	assert_int_equal(count_lines_starting(out, "siblings\t: 3\n"), 3);
	assert_int_equal(count_lines_starting(out, "cpu cores\t: 3\n"), 3);
	assert_int_equal(count_lines_starting(out, "apicid\t\t: 2\n"), 1);
	unit_golden("cpuinfo_quota", out);
	free(out);
	/* CPUs the host file does not list are not counted in siblings */
	assert_int_equal(cpuset_parse("62-63,100-101", &vis), 0);
	assert_int_equal(render_cpuinfo(host, &vis, &out, &len), 0);
	assert_int_equal(count_lines_starting(out, "processor"), 2);
	assert_int_equal(count_lines_starting(out, "siblings\t: 2\n"), 2);
	free(out);
	free(host);
}

static void cpuinfo_arm_keeps_hardware_block(void **state)
{
	char *host = unit_fixture("cpuinfo-arm.host"), *out = NULL;
	struct cpuset vis;
	size_t len;

	(void)state;
	assert_int_equal(cpuset_parse("1,3", &vis), 0);
	assert_int_equal(render_cpuinfo(host, &vis, &out, &len), 0);
	assert_int_equal(count_lines_starting(out, "processor"), 2);
	assert_non_null(strstr(out, "processor\t: 1\n"));
	assert_null(strstr(out, "processor\t: 2\n"));
	assert_non_null(strstr(out, "\nHardware\t: BCM2835\n"));
	unit_golden("cpuinfo_arm", out);
	free(out);
	free(host);
}

static void small_files(void **state)
{
	struct kava_figures *f = figures("0", 0, 0);
	char *out = NULL;
	size_t len;

	(void)state;
	/* loadavg_proc_show(): +FIXED_1/200 rounds to the nearest hundredth */
	f->avenrun[0] = 2048;	/* 1.00 */
	f->avenrun[1] = 10;	/* 0.0049 + 0.005 -> 0.00 */
	f->avenrun[2] = 11;	/* 0.0054 + 0.005 -> 0.01 */
	f->nr_threads = 9;
	f->last_pid = 1;
	assert_int_equal(render_loadavg(f, &out, &len), 0);
	assert_string_equal(out, "1.00 0.00 0.01 2/9 1\n");
	free(out);
	assert_int_equal(render_loadavg(NULL, &out, &len), -EINVAL);
	assert_int_equal(render_cpu_range(64, &out, &len), 0);
	assert_string_equal(out, "0-63\n");
	free(out);
	assert_int_equal(render_cpu_range(0, &out, &len), 0);
	assert_string_equal(out, "0\n");
	free(out);
	free(f);
}

static void diskstats_v1_and_old_format(void **state)
{
	char *host = unit_fixture("diskstats.host"), *old = unit_fixture("diskstats-4.14.host");
	char *b1 = unit_fixture("blkio.bytes.v1"), *i1 = unit_fixture("blkio.ios.v1"), *out = NULL;
	struct io_stats io;
	size_t len;

	(void)state;
	io_stat_parse_v1(b1, i1, &io);
	assert_int_equal(io.n, 1);	/* "Total" lines are not devices */
	assert_int_equal(io.dev[0].rbytes, 1048576);
	assert_int_equal(io.dev[0].wios, 20);
	assert_int_equal(render_diskstats(host, &io, &out, &len), 0);
	assert_int_equal(count_lines(out), 1);
	unit_golden("diskstats_v1", out);
	free(out);
	/* a 4.14 host prints 14 fields: so does the container's line */
	assert_int_equal(render_diskstats(old, &io, &out, &len), 0);
	assert_string_equal(out, "   8       0 sda 10 0 2048 0 20 0 4096 0 0 0 0\n");
	free(out);
	/* no I/O at all: an empty file */
	memset(&io, 0, sizeof(io));
	assert_int_equal(render_diskstats(host, &io, &out, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(out, "");
	free(out);
	free(host);
	free(old);
	free(b1);
	free(i1);
}

/* kbuf_dec() appends what printf("%llu") prints, the largest value included. */
static void kbuf_dec_is_printf(void **state)
{
	static const unsigned long long values[] = {
		0, 7, 10, 99, 100, 4294967295ull, 4294967296ull, 1844674407370955161ull,
		18446744073709551615ull,
	};
	char want[512] = "", *out = NULL;
	struct kbuf b = { 0 };
	size_t len, i, at = 0;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		kbuf_dec(&b, values[i]);
		kbuf_append(&b, ",", 1);
		at += (size_t)snprintf(want + at, sizeof(want) - at, "%llu,", values[i]);
	}
	assert_int_equal(kbuf_finish(&b, &out, &len), 0);
	assert_string_equal(out, want);
	assert_int_equal(len, at);
	free(out);
}

static void kbuf_grows(void **state)
{
	struct kbuf b = { 0 };
	char big[5000], *out = NULL;
	size_t len;
	int i;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 1000; i++)
		kbuf_printf(&b, "%d,", i % 10);
	kbuf_printf(&b, "%s", big);	/* longer than the room left: formatted again */
	kbuf_append(&b, "!", 1);
	assert_int_equal(kbuf_finish(&b, &out, &len), 0);
	assert_int_equal(len, 2000 + sizeof(big) - 1 + 1);
	assert_int_equal(strlen(out), len);
	assert_memory_equal(out, "0,1,2,", 6);
	assert_int_equal(out[2000], 'x');
	assert_int_equal(out[len - 1], '!');
	free(out);
	assert_int_equal(kbuf_finish(&b, &out, &len), 0);	/* empty: "" */
	assert_string_equal(out, "");
	free(out);
}

/*
 * A container busy on its one CPU, read every ~10 ms as top/vmstat re-read
 * /proc/stat: its figures lag the clock by up to a scheduler tick (the
 * running task's sum_exec_runtime is current to its last update_curr()), as
 * figures_read() returns them, and now and then a system tick moves the
 * user/system split. Carried from read to read as content.c carries them
 * (in.last), no counter of any line goes back: top and vmstat take a counter
 * that went back for a reset and print a frame of 100% idle. Without the
 * history the same sequence does go back (the test exercises the case).
 */
static int busy_sequence(int with_history)
{
	char *host = unit_fixture("stat.host"), *out;
	struct cpu_ticks *last = NULL, *lines;
	uint64_t seed = 7, now = 1000 * NS, busy, sys_ns = 0;
	struct stat_inputs in = { 0 };
	struct cpu_line l, prev[2];
	struct kava_figures *f;
	int k, i, n, last_n = 0, back = 0;
	struct cpuset vis;
	size_t len;

	assert_int_equal(cpuset_parse("0", &vis), 0);
	f = figures("0", 0, now);
	now += NS;	/* read from 1 s after the enable */
	in.host = host;
	in.visible = &vis;
	in.fig = f;
	in.user_hz = 100;
	for (k = 0; k < 2000; k++) {
		now += 10 * NS / 1000 + rnd(&seed) % (NS / 1000);	/* 10-11 ms on */
		/* busy since the enable but for the first 0.5 s, 0-4 ms behind */
		busy = now - f->start_boot_ns - NS / 2 - rnd(&seed) % (4 * NS / 1000);
		if (k % 50 == 49)
			sys_ns += 3 * NS / 1000;
		f->cpu[0].system_ns = sys_ns < busy ? sys_ns : busy;
		f->cpu[0].user_ns = busy - f->cpu[0].system_ns;
		in.uptime_ns = now - f->start_boot_ns;
		in.last = with_history ? last : NULL;
		in.last_n = last_n;
		assert_int_equal(stat_cpu_lines(&in, &lines, &n), 0);
		assert_int_equal(n, 1);
		in.lines = lines;
		in.n_lines = n;
		assert_int_equal(render_stat(&in, &out, &len), 0);
		for (i = 0; i < 2; i++) {
			cpu_line_of(out, i - 1, &l);
			if (k && (l.user < prev[i].user || l.system < prev[i].system ||
				  l.idle < prev[i].idle))
				back++;
			/*
			 * busy + idle passes the span by what the raw figures
			 * wobbled (a floor each for user, system and the span,
			 * the lag): a few ticks, never growing
			 */
			assert_true(l.user + l.system + l.idle <= in.uptime_ns / (NS / 100) + 3);
			prev[i] = l;
		}
		free(out);
		free(last);
		last = lines;
		last_n = n;
	}
	free(last);
	free(host);
	free(f);
	return back;
}

static void stat_busy_never_goes_back(void **state)
{
	(void)state;
	assert_int_equal(busy_sequence(1), 0);
	assert_true(busy_sequence(0) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meminfo_v1_hybrid),
		cmocka_unit_test(meminfo_no_limit_anywhere),
		cmocka_unit_test(meminfo_property_sweep),
		cmocka_unit_test(swap_cases),
		cmocka_unit_test(stat_quota_cut_on_64),
		cmocka_unit_test(stat_plain_cpuset_is_per_cpu),
		cmocka_unit_test(stat_bad_inputs),
		cmocka_unit_test(stat_busy_never_goes_back),
		cmocka_unit_test(uptime_idle_is_stat_idle),
		cmocka_unit_test(cpuinfo_quota_cut_on_64),
		cmocka_unit_test(cpuinfo_arm_keeps_hardware_block),
		cmocka_unit_test(small_files),
		cmocka_unit_test(diskstats_v1_and_old_format),
		cmocka_unit_test(kbuf_grows),
		cmocka_unit_test(kbuf_dec_is_printf),
	};

	return cmocka_run_group_tests_name("render_cases", tests, NULL, NULL);
}
