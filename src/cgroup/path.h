/* SPDX-License-Identifier: GPL-2.0 */
/* Finding cgroup v2 and naming cgroups: mounts, paths and ids. */
#ifndef KAVA_CGROUP_H
#define KAVA_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The cgroup2 mount point as /proc/self/mountinfo lists it: /sys/fs/cgroup on
 * pure v2 hosts, /sys/fs/cgroup/unified on hybrid ones. Parsed from `text`
 * (the mountinfo contents); returns 0 and fills `out`, or -ENOENT.
 */
int cgroup2_mount_from_mountinfo(const char *text, char *out, size_t size);

/* The same, read from /proc/self/mountinfo. */
int cgroup2_mount(char *out, size_t size);

/*
 * Turn a user's PATH into an absolute cgroup2 directory: absolute paths are
 * kept, relative ones are taken relative to the cgroup2 mount. Pure: no
 * file access. Trailing slashes and "." components are removed; ".." is
 * refused (-EINVAL) so a path cannot leave the hierarchy.
 */
int cgroup_path_join(const char *mount, const char *path, char *out, size_t size);

/*
 * One level up a cgroup directory path, in place ("/sys/fs/cgroup/a/b" ->
 * "/sys/fs/cgroup/a"), never above `root` (a mount point, no trailing
 * slash; "/" for any). Returns 1 after a step, 0 when `dir` is `root` or
 * not below it (nothing changed). The one walk every "nearest ancestor" and
 * "every ancestor" loop uses: the kernel applies limits at every level
 * (tg_set_cfs_bandwidth(), mem_cgroup_margin()).
 */
int cgroup_path_up(char *dir, const char *root);

/* The cgroup v2 path of a process ("0::/x/y" line of /proc/PID/cgroup text). */
int cgroup_v2_path_from_proc(const char *text, char *out, size_t size);

/*
 * Resolve and check a user's cgroup PATH: it must be a directory on a
 * cgroup2 filesystem. Fills the absolute path and the cgroup id (the kernfs
 * node id, what bpf_get_current_cgroup_id() returns). Returns 0, or a
 * negative errno with a one-line reason in `why`.
 */
int cgroup_resolve(const char *path, char *abs, size_t abs_size, uint64_t *id,
		   char *why, size_t why_size);

/* The cgroup id of an absolute cgroup2 directory, or a negative errno. */
int cgroup_id_of_path(const char *abs, uint64_t *id);

/*
 * Find the current path of a cgroup from its id (open_by_handle_at on the
 * cgroup2 mount). -ESTALE when the cgroup no longer exists.
 */
int cgroup_path_of_id(const char *mount, uint64_t id, char *out, size_t size);

/* The first process listed in a cgroup directory's cgroup.procs, or 0. */
pid_t cgroup_first_pid(const char *dir);

#endif
