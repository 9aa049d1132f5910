/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Producing the text of a virtual file for one reader: the edge between the
 * system (kava's maps, cgroup files, host /proc) and the pure renderers.
 */
#ifndef KAVA_VIEW_H
#define KAVA_VIEW_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "sched/state.h"
#include "cgroup/limits.h"
#include "kava.h"
#include "cgroup/cpuset.h"
#include "view/files.h"

struct view_source {
	const struct kava_state *st;
	char cgroup2_mount[4096];
	struct v1_mounts v1;       /* v1 controller mounts on hybrid hosts */
	long user_hz;
	struct view_paths *paths;  /* where each container's cgroup files are (view/paths.h) */
	struct budgets *budgets;   /* the FUSE view's per-container budgets, while it serves */
	struct cpu_history *history;   /* /proc/stat lines shown last, per container */
	struct cpu_history *metrics_history;   /* the metrics' CPU seconds shown last */
};

/* Fill the parts of a source that never change while kava runs. */
int view_source_init(struct view_source *src, const struct kava_state *st);
void view_source_free(struct view_source *src);

/*
 * The content of `file` as the container `owner` should see it (the host's
 * file, byte for byte, when owner->slot is KAVA_NO_SLOT). `reader` is the
 * pid whose v1 cgroups supply limits on hybrid hosts. On success *out is a
 * heap buffer the caller frees. A container that vanished meanwhile gives
 * -ENOENT; the caller decides how a reader sees that.
 */
int view_content(const struct view_source *src, enum view_file_id file,
		 const struct kava_owner *owner, pid_t reader, char **out, size_t *len);

/*
 * view_content() with the owner's slot as the caller read it a moment ago
 * (`slot`, NULL: read it here), which saves a map lookup per render.
 * `slot_whole` 0: only its cgroup_id and gen are known, live (a reader's
 * kept resolution, view/reader.h): its figures are read where a file
 * needs them.
 */
int view_content_slot(const struct view_source *src, enum view_file_id file,
		      const struct kava_owner *owner, const struct kava_slot *slot, int slot_whole,
		      pid_t reader, char **out, size_t *len);

/*
 * Every file of one container from inputs read once: its slot, cgroup
 * paths (on a hybrid host, the process standing in for it found once),
 * kava's figures and its visible CPUs (the tmpfs view's period, which has
 * no reader). view_batch_open() gives -ENOENT when the container went
 * away; view_batch_content() is view_content() for the batch's container.
 */
struct view_batch;
/* `slot`: the owner's slot as the caller read it a moment ago (registry_foreach()), or NULL */
int view_batch_open(const struct view_source *src, const struct kava_owner *owner,
		    const struct kava_slot *slot, struct view_batch **out);
int view_batch_content(struct view_batch *b, enum view_file_id file, char **out, size_t *len);
/*
 * kava/metrics and kava/runq are made together from one collection. Name
 * the hash of the inputs they were last made from (0: none, or the files
 * were not written): view_batch_content() then answers 1, with no text,
 * for both when their inputs are the same. view_batch_metrics_inputs()
 * is the hash of the inputs of the texts it answered (or skipped).
 */
void view_batch_set_metrics_inputs(struct view_batch *b, uint64_t inputs);
uint64_t view_batch_metrics_inputs(const struct view_batch *b);
/* view_visible_set() for the batch's container. */
int view_batch_visible(struct view_batch *b, struct cpuset *visible);
void view_batch_close(struct view_batch *b);

/*
 * cpuN/topology/<file> as `owner` sees it: rendered for a container, the
 * host's own file for the host. -ENXIO when the container sees no CPU `cpu`;
 * -ENOENT, as for view_content(), when the container vanished meanwhile.
 */
int view_topology_content(const struct view_source *src, const struct kava_owner *owner,
			  pid_t reader, int cpu, const struct topology_file *file, char **out,
			  size_t *len);

/*
 * The kernel file a pressure file of the view stands for, for `owner`: the
 * container's own cgroup <res>.pressure, or /proc/pressure/<res> for the
 * host (and for a container whose cgroup has none). PSI triggers written to
 * the view are registered there.
 */
int view_pressure_source(const struct view_source *src, enum view_file_id file,
			 const struct kava_owner *owner, pid_t reader, char *out, size_t size);

/* A container's limits as its view shows them, for metrics and kava top. */
struct view_limits {
	char v2_path[PATH_MAX];    /* its cgroup v2 directory */
	int visible_cpus;          /* 0: unknown */
	uint64_t mem_limit;        /* tightest memory limit (KAVA_UNLIMITED: none or unknown) */
	uint64_t mem_usage;
	int mem_known;             /* its memory files were read (else the view shows the host's) */
	int provisional;           /* hybrid host, an empty container: its v1 limits were not found */
};

/*
 * Fill `out` for `owner` (a container), with the host's online CPUs given as
 * text (/sys/devices/system/cpu/online, read once by the caller). -ENOENT
 * when the container went away.
 */
int view_container_limits(const struct view_source *src, const struct kava_owner *owner,
			  pid_t reader, const char *host_online, struct view_limits *out);
/*
 * The same for one container of many read in a pass (a scrape): the files
 * of their shared ancestors are read once, through `memo` (cgroup/memo.h).
 */
struct cg_memo;
int view_container_limits_memo(const struct view_source *src, const struct kava_owner *owner,
			       pid_t reader, const char *host_online, struct cg_memo *memo,
			       struct view_limits *out);
/*
 * The memory usage alone of a container whose limits were read before (the
 * file limits_read_mem_brief() reads it from). -ENOENT when it went away or
 * has no memory file.
 */
int view_container_mem_usage(const struct view_source *src, const struct kava_owner *owner,
			     uint64_t *usage);
/*
 * For budgets: the container's cgroup v2 path relative to the cgroup2 mount
 * and its CPU limit in CPUs (the tightest quota/period on its path, at most
 * its cpuset's CPUs; 0 when no level has a quota). -ENOENT when it went away.
 */
int view_container_cpu(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		       char *path, size_t size, double *cpus);

/*
 * The CPUs the container sees (its cpuset, narrowed by its quota as
 * cpuset_visible() does), or the host's possible CPUs; returns how many.
 */
int view_visible_set(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		     struct cpuset *visible);

/* How many CPUs the container sees (cpu0..cpuN-1 directories). */
int view_visible_cpus(const struct view_source *src, const struct kava_owner *owner, pid_t reader);

/*
 * Publish what the sysinfo(2) program cannot read itself (memory.stat's
 * shmem, for sharedram) for every enabled container into kava_memstat.
 * The agent calls it every tick; without an agent the last figure stays.
 */
int view_publish_memstat(const struct view_source *src);

#endif
