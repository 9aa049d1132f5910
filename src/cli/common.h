/* SPDX-License-Identifier: GPL-2.0 */
/* What the subcommands share: resolving PATH, opening state, reporting. */
#ifndef KAVA_CMD_COMMON_H
#define KAVA_CMD_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "sched/state.h"

/* Print "kava: CMD: message" on stderr. */
void cmd_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open kava's state for a command; prints the error itself. */
/*
 * Report a failed call's one-line reason; `why` must start as "" so that a
 * callee that failed without filling it is still reported, by errno.
 */
void cmd_error_why(const char *cmd, int err, const char *why);

int cmd_open_state(const char *cmd, struct kava_state *st, enum kava_open_mode mode);

/* Resolve a cgroup PATH argument; prints the error itself. */
int cmd_resolve_cgroup(const char *cmd, const char *path, char *abs, size_t size, uint64_t *id);

#endif
