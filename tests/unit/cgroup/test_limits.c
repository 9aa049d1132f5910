// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup limit readers (src/cglimits.c) and their pure parsers
 * (src/render/inputs.c, cpulist.c): text in, struct out; and the readers
 * against fake cgroup trees in a temporary directory, v2 and hybrid v1, with
 * limits on ancestors, "max" everywhere, and a cgroup that is gone.
 */
#include "../../common/unit.h"
#include "cgroup/limits.h"
#include "cgroup/memo.h"

static void paths_of(const struct unit_scratch *t, const char *v2, struct container_paths *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->v2_root, sizeof(p->v2_root), "%s/unified", t->root);
	snprintf(p->v2, sizeof(p->v2), "%s/unified/%s", t->root, v2);
}

static const char v2_stat[] =
	"anon 104857600\nfile 52428800\nshmem 4194304\nfile_mapped 10485760\n"
	"active_file 20971520\ninactive_file 31457280\nslab_reclaimable 3145728\n"
	"slab_unreclaimable 2097152\npercpu 8192\n";

/* v2: 512M on the parent, max on the container, swap.max 0 on the container. */
static void v2_tree(const struct unit_scratch *t)
{
	unit_mkdir(t, "unified");
	unit_mkdir(t, "unified/machine");
	unit_mkdir(t, "unified/machine/c1");
	unit_put(t, "unified/memory.max", "1024\n");	/* the root's files are not read */
	unit_put(t, "unified/machine/memory.max", "536870912\n");
	unit_put(t, "unified/machine/memory.swap.max", "max\n");
	unit_put(t, "unified/machine/c1/memory.max", "max\n");
	unit_put(t, "unified/machine/c1/memory.current", "188743680\n");
	unit_put(t, "unified/machine/c1/memory.stat", v2_stat);
	unit_put(t, "unified/machine/c1/memory.swap.max", "0\n");
	unit_put(t, "unified/machine/c1/memory.swap.current", "0\n");
	unit_put(t, "unified/machine/c1/cpuset.cpus.effective", "0-3,8,10-11\n");
	unit_put(t, "unified/machine/c1/cpu.max", "150000 100000\n");
	unit_put(t, "unified/machine/c1/io.stat",
	    "8:0 rbytes=1048576 wbytes=2097152 rios=10 wios=20 dbytes=0 dios=0\n");
}

static void v2_limits_from_ancestors(void **state)
{
	struct unit_scratch *t = *state;
	struct container_paths p;
	struct mem_limits m;
	struct cpu_limits c;
	struct io_stats *io = calloc(1, sizeof(*io));
	struct cpuset vis;

	assert_non_null(io);
	v2_tree(t);
	paths_of(t, "machine/c1", &p);
	assert_int_equal(limits_read_mem(&p, "", &m), 0);
	assert_int_equal(m.limit, 512 * MiB);	/* the parent's, not the root's 1024 */
	assert_int_equal(m.usage, 188743680);
	assert_int_equal(m.swap_known, 1);
	assert_int_equal(m.swap_limit, 0);	/* cannot swap */
	assert_int_equal(m.stat.anon, 104857600);
	assert_int_equal(m.stat.percpu, 8192);
	assert_int_equal(limits_read_cpu(&p, "0-63\n", &c), 0);
	assert_int_equal(cpuset_count(&c.effective), 7);
	assert_int_equal(c.quota_us, 150000);
	assert_int_equal(c.period_us, 100000);
	cpuset_visible(&c.effective, c.quota_us, c.period_us, &vis);
	assert_int_equal(cpuset_count(&vis), 2);
	assert_int_equal(limits_read_io(&p, io), 0);
	assert_int_equal(io->n, 1);
	assert_int_equal(io->dev[0].wios, 20);
	free(io);
}

static void v2_no_limits(void **state)
{
	struct unit_scratch *t = *state;
	struct container_paths p;
	struct mem_limits m;
	struct cpu_limits c;

	unit_mkdir(t, "unified");
	unit_mkdir(t, "unified/free");
	unit_put(t, "unified/free/memory.max", "max\n");
	unit_put(t, "unified/free/memory.current", "4096\n");
	unit_put(t, "unified/free/memory.stat", v2_stat);
	unit_put(t, "unified/free/memory.swap.max", "max\n");
	unit_put(t, "unified/free/cpu.max", "max 100000\n");
	paths_of(t, "free", &p);
	assert_int_equal(limits_read_mem(&p, "", &m), 0);
	assert_int_equal(m.limit, KAVA_UNLIMITED);
	assert_int_equal(m.swap_limit, KAVA_UNLIMITED);
	assert_int_equal(m.swap_usage, 0);	/* no memory.swap.current: none used */
	/* no cpuset file: the host's online CPUs */
	assert_int_equal(limits_read_cpu(&p, "0-63\n", &c), 0);
	assert_int_equal(cpuset_count(&c.effective), 64);
	assert_int_equal(c.quota_us, -1);
}

/* Hybrid: an empty cgroup2 directory, the limits in v1 controller directories. */
static void v1_hybrid(void **state)
{
	struct unit_scratch *t = *state;
	struct container_paths p;
	struct mem_limits m;
	struct cpu_limits c;
	struct io_stats *io = calloc(1, sizeof(*io));
	char rel[PATH_MAX + 64];

	assert_non_null(io);
	unit_mkdir(t, "unified");
	unit_mkdir(t, "unified/c2");
	unit_put(t, "unified/c2/cpu.stat", "usage_usec 0\n");
	unit_mkdir(t, "memory");
	unit_mkdir(t, "cpuset");
	unit_mkdir(t, "cpu");
	unit_mkdir(t, "blkio");
	unit_put(t, "memory/memory.stat",
	    "cache 52428800\nrss 104857600\nshmem 4194304\nmapped_file 10485760\n"
	    "total_cache 52428800\ntotal_rss 104857600\n"
	    "hierarchical_memory_limit 268435456\nhierarchical_memsw_limit 402653184\n");
	unit_put(t, "memory/memory.usage_in_bytes", "104857600\n");
	unit_put(t, "memory/memory.memsw.usage_in_bytes", "106954752\n");
	unit_put(t, "cpuset/cpuset.effective_cpus", "2-3\n");
	unit_put(t, "cpu/cpu.cfs_quota_us", "50000\n");
	unit_put(t, "cpu/cpu.cfs_period_us", "100000\n");
	unit_put(t, "blkio/blkio.throttle.io_service_bytes", "8:0 Read 4096\nTotal 4096\n");
	unit_put(t, "blkio/blkio.throttle.io_serviced", "8:0 Read 1\nTotal 1\n");
	paths_of(t, "c2", &p);
	snprintf(p.v1[V1_MEMORY], PATH_MAX, "%s/memory", t->root);
	snprintf(p.v1[V1_CPUSET], PATH_MAX, "%s/cpuset", t->root);
	snprintf(p.v1[V1_CPU], PATH_MAX, "%s/cpu", t->root);
	snprintf(p.v1[V1_BLKIO], PATH_MAX, "%s/blkio", t->root);
	assert_int_equal(limits_read_mem(&p, "", &m), 0);
	assert_int_equal(m.limit, 256 * MiB);	/* hierarchical: the ancestors' minimum */
	assert_int_equal(m.stat.anon, 104857600);	/* total_rss */
	assert_int_equal(m.swap_known, 1);
	assert_int_equal(m.swap_limit, 128 * MiB);	/* memsw - memory */
	assert_int_equal(m.swap_usage, 2 * MiB);
	assert_int_equal(limits_read_cpu(&p, "0-63\n", &c), 0);
	assert_int_equal(cpuset_count(&c.effective), 2);
	assert_int_equal(c.quota_us, 50000);
	assert_int_equal(limits_read_io(&p, io), 0);
	assert_int_equal(io->n, 1);
	assert_int_equal(io->dev[0].rbytes, 4096);
	assert_int_equal(io->dev[0].rios, 1);
	/* v1 "no limit" is PAGE_COUNTER_MAX pages, and memsw absent: host swap */
	unit_put(t, "memory/memory.stat", "total_rss 1\nhierarchical_memory_limit 9223372036854771712\n");
	snprintf(rel, sizeof(rel), "%s/memory.memsw.usage_in_bytes", p.v1[V1_MEMORY]);
	assert_int_equal(remove(rel), 0);
	assert_int_equal(limits_read_mem(&p, "", &m), 0);
	assert_int_equal(m.limit, KAVA_UNLIMITED);
	assert_int_equal(m.swap_known, 0);
	free(io);
}

/* The cgroup is removed between locating it and reading it: an error, no crash. */
static void vanished_cgroup(void **state)
{
	struct unit_scratch *t = *state;
	struct container_paths p;
	struct mem_limits m;
	struct cpu_limits c;
	struct io_stats *io = calloc(1, sizeof(*io));

	assert_non_null(io);
	unit_mkdir(t, "unified");
	paths_of(t, "gone/with/the/wind", &p);
	assert_int_equal(limits_read_mem(&p, "", &m), -ENOENT);
	snprintf(p.v1[V1_MEMORY], PATH_MAX, "%s/memory/gone", t->root);
	assert_int_equal(limits_read_mem(&p, "", &m), -ENOENT);
	/* gone between two of its files: memory.stat read, memory.current not */
	unit_mkdir(t, "unified/half");
	unit_put(t, "unified/half/memory.stat", v2_stat);
	paths_of(t, "half", &p);
	assert_int_equal(limits_read_mem(&p, "", &m), -ENOENT);
	/* CPUs and I/O fall back to the host's CPUs and no I/O */
	assert_int_equal(limits_read_cpu(&p, "0-1\n", &c), 0);
	assert_int_equal(cpuset_count(&c.effective), 2);
	assert_int_equal(limits_read_io(&p, io), 0);
	assert_int_equal(io->n, 0);
	free(io);
}

/* Visible CPUs of the container at V2 (relative to unified/) against the host's 0-63. */
static int visible_of(const struct unit_scratch *t, const char *v2, const char *v1_cpu)
{
	struct container_paths p;
	struct cpu_limits c;
	struct cpuset vis;

	paths_of(t, v2, &p);
	if (v1_cpu)
		snprintf(p.v1[V1_CPU], PATH_MAX, "%s/%s", t->root, v1_cpu);
	assert_int_equal(limits_read_cpu(&p, "0-63\n", &c), 0);
	cpuset_visible(&c.effective, c.quota_us, c.period_us, &vis);
	return cpuset_count(&vis);
}

/*
 * v2 quotas on every ancestor: the kernel throttles at each level, so the
 * container sees ceil(the smallest quota/period on its path) of its cpuset.
 */
static void v2_cpu_quota_ancestors(void **state)
{
	struct unit_scratch *t = *state;

	unit_mkdir(t, "unified");
	unit_mkdir(t, "unified/cg1");
	unit_mkdir(t, "unified/cg1/cg2");
	unit_mkdir(t, "unified/cg1/cg2/cg3");
	unit_put(t, "unified/cpu.max", "100000 100000\n");	/* the mount root's files are not read */
	unit_put(t, "unified/cg1/cg2/cg3/cpuset.cpus.effective", "0-7\n");
	/* parents only: cg3 max under cg2 4 CPUs under cg1 3 CPUs -> 3 */
	unit_put(t, "unified/cg1/cpu.max", "300000 100000\n");
	unit_put(t, "unified/cg1/cg2/cpu.max", "400000 100000\n");
	unit_put(t, "unified/cg1/cg2/cg3/cpu.max", "max 100000\n");
	assert_int_equal(visible_of(t, "cg1/cg2/cg3", NULL), 3);
	/* the child only */
	unit_put(t, "unified/cg1/cpu.max", "max 100000\n");
	unit_put(t, "unified/cg1/cg2/cpu.max", "max 100000\n");
	unit_put(t, "unified/cg1/cg2/cg3/cpu.max", "150000 100000\n");
	assert_int_equal(visible_of(t, "cg1/cg2/cg3", NULL), 2);
	/* mixed periods: 2.5 CPUs on cg1, 2 (50000/25000) on cg2, 6 on cg3 -> 2 */
	unit_put(t, "unified/cg1/cpu.max", "250000 100000\n");
	unit_put(t, "unified/cg1/cg2/cpu.max", "50000 25000\n");
	unit_put(t, "unified/cg1/cg2/cg3/cpu.max", "600000 100000\n");
	assert_int_equal(visible_of(t, "cg1/cg2/cg3", NULL), 2);
	/* a child looser than its parent: the parent's 1 CPU */
	unit_put(t, "unified/cg1/cpu.max", "max 100000\n");
	unit_put(t, "unified/cg1/cg2/cpu.max", "100000 100000\n");
	unit_put(t, "unified/cg1/cg2/cg3/cpu.max", "400000 100000\n");
	assert_int_equal(visible_of(t, "cg1/cg2/cg3", NULL), 1);
	/* a fraction on an ancestor rounds up: 0.5 CPU -> 1, 1.01 -> 2 */
	unit_put(t, "unified/cg1/cg2/cpu.max", "101000 100000\n");
	assert_int_equal(visible_of(t, "cg1/cg2/cg3", NULL), 2);
	/* an ancestor without the cpu controller (no cpu.max) is no limit */
	unit_remove(t, "unified/cg1/cg2/cpu.max");
	assert_int_equal(visible_of(t, "cg1/cg2/cg3", NULL), 4);
	/* never more than the cpuset */
	unit_put(t, "unified/cg1/cpu.max", "5000000 100000\n");
	unit_put(t, "unified/cg1/cg2/cg3/cpu.max", "max 100000\n");
	assert_int_equal(visible_of(t, "cg1/cg2/cg3", NULL), 8);
}

/* v1 (hybrid hosts): cpu.cfs_quota_us/cfs_period_us on the cpu hierarchy's ancestors. */
static void v1_cpu_quota_ancestors(void **state)
{
	struct unit_scratch *t = *state;

	unit_mkdir(t, "unified");
	unit_mkdir(t, "unified/c");
	unit_put(t, "unified/c/cpuset.cpus.effective", "0-7\n");
	unit_mkdir(t, "cpu");
	unit_mkdir(t, "cpu/a");
	unit_mkdir(t, "cpu/a/b");
	unit_mkdir(t, "cpu/a/b/c");
	unit_put(t, "cpu/cpu.cfs_quota_us", "-1\n");
	unit_put(t, "cpu/cpu.cfs_period_us", "100000\n");
	/* parents only */
	unit_put(t, "cpu/a/cpu.cfs_quota_us", "300000\n");
	unit_put(t, "cpu/a/cpu.cfs_period_us", "100000\n");
	unit_put(t, "cpu/a/b/cpu.cfs_quota_us", "400000\n");
	unit_put(t, "cpu/a/b/cpu.cfs_period_us", "100000\n");
	unit_put(t, "cpu/a/b/c/cpu.cfs_quota_us", "-1\n");
	unit_put(t, "cpu/a/b/c/cpu.cfs_period_us", "100000\n");
	assert_int_equal(visible_of(t, "c", "cpu/a/b/c"), 3);
	/* the child only */
	unit_put(t, "cpu/a/cpu.cfs_quota_us", "-1\n");
	unit_put(t, "cpu/a/b/cpu.cfs_quota_us", "-1\n");
	unit_put(t, "cpu/a/b/c/cpu.cfs_quota_us", "150000\n");
	assert_int_equal(visible_of(t, "c", "cpu/a/b/c"), 2);
	/* mixed periods: 2.5 on a, 50000/25000 = 2 on b, 6 on c -> 2 */
	unit_put(t, "cpu/a/cpu.cfs_quota_us", "250000\n");
	unit_put(t, "cpu/a/b/cpu.cfs_quota_us", "50000\n");
	unit_put(t, "cpu/a/b/cpu.cfs_period_us", "25000\n");
	unit_put(t, "cpu/a/b/c/cpu.cfs_quota_us", "600000\n");
	assert_int_equal(visible_of(t, "c", "cpu/a/b/c"), 2);
	/* a child looser than its parent */
	unit_put(t, "cpu/a/cpu.cfs_quota_us", "100000\n");
	unit_put(t, "cpu/a/b/cpu.cfs_quota_us", "-1\n");
	unit_put(t, "cpu/a/b/c/cpu.cfs_quota_us", "400000\n");
	assert_int_equal(visible_of(t, "c", "cpu/a/b/c"), 1);
}

/*
 * A host without swap (its /proc/meminfo says SwapTotal 0): the container's
 * swap files are not read, v2 or v1; anything else, or no text, reads them.
 */
static void no_host_swap_reads_no_swap_files(void **state)
{
	struct unit_scratch *t = *state;
	struct container_paths p;
	struct mem_limits m;

	assert_int_equal(limits_host_has_swap(LIMITS_HOST_NO_SWAP), 0);
	assert_int_equal(limits_host_has_swap("MemTotal:  1024 kB\nSwapTotal:        0 kB\n"), 0);
	assert_int_equal(limits_host_has_swap("MemTotal:  1024 kB\nSwapTotal:     2048 kB\n"), 1);
	assert_int_equal(limits_host_has_swap("MemTotal:  1024 kB\n"), 1);
	assert_int_equal(limits_host_has_swap("XSwapTotal: 0 kB\n"), 1);
	assert_int_equal(limits_host_has_swap(""), 1);
	v2_tree(t);
	paths_of(t, "machine/c1", &p);
	assert_int_equal(limits_read_mem(&p, "SwapTotal: 2048 kB\n", &m), 0);
	assert_int_equal(m.swap_known, 1);
	assert_int_equal(m.swap_limit, 0);
	assert_int_equal(limits_read_mem(&p, LIMITS_HOST_NO_SWAP, &m), 0);
	assert_int_equal(m.swap_known, 0);	/* memory.swap.* not read */
	assert_int_equal(m.usage, 188743680);
	assert_int_equal(m.limit, 512 * MiB);
	unit_mkdir(t, "memory");
	unit_put(t, "memory/memory.stat", "total_rss 1\nhierarchical_memory_limit 268435456\n"
		 "hierarchical_memsw_limit 402653184\n");
	unit_put(t, "memory/memory.usage_in_bytes", "104857600\n");
	unit_put(t, "memory/memory.memsw.usage_in_bytes", "106954752\n");
	snprintf(p.v1[V1_MEMORY], PATH_MAX, "%s/memory", t->root);
	assert_int_equal(limits_read_mem(&p, "", &m), 0);
	assert_int_equal(m.swap_known, 1);
	assert_int_equal(m.swap_usage, 2 * MiB);
	assert_int_equal(limits_read_mem(&p, LIMITS_HOST_NO_SWAP, &m), 0);
	assert_int_equal(m.swap_known, 0);	/* memory.memsw.usage_in_bytes not read */
	assert_int_equal(m.usage, 104857600);
}

/*
 * A v1 hierarchy's root cgroup has no quota (tg_set_cfs_bandwidth() refuses
 * the root): once its mount is known to be the root (limits_v1_roots_set()),
 * the walk stops below it without reading it. A fake root with a quota
 * shows whether it was read; a temporary directory is no hierarchy's root
 * (limits_v1_roots_probe(): not kernfs inode 1).
 */
static void v1_root_quota_not_read(void **state)
{
	struct unit_scratch *t = *state;
	struct v1_mounts *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	unit_mkdir(t, "unified");
	unit_mkdir(t, "unified/c");
	unit_put(t, "unified/c/cpuset.cpus.effective", "0-7\n");
	unit_mkdir(t, "cpu");
	unit_mkdir(t, "cpu/a");
	unit_put(t, "cpu/cpu.cfs_quota_us", "200000\n");	/* no real root has one */
	unit_put(t, "cpu/cpu.cfs_period_us", "100000\n");
	unit_put(t, "cpu/a/cpu.cfs_quota_us", "-1\n");
	unit_put(t, "cpu/a/cpu.cfs_period_us", "100000\n");
	snprintf(m->dir[V1_CPU], PATH_MAX, "%s/cpu", t->root);
	limits_v1_roots_probe(m);
	assert_int_equal(visible_of(t, "c", "cpu/a"), 2);	/* read: not a root */
	assert_int_equal(visible_of(t, "c", "cpu"), 2);
	limits_v1_roots_set(m, 1u << V1_CPU);
	assert_int_equal(visible_of(t, "c", "cpu/a"), 8);	/* not read */
	assert_int_equal(visible_of(t, "c", "cpu"), 8);
	limits_v1_roots_set(m, 0);
	free(m);
}

/*
 * The host's online CPUs are read only where no cpuset file answers, when
 * the caller passes none (the view: most renders need them not at all).
 */
static void online_read_only_without_cpuset(void **state)
{
	struct unit_scratch *t = *state;
	struct container_paths p;
	struct cpu_limits c;

	unit_mkdir(t, "unified");
	unit_mkdir(t, "unified/c");
	paths_of(t, "c", &p);
	assert_int_equal(limits_read_cpu(&p, NULL, &c), 0);
	assert_int_equal(cpuset_count(&c.effective), sysconf(_SC_NPROCESSORS_ONLN));
	unit_put(t, "unified/c/cpuset.cpus.effective", "0-7\n");
	assert_int_equal(limits_read_cpu(&p, NULL, &c), 0);
	assert_int_equal(cpuset_count(&c.effective), 8);
}

/*
 * A scrape reads every container's limits in one pass: the files of their
 * shared parents go through a memo and are read once, the containers' own
 * each time, with the same results as the readers without a memo. The
 * brief memory reader (metrics) gives the same limit and usage as the full
 * one, v2 and v1.
 */
static void memo_reads_shared_parents_once(void **state)
{
	struct unit_scratch *t = *state;
	struct cg_memo *memo = cg_memo_new();
	struct container_paths p;
	struct cpu_limits c, plain;
	struct mem_limits m;
	uint64_t limit, usage;
	char dir[64], file[128];
	size_t reads, hits;
	int i;

	assert_non_null(memo);
	unit_mkdir(t, "unified");
	unit_mkdir(t, "unified/pod");
	unit_mkdir(t, "cpu");
	unit_mkdir(t, "cpu/pod");
	unit_put(t, "unified/pod/cpu.max", "200000 100000\n");
	unit_put(t, "unified/pod/memory.max", "536870912\n");
	unit_put(t, "cpu/cpu.cfs_quota_us", "-1\n");
	unit_put(t, "cpu/cpu.cfs_period_us", "100000\n");
	unit_put(t, "cpu/pod/cpu.cfs_quota_us", "300000\n");
	unit_put(t, "cpu/pod/cpu.cfs_period_us", "100000\n");
	for (i = 0; i < 10; i++) {
		snprintf(dir, sizeof(dir), "unified/pod/c%d", i);
		unit_mkdir(t, dir);
		snprintf(file, sizeof(file), "%s/cpu.max", dir);
		unit_put(t, file, i == 3 ? "50000 100000\n" : "max 100000\n");
		snprintf(file, sizeof(file), "%s/memory.max", dir);
		unit_put(t, file, i == 4 ? "1048576\n" : "max\n");
		snprintf(file, sizeof(file), "%s/memory.current", dir);
		unit_put(t, file, "4096\n");
		snprintf(file, sizeof(file), "%s/memory.stat", dir);
		unit_put(t, file, v2_stat);
		snprintf(dir, sizeof(dir), "cpu/pod/c%d", i);
		unit_mkdir(t, dir);
		snprintf(file, sizeof(file), "%s/cpu.cfs_quota_us", dir);
		unit_put(t, file, "-1\n");
		snprintf(file, sizeof(file), "%s/cpu.cfs_period_us", dir);
		unit_put(t, file, "100000\n");
	}
	for (i = 0; i < 10; i++) {
		snprintf(dir, sizeof(dir), "pod/c%d", i);
		paths_of(t, dir, &p);
		if (i >= 5) {	/* the cpu controller on v1 for these (a hybrid host) */
			snprintf(p.v1[V1_CPU], PATH_MAX, "%s/cpu/pod/c%d", t->root, i);
			p.v1_mount[V1_CPU] = strlen(t->root) + strlen("/cpu");
		}
		assert_int_equal(limits_read_cpu_memo(&p, "0-63\n", memo, &c), 0);
		assert_int_equal(limits_read_cpu(&p, "0-63\n", &plain), 0);
		assert_int_equal(c.quota_us, plain.quota_us);
		assert_int_equal(c.period_us, plain.period_us);
		assert_int_equal(c.quota_us, i >= 5 ? 300000 : i == 3 ? 50000 : 200000);
		assert_int_equal(limits_read_mem_brief(&p, memo, &limit, &usage), 0);
		assert_int_equal(limits_read_mem(&p, "", &m), 0);
		assert_int_equal(limit, m.limit);
		assert_int_equal(usage, m.usage);
		assert_int_equal(limit, i == 4 ? 1048576 : 512 * MiB);
	}
	/*
	 * Read once: pod's cpu.max (the v2 containers) and memory.max (v2; the
	 * mount's own are never read), pod's v1 quota and period, the v1
	 * mount's quota (-1: its period is not read; the walk ends there).
	 * Asked: 2 files by each v2 container, 1 + 3 by each v1 one.
	 */
	cg_memo_stats(memo, &reads, &hits);
	assert_int_equal(reads, 2 + 3);
	assert_int_equal(hits, 5 * 2 + 5 * 4 - 5);
	cg_memo_free(memo);
	/* v1 memory: the hierarchical limit from memory.stat, as limits_read_mem() */
	unit_mkdir(t, "memory");
	unit_put(t, "memory/memory.stat", "total_rss 1\nhierarchical_memory_limit 268435456\n");
	unit_put(t, "memory/memory.usage_in_bytes", "8192\n");
	paths_of(t, "pod", &p);
	snprintf(p.v1[V1_MEMORY], PATH_MAX, "%s/memory", t->root);
	assert_int_equal(limits_read_mem_brief(&p, NULL, &limit, &usage), 0);
	assert_int_equal(limit, 256 * MiB);
	assert_int_equal(usage, 8192);
	/* no memory files at all: -ENOENT, the view shows the host's */
	p.v1[V1_MEMORY][0] = '\0';
	assert_int_equal(limits_read_mem_brief(&p, NULL, &limit, &usage), -ENOENT);
}

/*
 * cpuset_visible() keeps the first ceil(quota/period) CPUs of the effective
 * set in ascending order (all of them without a quota): checked against
 * that rule, CPU by CPU, over sets with bits in every word and quotas of
 * 0.1 to 1100 CPUs.
 */
static void visible_is_the_first_cpus_of_the_set(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int round, cpu;

	(void)state;
	for (round = 0; round < 400; round++) {
		struct cpuset eff, vis;
		int64_t quota = -1;
		uint64_t period = 100000;
		int keep = KAVA_MAX_CPUS;
		unsigned int w;

		for (w = 0; w < sizeof(eff.bits) / sizeof(eff.bits[0]); w++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			/* empty, full and sparse words alike */
			eff.bits[w] = round % 5 == 0 ? ~0ull : round % 7 == 0 ? 0 : seed & (seed >> 17);
		}
		if (round % 3) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			quota = (int64_t)(seed >> 33) % (1100 * 100000) + 10000;
			keep = (int)(((uint64_t)quota + period - 1) / period);
		}
		cpuset_visible(&eff, quota, period, &vis);
		for (cpu = 0; cpu < KAVA_MAX_CPUS; cpu++) {
			int want = cpuset_has(&eff, cpu) && keep > 0;

			if (want)
				keep--;
			if (cpuset_has(&vis, cpu) != want)
				fail_msg("round %d: cpu %d visible %d, want %d", round, cpu,
					 cpuset_has(&vis, cpu), want);
		}
	}
}

static void pure_parsers(void **state)
{
	int64_t quota;
	uint64_t period;
	char rel[PATH_MAX];
	struct v1_mounts *mnt = calloc(1, sizeof(*mnt));
	static const char mountinfo[] =
		"25 1 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
		"26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
		"28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
		"29 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
		"30 25 0:27 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
		"31 25 0:28 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n";

	(void)state;
	assert_non_null(mnt);
	cpu_max_parse("max 100000\n", &quota, &period);
	assert_int_equal(quota, -1);
	cpu_max_parse("250000 50000\n", &quota, &period);
	assert_int_equal(quota, 250000);
	assert_int_equal(period, 50000);
	cpu_max_parse("garbage", &quota, &period);
	assert_int_equal(quota, -1);
	assert_int_equal(period, 100000);
	assert_int_equal(parse_limit("max\n"), KAVA_UNLIMITED);
	assert_int_equal(parse_limit(""), KAVA_UNLIMITED);
	assert_int_equal(parse_limit("0\n"), 0);
	v1_mounts_from_mountinfo(mountinfo, mnt);
	assert_string_equal(mnt->dir[V1_CPU], "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(mnt->dir[V1_MEMORY], "/sys/fs/cgroup/memory");
	assert_string_equal(mnt->dir[V1_CPUSET], "/sys/fs/cgroup/cpuset");
	assert_string_equal(mnt->dir[V1_BLKIO], "/sys/fs/cgroup/blkio");
	v1_mounts_from_mountinfo("26 1 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", mnt);
	assert_string_equal(mnt->dir[V1_MEMORY], "");	/* pure v2: no v1 controllers */
	assert_int_equal(v1_path_from_proc("5:cpu,cpuacct:/a/b\n4:memory:/a\n0::/a/b\n", "cpuacct",
					   rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/a/b");
	assert_int_equal(v1_path_from_proc("4:memory:/a\n", "memory", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/a");
	assert_int_equal(v1_path_from_proc("0::/a\n", "memory", rel, sizeof(rel)), -ENOENT);
	assert_int_equal(v1_path_from_proc("4:memory:/a/long\n", "memory", rel, 4), -ENAMETOOLONG);
	free(mnt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pure_parsers),
		cmocka_unit_test(visible_is_the_first_cpus_of_the_set),
		cmocka_unit_test_setup_teardown(v2_limits_from_ancestors, unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(v2_no_limits, unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(v1_hybrid, unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(vanished_cgroup, unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(v2_cpu_quota_ancestors, unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(v1_cpu_quota_ancestors, unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(no_host_swap_reads_no_swap_files, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(v1_root_quota_not_read, unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(online_read_only_without_cpuset, unit_scratch_setup,
						unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(memo_reads_shared_parents_once, unit_scratch_setup,
						unit_scratch_teardown),
	};

	return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
