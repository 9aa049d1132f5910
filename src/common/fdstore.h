/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The service manager's file descriptor store (systemd: FDSTORE=1,
 * FileDescriptorStoreMax=): descriptors an agent hands over survive its
 * restart and come back to the next agent by name (sd_listen_fds_with_names).
 * Several parts keep descriptors there (the FUSE connection, seccomp
 * listeners), so the passed set is collected once and taken by name.
 */
#ifndef KAVA_COMMON_FDSTORE_H
#define KAVA_COMMON_FDSTORE_H

#include <stddef.h>

/* Collect what the service manager passed (idempotent; call before starting threads). */
void fdstore_collect(void);

/* Take the passed descriptor named `name` (close-on-exec), or -1. */
int fdstore_take(const char *name);

/*
 * Take the next passed descriptor whose name starts with `prefix`, copying
 * its name into `name`; -1 when there is none left.
 */
int fdstore_take_prefix(const char *prefix, char *name, size_t size);

/* Close every passed descriptor nobody took (no longer ours to keep). */
void fdstore_close_rest(void);

/* Is there a service manager to store descriptors with ($NOTIFY_SOCKET)? */
int fdstore_available(void);

/* Store a copy of `fd` as `name`: 1 stored, 0 no service manager, -errno on failure. */
int fdstore_put(int fd, const char *name);

/* Ask the service manager to close and forget the descriptors stored as `name`. */
void fdstore_remove(const char *name);

#endif
