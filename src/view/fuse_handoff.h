/* SPDX-License-Identifier: GPL-2.0 */
/* Handing the FUSE connection from one agent to the next through systemd's fd store. */
#ifndef KAVA_VIEW_FUSE_HANDOFF_H
#define KAVA_VIEW_FUSE_HANDOFF_H

struct fuse_session;

/* The /dev/fuse descriptor a previous agent stored, or -1. */
int fuse_handoff_take(void);

/* Give the service manager a copy of the descriptor: 1 if it took it, 0 if none runs us. */
int fuse_handoff_store(int fuse_fd);

/* Ask the service manager to drop a stored descriptor that no longer matches the mount. */
void fuse_handoff_forget(void);

/* Is `mountpoint` a kava FUSE mount in this mountinfo text? (pure) */
int fuse_handoff_is_view_mount(const char *mountinfo, const char *mountpoint);

/*
 * Make a session opened on an adopted descriptor serve: complete libfuse's
 * handshake without the kernel (which did it with the first agent), then
 * ask the kernel to resend what the previous agent left unanswered.
 */
void fuse_handoff_adopt(struct fuse_session *se);

#endif
