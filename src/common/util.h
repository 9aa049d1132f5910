/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers every module uses: whole-file reads, directory creation and
 * errno handling; clock.h (clock reads, ISO time) and mountinfo.h come with it.
 */
#ifndef KAVA_UTIL_H
#define KAVA_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/mountinfo.h"

/* Read a whole (possibly virtual) file into a NUL-terminated heap buffer. */
int read_file(const char *path, char **out, size_t *len);

/* Read a whole file relative to a directory fd. */
int read_file_at(int dirfd, const char *name, char **out, size_t *len);

/*
 * Create a directory and any missing parents (mkdir -p); an existing
 * directory is fine. Returns 0 or -errno of the step that failed.
 */
int make_dirs(const char *path, unsigned int mode);

/*
 * -errno after a failed call that should have set it, or FALLBACK (a
 * negative errno) when it did not: an error is never returned as 0.
 */
static inline int neg_errno_or(int fallback)
{
	int e = errno;

	return e > 0 ? -e : fallback;
}

#endif /* KAVA_UTIL_H */
