/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One file of the tmpfs view, rewritten in place (same inode: bind mounts
 * into containers keep showing it). A file rewritten every period keeps its
 * descriptor, so a rewrite is one pwrite(2), plus an ftruncate(2) only when
 * the text got shorter than the one written last: an open, a path walk and
 * a close per file per period were most of a period's system calls.
 */
#ifndef KAVA_VIEW_TMPFS_FILE_H
#define KAVA_VIEW_TMPFS_FILE_H

#include <stddef.h>
#include <stdint.h>

struct tmpfs_file {
	int fd1;                   /* the descriptor kept + 1; 0: none */
	int known;                 /* the file holds `len` bytes, all of them written here */
	size_t len;
	uint64_t ino;              /* its inode, once a write opened it; 0: not known */
};
#define TMPFS_FILE_INIT { 0, 0, 0, 0 }

/*
 * Make `path` hold exactly `text`; `keep`: keep the descriptor for the next
 * write (else it is closed unless one is kept already). On error nothing is
 * kept and the length is no longer known (the next write cuts the file).
 */
int tmpfs_file_write(struct tmpfs_file *f, const char *path, const char *text, size_t len,
		     int keep);

/* Is a descriptor kept? */
int tmpfs_file_kept(const struct tmpfs_file *f);

/* Close the kept descriptor, forget the length. */
void tmpfs_file_close(struct tmpfs_file *f);

#endif
