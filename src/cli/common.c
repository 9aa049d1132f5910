// SPDX-License-Identifier: GPL-2.0
/* What the subcommands share: resolving PATH, opening state, reporting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include "cgroup/path.h"
#include "cli/cli.h"
#include "cli/common.h"

void cmd_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kava: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cmd_error_why(const char *cmd, int err, const char *why)
{
	if (why[0])
		cmd_error(cmd, "%s", why);
	else	/* a callee broke the contract: still say something true */
		cmd_error(cmd, "failed: %s", strerror(err < 0 ? -err : err));
}

int cmd_open_state(const char *cmd, struct kava_state *st, enum kava_open_mode mode)
{
	char why[512] = "";
	int err = kava_state_open(st, mode, why, sizeof(why));

	if (err < 0)
		cmd_error_why(cmd, err, why);
	return err;
}

int cmd_resolve_cgroup(const char *cmd, const char *path, char *abs, size_t size, uint64_t *id)
{
	char why[512] = "";
	int err = cgroup_resolve(path, abs, size, id, why, sizeof(why));

	if (err < 0)
		cmd_error_why(cmd, err, why);
	return err;
}

int cli_no_options(const char *cmd, int argc, char **argv)
{
	static const struct option help_only[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int opt = cli_getopt(cmd, argc, argv, "h", help_only);

	if (opt == 'h')
		return 1;
	return opt == -1 ? 0 : -1;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	char spec[64];
	int opt;

	/* a leading ':' tells a missing argument (':') from an unknown option ('?') */
	snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0;
	opt = getopt_long(argc, argv, spec, longopts, NULL);
	if (opt == '?') {
		if (optopt)
			cmd_error(cmd, "unknown option '-%c' (see 'kava %s --help')", optopt, cmd);
		else
			cmd_error(cmd, "unknown option '%s' (see 'kava %s --help')",
				  argv[optind - 1], cmd);
	} else if (opt == ':') {
		cmd_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
		opt = '?';
	}
	return opt;
}
