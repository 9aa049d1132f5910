/* SPDX-License-Identifier: GPL-2.0 */
/* The kava command line: one binary, one function per subcommand. */
#ifndef KAVA_CLI_H
#define KAVA_CLI_H

struct kava_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
};

/* Subcommands, each in its own file of src/cli/. Return the process exit status. */
int cmd_run(int argc, char **argv);
int cmd_enable(int argc, char **argv);
int cmd_disable(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_umount(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_oci_hook(int argc, char **argv);
int cmd_top(int argc, char **argv);

/*
 * For a command with no options but --help: 1 when help was asked for, 0
 * to go on (positionals at argv[optind..]), -1 after reporting a bad
 * option (exit 2).
 */
int cli_no_options(const char *cmd, int argc, char **argv);

#endif
