// SPDX-License-Identifier: GPL-2.0
/* kava: kernel-assisted virtualization agent for Linux containers. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct kava_command commands[] = {
	{ "run",     "load the BPF programs and serve the container views", cmd_run },
	{ "enable",  "start accounting for a container cgroup",            cmd_enable },
	{ "disable", "stop accounting for a container cgroup",             cmd_disable },
	{ "list",    "list enabled container cgroups",                     cmd_list },
	{ "stat",    "show a container's load, CPU time and tasks",        cmd_stat },
	{ "top",     "a live view of the enabled containers (-b: batch)",  cmd_top },
	{ "mount",   "bind the view over a container's /proc and /sys files", cmd_mount },
	{ "umount",  "undo 'kava mount'",                                  cmd_umount },
	{ "oci-hook", "a runtime hook: enable a container, apply its policy, mount the view", cmd_oci_hook },
	{ "unload",  "detach kava's programs and remove its pinned state", cmd_unload },
	{ "policy",  "apply, show or clear a container's device/capability policy", cmd_policy },
	{ "events",  "print policy denials reported by the kernel",        cmd_events },
	{ "doctor",  "show which BPF hooks this kernel offers the policy engine", cmd_doctor },
	{ "version", "print kava's version",                               cmd_version },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: kava COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'kava COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "kava: unknown command '%s' (try 'kava --help')\n", argv[1]);
	return 2;
}
