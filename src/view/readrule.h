/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a read of a view file is answered: the kernel's seq_file rules
 * (fs/seq_file.c, seq_read_iter()) as pure functions, shared by the FUSE
 * view and its tests.
 *
 * - A read that starts at offset 0 renders the file afresh (seq_read_iter()
 *   resets its iterator when ki_pos is 0): after open(), lseek(fd, 0,
 *   SEEK_SET) or as pread(fd, ..., 0). top, vmstat, mpstat and htop keep
 *   /proc/stat open and re-read it that way on every refresh.
 * - A read at a later offset continues the text that the last read from 0
 *   (or the open) produced, so a reader taking the file in several chunks
 *   sees one consistent text.
 * - open() renders once (errors, and the size the kernel is told); the
 *   first read from 0 uses that text while it is younger than
 *   VIEW_OPEN_TEXT_FRESH_NS, so open/read/close costs one render.
 */
#ifndef KAVA_VIEW_READRULE_H
#define KAVA_VIEW_READRULE_H

#include <stddef.h>
#include <stdint.h>

/* How old the text rendered at open() may be for the first read from 0. */
#define VIEW_OPEN_TEXT_FRESH_NS 100000000ull	/* 100 ms */

enum view_read_step {
	VIEW_READ_INVALID,    /* negative offset: EINVAL */
	VIEW_READ_RENDER,     /* render afresh, then answer from the new text */
	VIEW_READ_CONTINUE,   /* answer from the text held */
};

/*
 * What a read at `off` does. `have_text`: the open file holds a text (an
 * earlier agent's file handle holds none). `open_text_unread`: that text is
 * the one rendered at open() and no read from 0 has used it yet;
 * `text_age_ns`: how long ago it was rendered.
 */
enum view_read_step view_read_step(long long off, int have_text, int open_text_unread,
				   uint64_t text_age_ns);

/*
 * The bytes a read of `size` at `off` returns from a text of `len` bytes:
 * the count (0 at or past the end: EOF), and where they start in *start.
 */
size_t view_read_slice(size_t len, long long off, size_t size, size_t *start);

/*
 * The size the FUSE view reports for a file whose longest text so far is
 * `longest` bytes: a generous page multiple, so that readers that trust
 * st_size (sendfile/splice and mmap go through the page cache, which stops
 * at the inode's size) read the whole text even when it grows a little
 * between stat() and read(). Reads past the text's end return EOF (a short
 * read, which also tells the kernel the real end).
 */
uint64_t view_size_bound(size_t longest);

#endif
