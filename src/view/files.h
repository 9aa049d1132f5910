/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtual files kava serves, laid out like LXCFS's tree so existing bind
 * mounts only change their source directory. Shared by the FUSE and tmpfs views.
 */
#ifndef KAVA_VIEW_FILES_H
#define KAVA_VIEW_FILES_H

#include <stddef.h>
#include <stdint.h>
#include "view/render/render.h"

enum view_file_id {
	VF_MEMINFO,
	VF_CPUINFO,
	VF_STAT,
	VF_UPTIME,
	VF_LOADAVG,
	VF_DISKSTATS,
	VF_SWAPS,
	VF_PRESSURE_CPU,
	VF_PRESSURE_MEMORY,
	VF_PRESSURE_IO,
	VF_CPU_ONLINE,
	VF_CPU_POSSIBLE,
	VF_CPU_PRESENT,
	VF_KAVA_METRICS,           /* kava/metrics: the reader's own container's metrics */
	VF_KAVA_RUNQ,              /* kava/runq: its run-queue wait histogram as text */
	VF_COUNT
};

struct view_file {
	enum view_file_id id;
	const char *path;        /* inside the view: "proc/meminfo" */
	const char *host_path;   /* what it stands for: "/proc/meminfo"; NULL: kava's own */
};

extern const struct view_file view_files[VF_COUNT];

/* Directories of the view, parents before children ("" is the root). */
extern const char *const view_dirs[];

/* Where the per-CPU directories live: sys/devices/system/cpu/cpuN */
#define VIEW_CPU_DIR "sys/devices/system/cpu"

/* The file at `path` (no leading slash), or NULL. */
const struct view_file *view_file_by_path(const char *path);

/* Is `path` one of view_dirs? */
int view_is_dir(const char *path);

/* The files of each cpuN/topology directory (their text: render_cpu_topology()). */
struct topology_file {
	const char *name;          /* "thread_siblings" */
	enum topology_value value;
};
#define TOPOLOGY_FILE_COUNT 13
extern const struct topology_file topology_files[TOPOLOGY_FILE_COUNT];

/* What a path beneath VIEW_CPU_DIR/cpuN is. */
enum cpu_path_kind {
	CPU_PATH_NONE = -1,        /* not a per-CPU path */
	CPU_PATH_DIR,              /* cpuN */
	CPU_PATH_TOPOLOGY_DIR,     /* cpuN/topology */
	CPU_PATH_TOPOLOGY_FILE,    /* cpuN/topology/<topology_files[i].name> */
};

/* Classify `path` (no leading slash); sets *cpu, and *file for a topology file. */
enum cpu_path_kind view_cpu_path(const char *path, int *cpu, const struct topology_file **file);

/* The host's own file for a topology file of host CPU `cpu` (readers outside containers). */
void view_topology_host_path(int cpu, const struct topology_file *file, char *out, size_t size);

/*
 * Stable inode numbers: the same path has the same number in every kava
 * process, so an agent restarted on the same FUSE connection understands the
 * node ids the kernel (and bind mounts in containers) still hold.
 *   1            the root
 *   1 + i        view_dirs[i]
 *   100 + f      view_files[f]
 *   1000 + 16N   cpuN;  +1 cpuN/topology;  +2+t its topology_files[t]
 */
uint64_t view_ino_of(const char *path);                     /* 0: no such path */
int view_path_of(uint64_t ino, char *out, size_t size);     /* -ENOENT: no such inode */
uint64_t view_ino_count(void);                              /* every inode number is below it */

#endif
