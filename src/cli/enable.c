// SPDX-License-Identifier: GPL-2.0
/* kava enable | disable | list | unload: managing the enabled-container table. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/path.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "sched/registry.h"

/* The cgroups named on one command line, all resolved before anything changes. */
struct cgroup_args {
	int n;
	uint64_t *ids;
	char **paths;     /* absolute paths, as printed back */
	char *changed;    /* this call enabled / disabled ids[i] */
};

static void cgroup_args_free(struct cgroup_args *a)
{
	for (int i = 0; a->paths && i < a->n; i++)
		free(a->paths[i]);
	free(a->paths);
	free(a->ids);
	free(a->changed);
}

/* Resolve every PATH of argv[1..]; on any error say which and return -1. */
static int cgroup_args_resolve(const char *cmd, int argc, char **argv, struct cgroup_args *a)
{
	char abs[PATH_MAX], mount[PATH_MAX];
	int i;

	memset(a, 0, sizeof(*a));
	a->n = argc - 1;
	a->ids = calloc((size_t)a->n, sizeof(*a->ids));
	a->changed = calloc((size_t)a->n, 1);
	a->paths = calloc((size_t)a->n, sizeof(*a->paths));
	if (!a->ids || !a->changed || !a->paths) {
		cmd_error(cmd, "out of memory");
		return -1;
	}
	if (cgroup2_mount(mount, sizeof(mount)) < 0)
		mount[0] = '\0';
	for (i = 0; i < a->n; i++) {
		if (cmd_resolve_cgroup(cmd, argv[i + 1], abs, sizeof(abs), &a->ids[i]) < 0)
			return -1;
		if (!strcmp(abs, mount)) {
			cmd_error(cmd, "%s is the root cgroup: name a container's cgroup instead", abs);
			return -1;
		}
		a->paths[i] = strdup(abs);
		if (!a->paths[i]) {
			cmd_error(cmd, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* Undo the enables of this call: a failed 'kava enable' changes nothing. */
static void roll_back(struct kava_state *st, const struct cgroup_args *a, int upto)
{
	for (int i = 0; i < upto; i++)
		if (a->changed[i] && registry_disable(st, a->ids[i]) < 0)
			cmd_error("enable", "warning: could not undo the enable of %s", a->paths[i]);
}

static const char path_help[] =
	"PATH is a cgroup v2 directory, absolute or relative to the cgroup2 mount\n"
	"(/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts).\n";

int cmd_enable(int argc, char **argv)
{
	char mount[PATH_MAX];
	struct cgroup_args a;
	struct kava_state st;
	int rc = 1, i, err = 0;
	uint32_t slot;

	switch (cli_no_options("enable", argc, argv)) {
	case -1:
		return 2;
	case 1:
		printf("usage: kava enable PATH...\n\n"
		       "Count each cgroup's tasks, and those of every descendant cgroup,\n"
		       "as one container: load averages, CPU time, tasks. Loads kava's\n"
		       "BPF programs first if they are not loaded. All or nothing: if one\n"
		       "PATH cannot be enabled, none is.\n\n%s", path_help);
		return 0;
	}
	if (optind >= argc) {
		cmd_error("enable", "expected a cgroup PATH (see 'kava enable --help')");
		return 2;
	}
	if (cgroup_args_resolve("enable", argc - optind + 1, argv + optind - 1, &a) < 0)
		goto cleanup;
	if (cmd_open_state("enable", &st, KAVA_OPEN_OR_LOAD) < 0)
		goto cleanup;
	if (cgroup2_mount(mount, sizeof(mount)) < 0 || registry_prune(&st, mount) < 0)
		cmd_error("enable", "warning: could not prune removed cgroups");
	for (i = 0; i < a.n; i++) {
		err = registry_enable(&st, a.ids[i], &slot);
		if (err < 0 && err != -EEXIST)
			break;
		a.changed[i] = err == 0;
	}
	if (i < a.n)
		roll_back(&st, &a, i);
	kava_state_close(&st);
	if (err == -ENOSPC) {
		cmd_error("enable", "the enabled-cgroup table is full (%d containers); disable one first",
			  KAVA_MAX_CONTAINERS);
		goto cleanup;
	}
	if (i < a.n) {
		cmd_error("enable", "%s: %s", a.paths[i], strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < a.n; i++) {
		if (a.changed[i])
			printf("enabled %s\n", a.paths[i]);
		else
			printf("%s is already enabled\n", a.paths[i]);
	}
	rc = 0;
cleanup:
	cgroup_args_free(&a);
	return rc;
}

int cmd_disable(int argc, char **argv)
{
	struct cgroup_args a;
	struct kava_state st;
	int rc = 1, i, err = 0;
	uint32_t slot;

	switch (cli_no_options("disable", argc, argv)) {
	case -1:
		return 2;
	case 1:
		printf("usage: kava disable PATH...\n\n"
		       "Stop counting each cgroup; its figures are discarded. All or\n"
		       "nothing: if one PATH is not enabled, none is disabled.\n\n%s", path_help);
		return 0;
	}
	if (optind >= argc) {
		cmd_error("disable", "expected a cgroup PATH (see 'kava disable --help')");
		return 2;
	}
	if (cgroup_args_resolve("disable", argc - optind + 1, argv + optind - 1, &a) < 0)
		goto cleanup;
	if (cmd_open_state("disable", &st, KAVA_OPEN_EXISTING) < 0)
		goto cleanup;
	/* Every PATH must be enabled before any is disabled. */
	for (i = 0; i < a.n; i++)
		if (registry_lookup(&st, a.ids[i], &slot, NULL) < 0)
			break;
	if (i < a.n) {
		kava_state_close(&st);
		cmd_error("disable", "%s is not enabled", a.paths[i]);
		goto cleanup;
	}
	for (i = 0; i < a.n; i++) {
		err = registry_disable(&st, a.ids[i]);
		if (err == -ENOENT)
			continue;	/* the same cgroup named twice */
		if (err < 0)
			break;
		a.changed[i] = 1;
	}
	kava_state_close(&st);
	for (int j = 0; j < a.n; j++)
		if (a.changed[j])
			printf("disabled %s\n", a.paths[j]);
	if (i < a.n) {
		cmd_error("disable", "%s: %s", a.paths[i], strerror(-err));
		goto cleanup;
	}
	rc = 0;
cleanup:
	cgroup_args_free(&a);
	return rc;
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

	switch (cli_no_options("list", argc, argv)) {
	case -1:
		return 2;
	case 1:
		printf("usage: kava list\n\nPrint the enabled cgroups: cgroup id and path.\n"
		       "Enabled cgroups that were removed are disabled first.\n");
		return 0;
	}
	if (optind != argc) {
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
	char why[512] = "";

	switch (cli_no_options("unload", argc, argv)) {
	case -1:
		return 2;
	case 1:
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
