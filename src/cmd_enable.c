// SPDX-License-Identifier: GPL-2.0
/* kava enable | disable | list | unload: managing the enabled-container table. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Undo the enables of this call: a failed 'kava enable' changes nothing. */
static void roll_back(struct kava_state *st, const uint64_t *ids, const char *added, int n)
{
	for (int i = 0; i < n; i++)
		if (added[i] && registry_disable(st, ids[i]) < 0)
			cmd_error("enable", "warning: could not undo the enable of cgroup id %llu",
				  (unsigned long long)ids[i]);
}

int cmd_enable(int argc, char **argv)
{
	char abs[PATH_MAX], mount[PATH_MAX];
	int n = argc - 1, rc = 1, i, err = 0;
	struct kava_state st;
	uint64_t *ids = NULL;
	char **paths = NULL;
	char *added = NULL;
	uint32_t slot;

	if (cli_wants_help(argc, argv)) {
		printf("usage: kava enable PATH...\n\n"
		       "Count each cgroup's tasks, and those of every descendant cgroup,\n"
		       "as one container: load averages, CPU time, tasks. Loads kava's\n"
		       "BPF programs first if they are not loaded. All or nothing: if one\n"
		       "PATH cannot be enabled, none is.\n\n"
		       "PATH is a cgroup v2 directory, absolute or relative to the cgroup2 mount\n"
		       "(/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts).\n");
		return 0;
	}
	if (n < 1) {
		cmd_error("enable", "expected a cgroup PATH (see 'kava enable --help')");
		return 2;
	}
	ids = calloc((size_t)n, sizeof(*ids));
	added = calloc((size_t)n, 1);
	paths = calloc((size_t)n, sizeof(*paths));
	if (!ids || !added || !paths) {
		cmd_error("enable", "out of memory");
		goto cleanup;
	}
	if (cgroup2_mount(mount, sizeof(mount)) < 0)
		mount[0] = '\0';
	/* Every PATH is checked before anything changes. */
	for (i = 0; i < n; i++) {
		if (cmd_resolve_cgroup("enable", argv[i + 1], abs, sizeof(abs), &ids[i]) < 0)
			goto cleanup;
		if (!strcmp(abs, mount)) {
			cmd_error("enable", "%s is the root cgroup: enable a container's cgroup instead",
				  abs);
			goto cleanup;
		}
		paths[i] = strdup(abs);
		if (!paths[i]) {
			cmd_error("enable", "out of memory");
			goto cleanup;
		}
	}
	if (cmd_open_state("enable", &st, KAVA_OPEN_OR_LOAD) < 0)
		goto cleanup;
	if (registry_prune(&st, mount) < 0)
		cmd_error("enable", "warning: could not prune removed cgroups");
	for (i = 0; i < n; i++) {
		err = registry_enable(&st, ids[i], &slot);
		if (err < 0 && err != -EEXIST)
			break;
		added[i] = err == 0;
	}
	if (i < n)
		roll_back(&st, ids, added, i);
	kava_state_close(&st);
	if (err == -ENOSPC) {
		cmd_error("enable", "the enabled-cgroup table is full (%d containers); disable one first",
			  KAVA_MAX_CONTAINERS);
		goto cleanup;
	}
	if (i < n) {
		cmd_error("enable", "%s: %s", paths[i], strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (added[i])
			printf("enabled %s\n", paths[i]);
		else
			printf("%s is already enabled\n", paths[i]);
	}
	rc = 0;
cleanup:
	for (i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	free(ids);
	free(added);
	return rc;
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
