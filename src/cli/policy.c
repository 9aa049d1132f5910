// SPDX-License-Identifier: GPL-2.0
/* kava policy apply|show|clear|check, kava events, kava doctor. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <linux/magic.h>

#include "common/bpfglue.h"
#include "sched/state.h"
#include "cgroup/path.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "policy/events.h"
#include "policy/policy.h"
#include "policy/parse.h"

static const char policy_usage[] =
	"usage: kava policy apply PATH FILE    apply FILE to cgroup PATH and its descendants\n"
	"       kava policy show [PATH] [--json]  the policy in force (all policies without PATH)\n"
	"       kava policy clear PATH | --all  remove a cgroup's policy (--all: everything)\n"
	"       kava policy check FILE          parse FILE only\n"
	"\n"
	"PATH is a cgroup v2 directory, absolute or relative to the cgroup2 mount.\n"
	"Policy file (one setting per line, '#' comments):\n"
	"  mode = audit | enforce               audit denies nothing, reports would-deny\n"
	"  devices.base = safe | none           default safe: null zero full random urandom\n"
	"                                       tty ptmx pts (all rwm)\n"
	"  devices.allow = TYPE MAJ:MIN ACCESS  TYPE a|b|c, MAJ/MIN number or *, ACCESS of rwm\n"
	"  devices.allow = /dev/PATH ACCESS     resolved to its type and major:minor\n"
	"  caps.drop = NAME...  |  caps.keep = NAME...   (never both; needs BPF LSM)\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int has_flag(int argc, char **argv, const char *flag)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], flag))
			return 1;
	return 0;
}

/* The i-th argument that is not an option, or NULL. */
static const char *positional(int argc, char **argv, int want)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] == '-')
			continue;
		if (n++ == want)
			return argv[i];
	}
	return NULL;
}

static int count_positional(int argc, char **argv)
{
	int n = 0;

	while (positional(argc, argv, n))
		n++;
	return n;
}

static int unknown_options(const char *cmd, int argc, char **argv, const char *const *known)
{
	const char *const *k;
	int i, ok;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			continue;
		for (ok = 0, k = known; *k; k++)
			ok |= !strcmp(argv[i], *k);
		if (!ok) {
			cmd_error(cmd, "unknown option '%s'", argv[i]);
			return 1;
		}
	}
	return 0;
}

static int policy_apply_cmd(int argc, char **argv)
{
	const char *path = positional(argc, argv, 1), *file = positional(argc, argv, 2);
	char why[1024], warn[1024];
	struct policy p;
	int err;

	if (!path || !file || count_positional(argc, argv) != 3) {
		fputs(policy_usage, stderr);
		return 2;
	}
	err = policy_parse_file(file, &p, why, sizeof(why));
	if (err) {
		cmd_error("policy apply", "%s", why);
		return 1;
	}
	err = policy_apply(path, &p, warn, sizeof(warn), why, sizeof(why));
	if (warn[0])
		fprintf(stderr, "kava: policy apply: %s\n", warn);
	if (err) {
		cmd_error("policy apply", "%s", why);
		return 1;
	}
	printf("%s: %s policy applied\n", path, p.mode == KAVA_POL_ENFORCE ? "enforce" : "audit");
	return 0;
}

static int policy_show_cmd(int argc, char **argv)
{
	const char *path = positional(argc, argv, 1);
	int json = has_flag(argc, argv, "--json"), err;
	char why[1024] = "";

	if (count_positional(argc, argv) > 2) {
		fputs(policy_usage, stderr);
		return 2;
	}
	if (path)
		err = policy_show(path, json, stdout, why, sizeof(why));
	else
		err = policy_list(json, stdout, why, sizeof(why));
	if (err) {
		cmd_error("policy show", "%s", why);
		return 1;
	}
	return 0;
}

static int policy_clear_cmd(int argc, char **argv)
{
	const char *path = positional(argc, argv, 1);
	int all = has_flag(argc, argv, "--all"), err;
	char why[1024] = "";

	if ((!path && !all) || (path && all) || count_positional(argc, argv) > 2) {
		fputs(policy_usage, stderr);
		return 2;
	}
	err = all ? policy_clear_all(why, sizeof(why)) : policy_clear(path, why, sizeof(why));
	if (err) {
		cmd_error("policy clear", "%s", why);
		return 1;
	}
	return 0;
}

static int policy_check_cmd(int argc, char **argv)
{
	const char *file = positional(argc, argv, 1);
	struct policy p;
	char why[1024] = "";

	if (!file || count_positional(argc, argv) != 2) {
		fputs(policy_usage, stderr);
		return 2;
	}
	if (policy_parse_file(file, &p, why, sizeof(why))) {
		cmd_error("policy check", "%s", why);
		return 1;
	}
	printf("%s: ok (%s, %u device rules%s, %s)\n", file,
	       p.mode == KAVA_POL_ENFORCE ? "enforce" : "audit", p.nr_rules,
	       p.base_safe ? " and the safe base set" : "",
	       p.caps_kind == POLICY_CAPS_NONE ? "no caps lines" :
	       p.caps_kind == POLICY_CAPS_DROP ? "caps.drop" : "caps.keep");
	return 0;
}

int cmd_policy(int argc, char **argv)
{
	static const char *const known[] = { "--json", "--all", "-h", "--help", NULL };
	const char *sub = positional(argc, argv, 0);

	if (cli_wants_help(argc, argv)) {
		fputs(policy_usage, stdout);
		return 0;
	}
	if (unknown_options("policy", argc, argv, known))
		return 2;
	bpfload_init_logging();
	if (sub && !strcmp(sub, "apply"))
		return policy_apply_cmd(argc, argv);
	if (sub && !strcmp(sub, "show"))
		return policy_show_cmd(argc, argv);
	if (sub && !strcmp(sub, "clear"))
		return policy_clear_cmd(argc, argv);
	if (sub && !strcmp(sub, "check"))
		return policy_check_cmd(argc, argv);
	fputs(policy_usage, stderr);
	return 2;
}

int cmd_events(int argc, char **argv)
{
	static const char *const known[] = { "--json", "--follow", "-f", "-h", "--help", NULL };
	struct events_opts o = { .out = stdout, .stop = &stop_flag };
	struct sigaction sa;
	char why[1024] = "";
	int n;

	if (cli_wants_help(argc, argv)) {
		printf("usage: kava events [--follow] [--json]\n"
		       "Print the policy denials (and audit-mode would-deny) the kernel reported;\n"
		       "--follow keeps printing new ones until SIGINT/SIGTERM. Events are consumed.\n");
		return 0;
	}
	if (unknown_options("events", argc, argv, known))
		return 2;
	if (count_positional(argc, argv)) {
		cmd_error("events", "unexpected argument '%s'", positional(argc, argv, 0));
		return 2;
	}
	o.follow = has_flag(argc, argv, "--follow") || has_flag(argc, argv, "-f");
	o.json = has_flag(argc, argv, "--json");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;             /* no SA_RESTART: epoll_wait returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	bpfload_init_logging();
	n = events_run(&o, why, sizeof(why));
	if (n < 0) {
		cmd_error("events", "%s", why);
		return 1;
	}
	return 0;
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
	int i, n;

	if (cli_wants_help(argc, argv)) {
		printf("usage: kava doctor [--seccomp-listener PATH]...\n"
		       "Show which BPF hooks this kernel offers kava's policy engine (probes load\n"
		       "and attach each program, then remove it), and which path answers\n"
		       "containers' sysinfo(2): the BPF rewrite, kava's seccomp listener (a kava\n"
		       "run listening at PATH; default /run/kava/seccomp.sock and\n"
		       "/run/kava/seccomp-lxc.sock), or none.\n");
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seccomp-listener") && i + 1 < argc && nsock < 4) {
			sockets[nsock++] = argv[++i];
			continue;
		}
		cmd_error("doctor", "unexpected argument '%s'", argv[i]);
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
