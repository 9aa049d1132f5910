/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure renderers: the text of each virtual file from its inputs (host file
 * text, limits, kava's figures, clocks). No file or clock access inside, so
 * every one is unit-tested against golden files. Each returns 0 and a heap
 * string in *out (caller frees), or -ENOMEM / -EINVAL.
 */
#ifndef KAVA_RENDER_H
#define KAVA_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include "sched/figures.h"
#include "cgroup/cpuset.h"
#include "cgroup/files.h"

/*
 * /proc/meminfo: every line of the host's file, in its order and format,
 * with the container's figures where memory.stat has them. MemTotal is the
 * limit capped at the host's; no kB field exceeds MemTotal except Swap*.
 * host_swap_total_kb/free come from the host file when swap isn't limited.
 */
int render_meminfo(const char *host, const struct mem_limits *m, char **out, size_t *len);

/* The figures of render_meminfo() that sysinfo(2) also reports, in kB. */
struct meminfo_summary {
	uint64_t total_kb, free_kb, available_kb, shared_kb, buffers_kb;
	uint64_t swap_total_kb, swap_free_kb;
};
void meminfo_summary(const char *host, const struct mem_limits *m, struct meminfo_summary *out);

/* /proc/cpuinfo: the host blocks of the visible CPUs, renumbered from 0, topology made consistent. */
int render_cpuinfo(const char *host, const struct cpuset *visible, char **out, size_t *len);

/*
 * Does the start of /proc/cpuinfo (`len` bytes, as read so far) hold the
 * whole block of every visible CPU, all render_cpuinfo() shows? Only where
 * the host prints nothing after its CPUs' blocks (x86): elsewhere 0.
 */
int render_cpuinfo_has_blocks(const char *host, size_t len, const struct cpuset *visible);

/* One cpuN line of /proc/stat, in USER_HZ ticks (nice, iowait... are 0). */
struct cpu_ticks {
	uint64_t user, system, idle;
};

/*
 * Keep line `l` at or above `last`: user and system as the kernel's
 * cputime_adjust() keeps them (cputime_keep_monotonic()), idle never lower.
 */
void cpu_ticks_keep_monotonic(const struct cpu_ticks *last, struct cpu_ticks *l);

/* What /proc/stat and /proc/uptime are made from: both measure the same span. */
struct stat_inputs {
	const char *host;              /* host /proc/stat (render_uptime() needs none) */
	const struct cpuset *visible;  /* host CPU numbers the container sees */
	const struct kava_figures *fig;
	uint64_t uptime_ns;            /* the container's uptime: now - fig->start_boot_ns */
	long user_hz;                  /* sysconf(_SC_CLK_TCK) */
	/* the cpuN lines this container's readers were shown last (NULL: none) */
	const struct cpu_ticks *last;
	int last_n;
	/* the cpuN lines to print, from stat_cpu_lines() (NULL: the renderers make them) */
	const struct cpu_ticks *lines;
	int n_lines;
};

/*
 * The cpuN lines for `in`, one per visible CPU (*n of them; *lines is
 * calloc'ed, max(*n, 1) entries, the caller frees it): busy from kava's
 * figures, idle = uptime - busy. With in->last of as many lines, no counter
 * of a line goes below what it was: tools that diff /proc/stat (top,
 * vmstat, mpstat) take a counter that went back for a reset.
 */
int stat_cpu_lines(const struct stat_inputs *in, struct cpu_ticks **lines, int *n);

/* /proc/stat: the "cpu " line (sum) and the cpuN lines; the rest from the host's. */
int render_stat(const struct stat_inputs *in, char **out, size_t *len);

/*
 * /proc/uptime: in->uptime_ns, and idle = the sum of the idle ticks of the
 * cpuN lines render_stat() prints for the same inputs, in seconds; so idle
 * never exceeds uptime x visible CPUs.
 */
int render_uptime(const struct stat_inputs *in, char **out, size_t *len);

/* /proc/loadavg from kava's figures, printed as fs/proc/loadavg.c prints. */
int render_loadavg(const struct kava_figures *fig, char **out, size_t *len);

/* /proc/diskstats: host lines of devices the container did I/O on, with its counts. */
int render_diskstats(const char *host, const struct io_stats *io, char **out, size_t *len);

/*
 * Does the start of /proc/diskstats hold a whole line of every device in
 * `io`, all render_diskstats() shows (none: nothing to wait for)?
 */
int render_diskstats_has_lines(const char *host, const struct io_stats *io);

/* /proc/swaps: the header, and one line when the container can swap. */
int render_swaps(const char *host, const struct mem_limits *m, char **out, size_t *len);

/* sys/devices/system/cpu/{online,possible,present}: 0..n-1 of the visible CPUs. */
int render_cpu_range(int n_visible, char **out, size_t *len);

/*
 * sys/devices/system/cpu/cpuN/topology/<file> for visible CPU `cpu` of
 * `count`, in the model render_cpuinfo() prints: one package (and die), one
 * core per visible CPU, one thread per core. Masks are as wide as `count`.
 */
enum topology_value {
	TOPO_CPU_ID,       /* core_id: the CPU's own number */
	TOPO_ZERO,         /* physical_package_id, die_id */
	TOPO_SELF_MASK,    /* thread_siblings, core_cpus: this CPU */
	TOPO_SELF_LIST,
	TOPO_ALL_MASK,     /* core_siblings, package_cpus, die_cpus: every visible CPU */
	TOPO_ALL_LIST,
};
int render_cpu_topology(enum topology_value value, int cpu, int count, char **out, size_t *len);

#endif
