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

/*
 * A 64-bit hash of len bytes, continuing from `h` (start with any seed),
 * eight bytes at a step (a byte-wise FNV-1a over a tmpfs period's ~13 KiB
 * per container was a tenth of its CPU). Each step, (h ^ word) * odd, then
 * h ^= h >> 32, is a bijection of the word for a given h and of h for a
 * given word: two inputs of one length that differ in one word never hash
 * alike.
 */
uint64_t hash64(uint64_t h, const void *p, size_t len);

/*
 * malloc(n) with every page of it faulted in, for memory a later hot path
 * fills (a scrape's response buffer): the faults happen here, off that
 * path. NULL when out of memory. Free with free().
 */
void *alloc_resident(size_t n);

/*
 * strtoull(s, end, 10), the same value and end for every input, without its
 * locale work where the number is plain (spaces, then at most 19 digits):
 * glibc's strtoull() was ~40 % of a meminfo render's instructions, one per
 * host line. Anything else (a sign, 20 digits or more) is strtoull()'s.
 */
uint64_t dec_u64(const char *s, char **end);

#endif /* KAVA_UTIL_H */
