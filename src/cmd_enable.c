// SPDX-License-Identifier: GPL-2.0
/* kava enable | disable | list | unload: managing the enabled-container table. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "cmd_common.h"
#include "registry.h"

static int usage_path(const char *cmd, const char *what)
{
	printf("usage: kava %s PATH\n\n%s\n\n"
	       "PATH is a cgroup v2 directory, absolute or relative to the cgroup2 mount\n"
	       "(/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts).\n", cmd, what);
	return 0;
}

int cmd_enable(int argc, char **argv)
{
	char abs[PATH_MAX], mount[PATH_MAX];
	struct kava_state st;
	uint64_t id;
	uint32_t slot;
	int err;

	if (cli_wants_help(argc, argv))
		return usage_path("enable", "Count the cgroup's tasks, and those of every descendant cgroup,\n"
				  "as one container: load averages, CPU time, tasks. Loads kava's\n"
				  "BPF programs first if they are not loaded.");
	if (argc != 2) {
		cmd_error("enable", "expected one cgroup PATH (see 'kava enable --help')");
		return 2;
	}
	if (cmd_resolve_cgroup("enable", argv[1], abs, sizeof(abs), &id) < 0)
		return 1;
	if (cgroup2_mount(mount, sizeof(mount)) == 0 && !strcmp(abs, mount)) {
		cmd_error("enable", "%s is the root cgroup: enable a container's cgroup instead", abs);
		return 1;
	}
	if (cmd_open_state("enable", &st, KAVA_OPEN_OR_LOAD) < 0)
		return 1;
	if (registry_prune(&st, mount) < 0)
		cmd_error("enable", "warning: could not prune removed cgroups");
	err = registry_enable(&st, id, &slot);
	kava_state_close(&st);
	if (err == -EEXIST) {
		printf("%s is already enabled\n", abs);
		return 0;
	}
	if (err == -ENOSPC) {
		cmd_error("enable", "the enabled-cgroup table is full (%d containers); disable one first",
			  KAVA_MAX_CONTAINERS);
		return 1;
	}
	if (err < 0) {
		cmd_error("enable", "%s: %s", abs, strerror(-err));
		return 1;
	}
	printf("enabled %s\n", abs);
	return 0;
}

int cmd_disable(int argc, char **argv)
{
	char abs[PATH_MAX];
	struct kava_state st;
	uint64_t id;
	int err;

	if (cli_wants_help(argc, argv))
		return usage_path("disable", "Stop counting the cgroup; its figures are discarded.");
	if (argc != 2) {
		cmd_error("disable", "expected one cgroup PATH (see 'kava disable --help')");
		return 2;
	}
	if (cmd_resolve_cgroup("disable", argv[1], abs, sizeof(abs), &id) < 0)
		return 1;
	if (cmd_open_state("disable", &st, KAVA_OPEN_EXISTING) < 0)
		return 1;
	err = registry_disable(&st, id);
	kava_state_close(&st);
	if (err == -ENOENT) {
		cmd_error("disable", "%s is not enabled", abs);
		return 1;
	}
	if (err < 0) {
		cmd_error("disable", "%s: %s", abs, strerror(-err));
		return 1;
	}
	printf("disabled %s\n", abs);
	return 0;
}

static int print_entry(uint32_t slot, const struct kava_slot *s, void *arg)
{
	const char *mount = arg;
	char path[PATH_MAX];

	(void)slot;
	if (cgroup_path_of_id(mount, s->cgroup_id, path, sizeof(path)) < 0)
		snprintf(path, sizeof(path), "(removed)");
	printf("%-20llu %s\n", (unsigned long long)s->cgroup_id, path);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	char mount[PATH_MAX], why[512];
	struct kava_state st;
	int err;

	if (cli_wants_help(argc, argv)) {
		printf("usage: kava list\n\nPrint the enabled cgroups: cgroup id and path.\n"
		       "Enabled cgroups that were removed are disabled first.\n");
		return 0;
	}
	if (argc != 1) {
		cmd_error("list", "takes no arguments");
		return 2;
	}
	if (cgroup2_mount(mount, sizeof(mount)) < 0) {
		cmd_error("list", "no cgroup2 filesystem is mounted");
		return 1;
	}
	err = kava_state_open(&st, KAVA_OPEN_EXISTING, why, sizeof(why));
	if (err == -ENOENT)
		return 0;	/* nothing loaded: nothing enabled */
	if (err < 0) {
		cmd_error("list", "%s", why);
		return 1;
	}
	registry_prune(&st, mount);
	err = registry_foreach(&st, print_entry, mount);
	kava_state_close(&st);
	if (err < 0) {
		cmd_error("list", "%s", strerror(-err));
		return 1;
	}
	return 0;
}

int cmd_unload(int argc, char **argv)
{
	char why[512];

	if (cli_wants_help(argc, argv)) {
		printf("usage: kava unload\n\nDetach kava's scheduler programs and remove everything pinned\n"
		       "under %s: every container is disabled and its history lost.\n",
		       kava_pin_dir());
		return 0;
	}
	if (kava_check_privileges(why, sizeof(why)) < 0) {
		cmd_error("unload", "%s", why);
		return 1;
	}
	if (kava_state_unload(why, sizeof(why)) < 0) {
		cmd_error("unload", "%s", why);
		return 1;
	}
	return 0;
}
