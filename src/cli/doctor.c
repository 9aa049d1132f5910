// SPDX-License-Identifier: GPL-2.0
/*
 * kava doctor: what this kernel offers kava (the policy engine's BPF hooks),
 * which path answers containers' sysinfo(2), and the policies in force.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <linux/magic.h>

#include "cgroup/path.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "common/bpfglue.h"
#include "common/util.h"
#include "policy/policy.h"
#include "sched/state.h"
#include "seccomp/probe.h"

static void doctor_sysinfo(const char *const *sockets, int n)
{
	struct sysinfo_paths p = { 0 };
	char path[PATH_MAX], line[1024], *text = NULL;
	int i, k = 0;

	snprintf(path, sizeof(path), "%s/links/kava_sysinfo_exit", kava_pin_dir());
	if (access(path, F_OK) == 0) {
		p.bpf = SYSINFO_BPF_ATTACHED;
	} else {
		/* loaded without it: the kernel refused the program (kava run said so) */
		snprintf(path, sizeof(path), "%s/kava_config", kava_pin_dir());
		p.bpf = access(path, F_OK) == 0 ? SYSINFO_BPF_REFUSED : SYSINFO_BPF_UNKNOWN;
	}
	if (read_file("/sys/kernel/security/lockdown", &text, NULL) == 0)
		lockdown_mode(text, p.lockdown, sizeof(p.lockdown));
	free(text);
	text = NULL;
	if (read_file("/proc/net/unix", &text, NULL) == 0)
		for (i = 0; i < n && k < 3; i++)
			if (unix_listening(text, sockets[i]))
				p.listening[k++] = sockets[i];
	free(text);
	sysinfo_paths_describe(&p, line, sizeof(line));
	printf("sysinfo(2):  %s\n", line);
}

static void doctor_prog(const char *hook, int err, const char *what)
{
	const char *name = strerrorname_np(-err);

	if (!err)
		printf("  %-18s ok (%s)\n", hook, what);
	else
		printf("  %-18s refused: %s (%s)\n", hook, strerror(-err), name ? name : "?");
}

static void doctor_environment(void)
{
	char mount[PATH_MAX];
	struct utsname u;
	struct statfs sfs;

	if (uname(&u) == 0)
		printf("kernel:      %s %s\n", u.sysname, u.release);
	printf("BTF:         %s\n", access(kava_btf_path(), R_OK) == 0 ? "yes" : "NO (policy "
	       "programs need CONFIG_DEBUG_INFO_BTF=y)");
	printf("bpffs:       %s\n", statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC ?
	       "mounted at /sys/fs/bpf" : "not mounted (kava mounts it on first use)");
	if (cgroup2_mount(mount, sizeof(mount)) == 0)
		printf("cgroup2:     %s\n", mount);
	else
		printf("cgroup2:     NOT mounted (policies need cgroup v2)\n");
}

int cmd_doctor(int argc, char **argv)
{
	const char *sockets[4];
	int nsock = 0;
	struct policy_kernel k;
	char why[512] = "";
	static const struct option opts[] = {
		{ "seccomp-listener", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int i, n, opt;

	while ((opt = cli_getopt("doctor", argc, argv, "h", opts)) != -1) {
		if (opt == 's' && nsock < 4) {
			sockets[nsock++] = optarg;
			continue;
		}
		if (opt == 's') {
			cmd_error("doctor", "at most 4 --seccomp-listener paths");
			return 2;
		}
		if (opt != 'h')
			return 2;
		printf("usage: kava doctor [--seccomp-listener PATH]...\n"
		       "Show which BPF hooks this kernel offers kava's policy engine (probes load\n"
		       "and attach each program, then remove it), and which path answers\n"
		       "containers' sysinfo(2): the BPF rewrite, kava's seccomp listener (a kava\n"
		       "run listening at PATH; default /run/kava/seccomp.sock and\n"
		       "/run/kava/seccomp-lxc.sock), or none.\n");
		return 0;
	}
	if (optind < argc) {
		cmd_error("doctor", "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!nsock) {
		sockets[nsock++] = "/run/kava/seccomp.sock";
		sockets[nsock++] = "/run/kava/seccomp-lxc.sock";
	}
	if (kava_check_privileges(why, sizeof(why))) {
		cmd_error("doctor", "%s", why);
		return 1;
	}
	bpfload_init_logging();
	doctor_environment();
	doctor_sysinfo(sockets, nsock);
	policy_probe_kernel(&k, 1);
	if (k.lsm_file_readable)
		printf("LSMs:        %s (%s)\n", k.lsm_list, k.lsm_listed ? "bpf listed" : "bpf NOT listed");
	else
		printf("LSMs:        /sys/kernel/security/lsm missing (securityfs not mounted or no LSM support)\n");
	printf("hooks:\n");
	doctor_prog("cgroup/dev", k.dev_prog_err, "loads and attaches: device rules enforced");
	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		char hook[32];

		snprintf(hook, sizeof(hook), "lsm/%s", policy_lsm_hooks[i]);
		doctor_prog(hook, k.lsm_prog_err[i], "loads and attaches");
	}
	if (k.lsm_active)
		printf("BPF LSM:     active: device rules also on open and mknod; caps lines enforced\n");
	else
		printf("BPF LSM:     NOT available: device rules through cgroup/dev only; a policy "
		       "with caps lines is refused in enforce mode and warned about in audit mode\n");
	n = policy_prune(why, sizeof(why));
	if (n > 0)
		printf("pruned:      %d policies of removed cgroups\n", n);
	printf("policies:\n");
	fflush(stdout);
	if (policy_list(0, stdout, why, sizeof(why)) < 0)
		printf("  (cannot list: %s)\n", why);
	return 0;
}
