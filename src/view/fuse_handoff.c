// SPDX-License-Identifier: GPL-2.0
/*
 * Keeping the FUSE view alive across agent restarts. Under systemd the agent
 * puts its /dev/fuse descriptor in the service's file descriptor store
 * (FDSTORE=1, FileDescriptorStoreMax= in the unit). While systemd holds it
 * the kernel keeps the connection: the mount and every bind mount of it in
 * containers stay, and readers simply wait. The next agent gets the
 * descriptor back (sd_listen_fds_with_names()) and serves the same
 * connection instead of mounting a new one.
 */
#include <errno.h>
#include <fuse_lowlevel.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/mountinfo.h"
#include "common/fdstore.h"
#include "view/fuse_handoff.h"

#define FDSTORE_NAME "kava-fuse"

/* FUSE_NOTIFY_RESEND (kernel 6.9, protocol 7.40) is newer than some headers. */
#ifndef FUSE_NOTIFY_RESEND
#define FUSE_NOTIFY_RESEND 7
#endif

/*
 * The unique id of the INIT we feed libfuse ourselves. Kernel request ids
 * are even and count up from 0 (fuse_get_unique()), bit 63 marks resent
 * ones: none will have this, so the kernel drops the reply with ENOENT,
 * which libfuse expects for interrupted requests and ignores.
 */
#define ADOPT_UNIQUE 0x7ffffffffffffffeULL

int fuse_handoff_take(void)
{
	return fdstore_take(FDSTORE_NAME);
}

int fuse_handoff_store(int fuse_fd)
{
	return fdstore_put(fuse_fd, FDSTORE_NAME) > 0;
}

void fuse_handoff_forget(void)
{
	fdstore_remove(FDSTORE_NAME);
}

int fuse_handoff_is_view_mount(const char *mountinfo, const char *mountpoint)
{
	struct mountinfo_entry e;
	const char *cursor = mountinfo;

	while (mountinfo_next(&cursor, &e))
		if (mountinfo_same_path(e.mountpoint, mountpoint))
			return !strcmp(e.fstype, "fuse.kava");
	return 0;
}

void fuse_handoff_adopt(struct fuse_session *se)
{
	struct {
		struct fuse_in_header h;
		struct fuse_init_in init;
	} msg;
	struct fuse_buf buf = { .size = sizeof(msg), .mem = &msg };
	struct fuse_out_header resend = { .len = sizeof(resend), .error = FUSE_NOTIFY_RESEND };

	/*
	 * libfuse answers nothing before an INIT, and the kernel sent its INIT
	 * to the first agent. Feed one that offers only what view_init() keeps,
	 * at protocol 7.23: every request layout libfuse 3 decodes is fixed from
	 * 7.23 on, and every kernel kava runs on speaks at least that.
	 */
	memset(&msg, 0, sizeof(msg));
	msg.h.len = sizeof(msg);
	msg.h.opcode = FUSE_INIT;
	msg.h.unique = ADOPT_UNIQUE;
	msg.init.major = 7;
	msg.init.minor = 23;
	msg.init.max_readahead = 128 * 1024;
	msg.init.flags = FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES;
	fuse_session_process_buf(se, &buf);

	/*
	 * Requests the previous agent had read but not answered (it crashed)
	 * would wait forever: ask the kernel to queue them again. Kernels
	 * before 6.9 refuse the notification (EINVAL); those requests then
	 * wait until their reader is killed.
	 */
	if (write(fuse_session_fd(se), &resend, sizeof(resend)) < 0 && errno != EINVAL)
		fprintf(stderr, "kava: run: could not ask the kernel to resend FUSE requests: %s\n",
			strerror(errno));
}
