/* SPDX-License-Identifier: GPL-2.0 */
/* What the subcommands share: resolving PATH, opening state, reporting. */
#ifndef KAVA_CMD_COMMON_H
#define KAVA_CMD_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <getopt.h>
#include "sched/state.h"

/* Print "kava: CMD: message" on stderr. */
void cmd_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open kava's state for a command; prints the error itself. */
/*
 * Report a failed call's one-line reason; `why` must start as "" so that a
 * callee that failed without filling it is still reported, by errno.
 */
void cmd_error_why(const char *cmd, int err, const char *why);

/*
 * getopt_long() for a subcommand, the one way kava parses options: returns
 * the next option's value, -1 after the last (positionals then start at
 * optind), or '?' after saying in one line what was wrong (an unknown
 * option, a missing argument): the caller exits 2.
 */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

int cmd_open_state(const char *cmd, struct kava_state *st, enum kava_open_mode mode);

/* Resolve a cgroup PATH argument; prints the error itself. */
int cmd_resolve_cgroup(const char *cmd, const char *path, char *abs, size_t size, uint64_t *id);

#endif
