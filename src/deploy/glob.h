/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cgroup path patterns for automatic enablement. Pure and allocation-free.
 *
 * A pattern and a path are '/'-separated components relative to the cgroup2
 * mount ("system.slice/docker-abc.scope"); a leading '/' on either is
 * ignored. Within a component, '*' matches any run of characters (none
 * included) and '?' one character; neither crosses a '/'. A component that
 * is exactly "**" matches zero or more whole components. Everything else
 * matches itself.
 */
#ifndef KAVA_DEPLOY_GLOB_H
#define KAVA_DEPLOY_GLOB_H

#include <stddef.h>

#define GLOB_MAX_COMPONENTS 128   /* deeper paths or patterns never match */

/* 1 when `path` matches `pattern`, else 0. */
int glob_match(const char *pattern, const char *path);

/*
 * Check a pattern before use: returns NULL when it is valid, else why not
 * ("empty pattern", "'**' must be a whole path component", ...).
 */
const char *glob_check(const char *pattern);

#endif
