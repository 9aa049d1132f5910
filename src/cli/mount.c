// SPDX-License-Identifier: GPL-2.0
/*
 * kava mount | umount TARGET: put the view over a container's /proc files
 * and /sys/devices/system/cpu, inside the container's own mount namespace.
 *
 * The work is in src/deploy/attach.c (shared with the OCI hook and the
 * agent's --auto-mount); this file parses the command line and reports.
 */
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/path.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "deploy/attach.h"

static void mount_usage(const char *cmd)
{
	printf("usage: kava %s [--mount DIR] TARGET\n\n"
	       "TARGET is a container's pid, or its cgroup path (then any process in it).\n"
	       "%s\n\n"
	       "  --mount DIR   where the view lives (default /var/lib/kava): a FUSE view\n"
	       "                is used as is, a tmpfs view through DIR/<cgroup id>/\n",
	       cmd, !strcmp(cmd, "mount")
	       ? "Bind the view over /proc/{meminfo,cpuinfo,stat,uptime,loadavg,diskstats,swaps},\n"
		 "/proc/pressure/* and /sys/devices/system/cpu in the target's mount namespace.\n"
		 "Dead or stale view mounts there (left by an agent that stopped without a\n"
		 "service manager holding its connection) are detached and replaced. Every\n"
		 "target is reported: mounted, replaced, current (already this view), missing\n"
		 "(not in the container: skipped) or failed; any failure exits non-zero."
	       : "Undo 'kava mount': detach the view's mounts (every stacked one) in the\n"
		 "target's mount namespace.");
}

/* TARGET -> a pid: digits are a pid, anything else a cgroup (its first process). */
static pid_t target_pid(const char *cmd, const char *target)
{
	char abs[PATH_MAX], *end;
	uint64_t id;
	long v = strtol(target, &end, 10);
	pid_t pid;

	if (*target && !*end) {
		if (v <= 0 || kill((pid_t)v, 0) < 0) {
			cmd_error(cmd, "no process %s", target);
			return -1;
		}
		return (pid_t)v;
	}
	if (cmd_resolve_cgroup(cmd, target, abs, sizeof(abs), &id) < 0)
		return -1;
	pid = cgroup_first_pid(abs);
	if (!pid) {
		cmd_error(cmd, "%s has no process to find its mount namespace by", abs);
		return -1;
	}
	return pid;
}

/* One line per target, then the summary; returns the exit status. */
static int report(const char *cmd, const struct attach_report *rep, const char *root, pid_t pid)
{
	int count[ATTACH_NOT_MOUNTED + 1] = { 0 };
	size_t i;

	for (i = 0; i < ATTACH_NTARGETS; i++) {
		count[rep->result[i]]++;
		if (rep->result[i] == ATTACH_FAILED)
			printf("%-11s %s: %s\n", "failed", attach_targets[i].target,
			       strerror(rep->err[i]));
		else
			printf("%-11s %s%s\n", attach_result_name(rep->result[i]),
			       attach_targets[i].target,
			       rep->result[i] == ATTACH_MISSING ? " (not in the container)" : "");
	}
	if (rep->failed) {
		fflush(stdout);
		cmd_error(cmd, "%d of the targets could not be %s in process %d's mount namespace",
			  rep->failed, root ? "mounted" : "unmounted", (int)pid);
		return 1;
	}
	if (root)
		printf("kava view %s in process %d's mount namespace: %d mounted, %d replaced, "
		       "%d current, %d missing\n", root, (int)pid, count[ATTACH_MOUNTED],
		       count[ATTACH_REPLACED], count[ATTACH_CURRENT], count[ATTACH_MISSING]);
	else
		printf("kava view removed from process %d's mount namespace: %d unmounted\n",
		       (int)pid, count[ATTACH_UNMOUNTED]);
	return 0;
}

static int mount_cmd(int argc, char **argv, int attach)
{
	static const struct option opts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = attach ? "mount" : "umount", *dir = "/var/lib/kava";
	struct attach_report rep;
	char root[PATH_MAX], why[PATH_MAX + 256];
	int opt, err;
	pid_t pid;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'm')
			dir = optarg;
		else if (opt == 'h') {
			mount_usage(cmd);
			return 0;
		} else
			return 2;
	}
	if (optind != argc - 1) {
		cmd_error(cmd, "expected one TARGET (see 'kava %s --help')", cmd);
		return 2;
	}
	if (geteuid() != 0) {
		cmd_error(cmd, "must run as root (it joins another mount namespace)");
		return 1;
	}
	pid = target_pid(cmd, argv[optind]);
	if (pid <= 0)
		return 1;
	if (attach && attach_view_root(dir, pid, root, sizeof(root), why, sizeof(why)) < 0) {
		cmd_error(cmd, "%s", why);
		return 1;
	}
	err = attach ? attach_view(root, pid, &rep, why, sizeof(why))
		     : detach_view(pid, &rep, why, sizeof(why));
	if (err < 0) {
		cmd_error(cmd, "%s", why);
		return 1;
	}
	return report(cmd, &rep, attach ? root : NULL, pid);
}

int cmd_mount(int argc, char **argv)
{
	return mount_cmd(argc, argv, 1);
}

int cmd_umount(int argc, char **argv)
{
	return mount_cmd(argc, argv, 0);
}
