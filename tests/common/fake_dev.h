/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy device resolver with a fixed /dev, for the parser's unit tests
 * and fuzz target: inputs behave the same on every machine, and no test
 * touches the file system.
 */
#ifndef KAVA_TEST_FAKE_DEV_H
#define KAVA_TEST_FAKE_DEV_H

#include <errno.h>
#include <string.h>

#include "policy/parse.h"

static inline int fake_resolve(const char *path, unsigned int *type, unsigned int *major,
			       unsigned int *minor, void *ctx)
{
	(void)ctx;
	if (!strcmp(path, "/dev/fuse")) {
		*type = KAVA_DEV_CHAR; *major = 10; *minor = 229;
		return 0;
	}
	if (!strcmp(path, "/dev/sda")) {
		*type = KAVA_DEV_BLOCK; *major = 8; *minor = 0;
		return 0;
	}
	if (!strcmp(path, "/dev/shm"))
		return -ENODEV;          /* not a device */
	if (!strcmp(path, "/dev/secret"))
		return -EACCES;          /* cannot be looked at */
	return -ENOENT;
}

#endif
