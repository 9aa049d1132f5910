// SPDX-License-Identifier: GPL-2.0
/* One file of the tmpfs view, rewritten in place (tmpfs_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "view/tmpfs_file.h"

int tmpfs_file_write(struct tmpfs_file *f, const char *path, const char *text, size_t len,
		     int keep)
{
	int fd = f->fd1 - 1, err = 0;
	struct stat st;
	ssize_t n;

	if (fd < 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
		if (fd < 0) {
			f->known = 0;
			return -errno;
		}
		/* which inode it is: fanotify names files by descriptor (tmpfs_notify.c) */
		if (!f->ino && fstat(fd, &st) == 0)
			f->ino = st.st_ino;
	}
	n = pwrite(fd, text, len, 0);
	if (n < 0 || (size_t)n != len)
		err = n < 0 ? -errno : -EIO;
	/*
	 * The bytes past len are an older, longer text's tail (or unknown:
	 * another writer's); a text as long or longer covers the old one.
	 */
	else if ((!f->known || len < f->len) && ftruncate(fd, (off_t)len) < 0)
		err = -errno;
	f->known = !err;
	f->len = len;
	if (err || (!keep && !f->fd1)) {
		close(fd);
		f->fd1 = 0;
	} else {
		f->fd1 = fd + 1;
	}
	return err;
}

int tmpfs_file_kept(const struct tmpfs_file *f)
{
	return f->fd1 > 0;
}

void tmpfs_file_close(struct tmpfs_file *f)
{
	if (f->fd1 > 0)
		close(f->fd1 - 1);
	f->fd1 = 0;
	f->known = 0;
	f->len = 0;
	f->ino = 0;
}
