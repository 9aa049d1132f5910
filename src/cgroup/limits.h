/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a container's limits and usage from its cgroups: cgroup v2 files
 * where the controllers live there (pure v2 hosts), the v1 controllers of a
 * process in the container on hybrid hosts. A cgroup that vanishes while it
 * is read gives -ENOENT.
 */
#ifndef KAVA_CGLIMITS_H
#define KAVA_CGLIMITS_H

#include <limits.h>
#include <sys/types.h>
#include "cgroup/files.h"

enum v1_controller { V1_MEMORY, V1_CPUSET, V1_CPU, V1_BLKIO, V1_COUNT };

/* Mount points of the v1 controllers ("" where there is none), from mountinfo text. */
struct v1_mounts {
	char dir[V1_COUNT][PATH_MAX];
};
void v1_mounts_from_mountinfo(const char *text, struct v1_mounts *m);

/*
 * The v1 hierarchies' root cgroups, whose quota is known without a read
 * (limits_read_cpu(): the root cpu cgroup has none). `top_mask`: bit i when
 * m->dir[i] is its hierarchy's root cgroup. limits_v1_roots_probe() finds
 * it for the running host: a hierarchy's root directory is kernfs inode 1
 * (a mount of a cgroup below the root, as in a cgroup namespace, is not).
 * Called once, before any reader thread starts.
 */
void limits_v1_roots_set(const struct v1_mounts *m, unsigned int top_mask);
void limits_v1_roots_probe(const struct v1_mounts *m);

/* Where one container's limits are read. */
struct container_paths {
	char v2[PATH_MAX];               /* the enabled cgroup's v2 directory */
	char v2_root[PATH_MAX];          /* the cgroup2 mount: ancestors stop there */
	char v1[V1_COUNT][PATH_MAX];     /* the reader's v1 directories, or "" */
	size_t v1_mount[V1_COUNT];       /* the length of v1[i]'s mount point in it; 0: unknown */
};

/*
 * Copy or clear paths string by string: the struct is six PATH_MAX buffers,
 * mostly unused, and the view copies one on every render.
 */
void container_paths_copy(struct container_paths *dst, const struct container_paths *src);
void container_paths_clear(struct container_paths *p);

/*
 * Fill the v1 directories of process `pid` ("" for each it has none of); on
 * failure (the process went) `p` is left as it was.
 */
int container_paths_v1(const struct v1_mounts *m, pid_t pid, struct container_paths *p);

/*
 * Where no process tells: the v1 directories at the v2 cgroup's own relative
 * path (how systemd and container runtimes lay out hybrid hosts), if they exist.
 */
void container_paths_v1_alike(const struct v1_mounts *m, struct container_paths *p);

/*
 * A controller lives in one hierarchy: where the container has a v1
 * directory of it (hybrid hosts), its files are read there first and the
 * cgroup2 ones (which cannot exist then) only if those are gone.
 * `host_meminfo`: the host's /proc/meminfo text, or "" when the caller has
 * none; where it shows no swap (SwapTotal 0), the cgroup's swap files are
 * not read (swap_known 0: no figure a view shows depends on them then).
 * LIMITS_HOST_NO_SWAP says that alone.
 */
#define LIMITS_HOST_NO_SWAP "SwapTotal:        0 kB\n"
/* Does the host have swap, by its /proc/meminfo text? 1 when unknown ("", no SwapTotal line). */
int limits_host_has_swap(const char *meminfo);
int limits_read_mem(const struct container_paths *p, const char *host_meminfo, struct mem_limits *m);
/*
 * The effective cpuset (the host's online CPUs where there is none) and the
 * tightest quota/period of the cgroup and its ancestors (v2 cpu.max, v1
 * cfs_quota_us/cfs_period_us); quota_us -1 when no level has one.
 * `host_online`: the host's online CPU list, or NULL to read
 * /sys/devices/system/cpu/online here only if no cpuset file answers.
 */
int limits_read_cpu(const struct container_paths *p, const char *host_online, struct cpu_limits *c);

struct cg_memo;
/* The same, the ancestors' files through a pass's memo (cgroup/memo.h; NULL: none). */
int limits_read_cpu_memo(const struct container_paths *p, const char *host_online,
			 struct cg_memo *memo, struct cpu_limits *c);

/*
 * Only the memory limit (tightest on the path, as limits_read_mem()'s) and
 * the usage, for metrics: no memory.stat on v2 (the kernel flushes its
 * statistics for it), no swap files. Ancestors through the memo. -ENOENT
 * when the container has no memory files (the view shows the host's).
 */
int limits_read_mem_brief(const struct container_paths *p, struct cg_memo *memo, uint64_t *limit,
			  uint64_t *usage);
/* The usage alone, from the file limits_read_mem_brief() reads it from. -ENOENT: none. */
int limits_read_mem_usage(const struct container_paths *p, uint64_t *usage);
int limits_read_io(const struct container_paths *p, struct io_stats *io);

/* v1 controller line of /proc/PID/cgroup text: "4:memory:/a/b" -> "/a/b". */
int v1_path_from_proc(const char *text, const char *controller, char *out, size_t size);

#endif
