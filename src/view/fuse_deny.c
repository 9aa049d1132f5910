// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE view: every change a reader may try, refused. The mount is not
 * read-only (pressure files take triggers), so kava says EROFS itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/util.h"
#include "metrics/viewstats.h"
#include "view/fuse.h"
#include "view/fuse_handoff.h"
#include "view/handles.h"
#include "view/reader.h"
#include "view/psi_trigger.h"
#include "view/readrule.h"
#include "view/fuse_internal.h"

/* Everything but reading and PSI triggers: the view is read-only. */
void vf_deny_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			 struct fuse_file_info *fi)
{
	const struct view_file *vf = vf_file_of(ino);
	char path[256];
	struct stat st;

	(void)attr;
	(void)fi;
	/*
	 * open(O_TRUNC) of a pressure file (a shell's "echo some ... > FILE"):
	 * procfs ignores the truncation, and so does the view
	 */
	if (vf && vf_is_pressure(vf->id) && !(to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MTIME |
						      FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) &&
	    view_path_of(ino, path, sizeof(path)) == 0 && vf_attr_of(req, path, ino, &st) == 0) {
		fuse_reply_attr(req, &st, VIEW_TIMEOUT_S);
		return;
	}
	fuse_reply_err(req, EROFS);
}

void vf_deny_entry(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent;
	(void)name;
	(void)mode;
	fuse_reply_err(req, EROFS);
}

void vf_deny_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       dev_t rdev)
{
	(void)rdev;
	vf_deny_entry(req, parent, name, mode);
}

void vf_deny_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	vf_deny_entry(req, parent, name, 0);
}

void vf_deny_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link;
	vf_deny_entry(req, parent, name, 0);
}

void vf_deny_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
			const char *newname, unsigned int flags)
{
	(void)newparent;
	(void)newname;
	(void)flags;
	vf_deny_entry(req, parent, name, 0);
}

void vf_deny_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino;
	vf_deny_entry(req, newparent, newname, 0);
}

void vf_deny_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			struct fuse_file_info *fi)
{
	(void)fi;
	vf_deny_entry(req, parent, name, mode);
}
