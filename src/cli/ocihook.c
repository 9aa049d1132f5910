// SPDX-License-Identifier: GPL-2.0
/*
 * kava oci-hook: a container runtime's hook. Reads the OCI container state
 * on stdin (podman, CRI-O, runc, crun: deploy/oci/kava-hook.json), or with
 * --lxc takes LXC's start-host hook environment (deploy/lxc/00-kava.conf).
 * Enables the container's cgroup (found from its pid), applies the policy
 * named by the io.kava.policy annotation, and attaches the view.
 *
 * Stage: createRuntime (runtime-spec config.md "Lifecycle"): the container's
 * mount namespace exists and its root filesystem is mounted, /proc included,
 * but pivot_root has not happened and the container's program has not
 * started. runc runs these hooks at exactly that point so that they can
 * change the container's mounts. The view is attached beneath the bundle's
 * root.path in that namespace, moves with pivot_root, and is in place before
 * the program's first read. At poststart (after pivot_root, the program
 * already running) it works too, through the task's own root.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup/path.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "common/util.h"
#include "deploy/attach.h"
#include "deploy/ocistate.h"
#include "policy/policy.h"
#include "sched/registry.h"

#define FUSE_SUPER_MAGIC 0x65735546
#define STATE_MAX (1 << 20)

static void usage(void)
{
	printf("usage: kava oci-hook [--mount DIR | --no-mount] [--lxc]\n\n"
	       "A container runtime's hook. Reads the OCI container state (JSON) on stdin,\n"
	       "enables the container's cgroup, applies the policy file named by the\n"
	       "annotation %s, and attaches the view at DIR (default /var/lib/kava)\n"
	       "in the container (not when annotated %s=false). Run it at\n"
	       "createRuntime (before pivot_root: the view is in place before the program\n"
	       "starts; deploy/oci/kava-hook.json) or poststart. If no view is served at\n"
	       "DIR, the container is enabled and gets no view (a note on stderr).\n\n"
	       "  --lxc       LXC's start-host hook (lxc.hook.start-host): the container is\n"
	       "              $LXC_PID; LXC's own arguments are ignored\n"
	       "  --no-mount  enable (and apply the policy) only\n",
	       OCI_ANNOTATION_POLICY, OCI_ANNOTATION_MOUNT);
}

static int read_stdin(char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	while ((r = read(STDIN_FILENO, buf + n, cap - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -errno;
		}
		n += (size_t)r;
		if (n == cap) {
			char *grown = cap < STATE_MAX ? realloc(buf, cap * 2) : NULL;

			if (!grown) {
				free(buf);
				return -EFBIG;
			}
			buf = grown;
			cap *= 2;
		}
	}
	*out = buf;
	*len = n;
	return 0;
}

/* The container's cgroup v2 directory and id, from its pid. */
static int pid_cgroup(pid_t pid, char *abs, size_t size, uint64_t *id)
{
	char path[64], mount[PATH_MAX], rel[PATH_MAX], *text = NULL;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	err = read_file(path, &text, NULL);
	if (err < 0)
		return err;
	err = cgroup_v2_path_from_proc(text, rel, sizeof(rel));
	free(text);
	if (err < 0 || cgroup2_mount(mount, sizeof(mount)) < 0)
		return err < 0 ? err : -ENOENT;
	if (snprintf(abs, size, "%s%s", mount, rel) >= (int)size)
		return -ENAMETOOLONG;
	return cgroup_id_of_path(abs, id);
}

static int enable(const char *abs, uint64_t id)
{
	struct kava_state st;
	uint32_t slot;
	int err;

	if (cmd_open_state("oci-hook", &st, KAVA_OPEN_OR_LOAD) < 0)
		return -1;
	err = registry_enable(&st, id, &slot);
	kava_state_close(&st);
	if (err == -ENOSPC)
		cmd_error("oci-hook", "%s: the enabled-cgroup table is full (%d containers)", abs,
			  KAVA_MAX_CONTAINERS);
	else if (err < 0 && err != -EEXIST)
		cmd_error("oci-hook", "cannot enable %s: %s", abs, strerror(-err));
	return err < 0 && err != -EEXIST ? -1 : 0;
}

static int apply_policy(const char *abs, const char *file)
{
	char why[1024] = "", warn[1024] = "";
	struct policy *p = malloc(sizeof(*p));
	int err = -ENOMEM;

	if (p)
		err = policy_parse_file(file, p, why, sizeof(why));
	if (!err)
		err = policy_apply(abs, p, warn, sizeof(warn), why, sizeof(why));
	free(p);
	if (warn[0])
		fprintf(stderr, "kava: oci-hook: %s\n", warn);
	if (err)
		cmd_error("oci-hook", "policy %s for %s: %s", file, abs, why[0] ? why : strerror(-err));
	return err ? -1 : 0;
}

/*
 * Before pivot_root the task's root is still the runtime's: attach beneath
 * the bundle's root.path, once the runtime has mounted /proc there.
 */
static int attach_pre_pivot(const char *root, const struct oci_state *s,
			    struct attach_report *rep, char *why, size_t why_size)
{
	char path[PATH_MAX + 64], rootfs[4096], *config = NULL;
	struct statfs sfs;
	size_t len = 0;
	int err;

	snprintf(path, sizeof(path), "%s/config.json", s->bundle);
	err = s->bundle[0] ? read_file(path, &config, &len) : -ENOENT;
	if (err < 0) {
		snprintf(why, why_size, "the container has not pivoted into its root and its "
			 "bundle's config.json cannot be read (%s)", strerror(-err));
		return err;
	}
	err = oci_config_root(config, len, s->bundle, rootfs, sizeof(rootfs), why, why_size);
	free(config);
	if (err < 0)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/root%s/proc", (int)s->pid, rootfs);
	if (statfs(path, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
		snprintf(why, why_size, "%s/proc is not mounted yet at this hook stage: run the "
			 "hook at createRuntime (runc, crun) or poststart", rootfs);
		return -EAGAIN;
	}
	return attach_view_rootfs(root, s->pid, rootfs, rep, why, why_size);
}

static int mount_view(const char *dir, const struct oci_state *s)
{
	char root[PATH_MAX], why[PATH_MAX + 256];
	struct attach_report rep;
	struct statfs sfs;
	int err;
	size_t i;

	if (statfs(dir, &sfs) < 0 ||
	    ((unsigned long)sfs.f_type != FUSE_SUPER_MAGIC && sfs.f_type != TMPFS_MAGIC)) {
		fprintf(stderr, "kava: oci-hook: no kava view at %s (is kava.service running?): "
			"container %s gets none\n", dir, s->id[0] ? s->id : "?");
		return 0;
	}
	if (attach_view_root(dir, s->pid, root, sizeof(root), why, sizeof(why)) < 0) {
		cmd_error("oci-hook", "%s", why);
		return -1;
	}
	err = attach_target_ready(s->pid) == 1
	      ? attach_view(root, s->pid, &rep, why, sizeof(why))
	      : attach_pre_pivot(root, s, &rep, why, sizeof(why));
	if (err < 0) {
		cmd_error("oci-hook", "container %s: %s", s->id[0] ? s->id : "?", why);
		return -1;
	}
	for (i = 0; i < ATTACH_NTARGETS; i++)
		if (rep.result[i] == ATTACH_FAILED)
			cmd_error("oci-hook", "container %s: %s: %s", s->id[0] ? s->id : "?",
				  attach_targets[i].target, strerror(rep.err[i]));
	return rep.failed ? -1 : 0;
}

int cmd_oci_hook(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "no-mount", no_argument, NULL, 'n' },
		{ "lxc", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = "/var/lib/kava";
	int opt, no_mount = 0, lxc = 0, err;
	struct oci_state s;
	char abs[PATH_MAX], why[512], *text = NULL;
	uint64_t id;
	size_t len = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm': dir = optarg; break;
		case 'n': no_mount = 1; break;
		case 'l': lxc = 1; break;
		case 'h': usage(); return 0;
		default: return 2;
		}
	}
	if (optind != argc && !lxc) {	/* LXC appends: NAME lxc start-host */
		cmd_error("oci-hook", "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (lxc) {
		const char *p = getenv("LXC_PID"), *name = getenv("LXC_NAME");
		char *end;
		long v = p ? strtol(p, &end, 10) : 0;

		if (!p || *end || v <= 0) {
			cmd_error("oci-hook", "--lxc: LXC_PID is not set (run as lxc.hook.start-host)");
			return 2;
		}
		memset(&s, 0, sizeof(s));
		s.pid = (pid_t)v;
		snprintf(s.id, sizeof(s.id), "%s", name ? name : "");
	} else {
		err = read_stdin(&text, &len);
		if (!err)
			err = oci_state_parse(text, len, &s, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "cannot read the state on stdin: %s", strerror(-err));
		free(text);
		if (err) {
			cmd_error("oci-hook", "%s", why);
			return 1;
		}
	}
	err = pid_cgroup(s.pid, abs, sizeof(abs), &id);
	if (err < 0) {
		cmd_error("oci-hook", "cannot find the cgroup v2 of container %s (pid %d): %s",
			  s.id[0] ? s.id : "?", (int)s.pid, strerror(-err));
		return 1;
	}
	if (enable(abs, id) < 0)
		return 1;
	if (s.policy[0] && apply_policy(abs, s.policy) < 0)
		return 1;
	if (!no_mount && !s.no_mount && mount_view(dir, &s) < 0)
		return 1;
	return 0;
}
