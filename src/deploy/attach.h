/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Putting kava's view into a container: the view's files are cloned as
 * detached mounts (open_tree) in kava's namespace and attached (move_mount)
 * over /proc/{meminfo,...}, the /proc/pressure files and /sys/devices/system/cpu in
 * the container's mount namespace. Dead or stale view mounts already there
 * (an agent that died without a service manager holding its FUSE
 * connection leaves them answering ENOTCONN) are detached first. Used by
 * `kava mount`, `kava oci-hook` and the agent's --auto-mount.
 */
#ifndef KAVA_DEPLOY_ATTACH_H
#define KAVA_DEPLOY_ATTACH_H

#include <stddef.h>
#include <sys/types.h>

struct attach_target {
	const char *view_path;   /* relative to the view root */
	const char *target;      /* absolute, inside the container */
};

#define ATTACH_NTARGETS 11
extern const struct attach_target attach_targets[ATTACH_NTARGETS];

enum attach_result {
	ATTACH_MOUNTED,          /* attached (over the container's own file) */
	ATTACH_REPLACED,         /* dead or stale view mounts detached, then attached */
	ATTACH_CURRENT,          /* this view is already there: left alone */
	ATTACH_MISSING,          /* the target does not exist in the container */
	ATTACH_FAILED,           /* exists, could not be mounted (err says why) */
	ATTACH_UNMOUNTED,        /* detach: removed */
	ATTACH_NOT_MOUNTED,      /* detach: nothing was mounted there */
};

struct attach_report {
	enum attach_result result[ATTACH_NTARGETS];
	int err[ATTACH_NTARGETS];      /* errno of a failure */
	int failed;                    /* targets in ATTACH_FAILED */
};

/* "mounted", "replaced", ... as `kava mount` prints them. */
const char *attach_result_name(enum attach_result r);

/*
 * The view root for process `pid`: `dir` itself when a FUSE view is mounted
 * there, DIR/<cgroup id> of its nearest enabled ancestor for a tmpfs view.
 * Returns 0, or a negative errno with one line in `why`.
 */
int attach_view_root(const char *dir, pid_t pid, char *out, size_t size, char *why,
		     size_t why_size);

/*
 * Is `pid` in a mount namespace of its own (not kava's) whose root has
 * /proc mounted? 1 yes, 0 not yet (or never), negative errno when the
 * process is gone. The agent waits for this before --auto-mount.
 */
int attach_target_ready(pid_t pid);

/*
 * Attach the view under `view_root` in the mount namespace (and root) of
 * `pid`, repairing dead or stale view mounts. Fills `rep` for every target.
 * Returns 0 when it could enter the namespace (see rep->failed), or a
 * negative errno with one line in `why`. Safe to call from a multi-threaded
 * process: the child it forks makes system calls only.
 */
int attach_view(const char *view_root, pid_t pid, struct attach_report *rep, char *why,
		size_t why_size);

/*
 * The same before the runtime's pivot_root (an OCI createRuntime hook):
 * `rootfs` is the container's root directory as a path in its mount
 * namespace; the targets are attached beneath it and move with pivot_root.
 */
int attach_view_rootfs(const char *view_root, pid_t pid, const char *rootfs,
		       struct attach_report *rep, char *why, size_t why_size);

/* Detach every view mount (all stacked layers) from the targets in pid's namespace. */
int detach_view(pid_t pid, struct attach_report *rep, char *why, size_t why_size);

#endif
