/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events from bpf/autoenable.bpf.c to the agent, through its ring buffer.
 * The object is loaded by each `kava run` and never pinned, so this layout
 * is private to one binary: it is not part of the pinned ABI.
 */
#ifndef KAVA_AUTO_H
#define KAVA_AUTO_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KAVA_AUTO_PATH_MAX   1024     /* TRACE_CGROUP_PATH_LEN in kernel/cgroup */
#define KAVA_AUTO_WATCH_MAX  1024     /* cgroups waiting for --auto-mount */
#define KAVA_AUTO_RINGBUF    (256 * 1024)

enum kava_auto_kind {
	KAVA_AUTO_MKDIR = 1,      /* a cgroup v2 directory was created */
	KAVA_AUTO_RMDIR = 2,      /* ... removed */
	KAVA_AUTO_EXEC = 3,       /* a task under a watched cgroup called execve() */
};

/* KAVA_AUTO_EXEC events stop here; MKDIR and RMDIR carry the path too. */
struct kava_auto_event {
	__u32 kind;
	__u32 pid;                /* EXEC: the task's thread-group id */
	__u64 cgroup_id;          /* MKDIR/RMDIR: the cgroup; EXEC: the watched ancestor */
};

struct kava_auto_path_event {
	struct kava_auto_event h;
	char path[KAVA_AUTO_PATH_MAX];   /* from the cgroup2 root, "/a/b" */
};

#endif
