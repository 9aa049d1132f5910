/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/PID/mountinfo, one entry at a time (proc(5)):
 *   id parent maj:min root mountpoint options [optional...] - fstype source super
 * The one parser every module that looks for a mount uses.
 */
#ifndef KAVA_MOUNTINFO_H
#define KAVA_MOUNTINFO_H

#include <limits.h>
#include <stddef.h>

struct mountinfo_entry {
	unsigned long id, parent;    /* mount ids: a mount stacked on another has it as parent */
	char root[PATH_MAX];         /* unescaped */
	char mountpoint[PATH_MAX];   /* unescaped */
	char fstype[64];             /* "cgroup2", "fuse.kava" */
	char source[256];            /* "kava", "/dev/sda1" (escaped as printed) */
	char super_options[512];     /* "rw,memory" for a v1 cgroup mount */
};

/*
 * The next well-formed entry after *cursor (which starts at the text and is
 * advanced past the line); malformed lines are skipped. 1: *e filled,
 * 0: no more entries.
 */
int mountinfo_next(const char **cursor, struct mountinfo_entry *e);

/* Decode mountinfo's octal escapes ("\040" for a space) into out. */
int unescape_octal(const char *in, char *out, size_t size);

/* Is `a` the same path as `b`, trailing slashes aside? */
int mountinfo_same_path(const char *a, const char *b);

#endif /* KAVA_MOUNTINFO_H */
