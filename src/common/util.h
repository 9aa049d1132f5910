/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers: whole-file reads, directory creation and string decoding. */
#ifndef KAVA_UTIL_H
#define KAVA_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* Read a whole (possibly virtual) file into a NUL-terminated heap buffer. */
int read_file(const char *path, char **out, size_t *len);

/* Read a whole file relative to a directory fd. */
int read_file_at(int dirfd, const char *name, char **out, size_t *len);

/*
 * Create a directory and any missing parents (mkdir -p); an existing
 * directory is fine. Returns 0 or -errno of the step that failed.
 */
int make_dirs(const char *path, unsigned int mode);

/* Decode mountinfo's \ooo escapes. Returns 0 or -ENAMETOOLONG. */
int unescape_octal(const char *in, char *out, size_t size);

/*
 * -errno after a failed call that should have set it, or FALLBACK (a
 * negative errno) when it did not: an error is never returned as 0.
 */
static inline int neg_errno_or(int fallback)
{
	int e = errno;

	return e > 0 ? -e : fallback;
}

/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads. */
uint64_t monotonic_ns(void);

#endif
