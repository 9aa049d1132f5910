/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a container's /proc/PID/mountinfo: which mounts sit on a target
 * path, and whether they are kava views. Pure: text in, answer out.
 */
#ifndef KAVA_DEPLOY_MOUNTINFO_H
#define KAVA_DEPLOY_MOUNTINFO_H

#include <stddef.h>

/*
 * How many kava view mounts are stacked on top of `target` (an absolute
 * path as mountinfo prints it, relative to the task's root): the number of
 * consecutive mounts at `target`, from the topmost down, that are a kava
 * view (FUSE "fuse.kava", or the tmpfs view, a tmpfs whose source is
 * "kava"). 0 when the topmost mount there is something else, or none.
 */
int mountinfo_view_layers(const char *mountinfo, const char *target);

/* Does `mountinfo` list a mount at `target` at all? */
int mountinfo_has_mount(const char *mountinfo, const char *target);

#endif
