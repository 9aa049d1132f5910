/* SPDX-License-Identifier: GPL-2.0 */
/* The kava command line: one binary, one function per subcommand. */
#ifndef KAVA_CLI_H
#define KAVA_CLI_H

struct kava_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
};

/* Subcommands, each in its own src/cmd_*.c. Return the process exit status. */
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

/* kava doctor's sysinfo(2) line, given the seccomp sockets to look for. */
void doctor_sysinfo(const char *const *sockets, int n);

/* True when argv holds -h or --help (checked before any other parsing). */
int cli_wants_help(int argc, char **argv);

#endif
