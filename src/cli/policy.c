// SPDX-License-Identifier: GPL-2.0
/* kava policy apply|show|clear|check. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "common/bpfglue.h"
#include "policy/parse.h"
#include "policy/policy.h"

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

static int policy_apply_cmd(int npos, char **pos)
{
	const char *path = pos[1], *file = npos > 2 ? pos[2] : NULL;
	char why[1024] = "", warn[1024] = "";
	struct policy p;
	int err;

	if (npos != 3 || !file) {
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

static int policy_show_cmd(int npos, char **pos, int json)
{
	const char *path = npos > 1 ? pos[1] : NULL;
	int err;
	char why[1024] = "";

	if (npos > 2) {
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

static int policy_clear_cmd(int npos, char **pos, int all)
{
	const char *path = npos > 1 ? pos[1] : NULL;
	int err;
	char why[1024] = "";

	if ((!path && !all) || (path && all) || npos > 2) {
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

static int policy_check_cmd(int npos, char **pos)
{
	const char *file = npos > 1 ? pos[1] : NULL;
	struct policy p;
	char why[1024] = "";

	if (npos != 2) {
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
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int json = 0, all = 0, npos, opt;
	const char *sub;
	char **pos;

	while ((opt = cli_getopt("policy", argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'a': all = 1; break;
		case 'h': fputs(policy_usage, stdout); return 0;
		default: return 2;
		}
	}
	pos = argv + optind;
	npos = argc - optind;
	sub = npos ? pos[0] : "";
	if ((json && strcmp(sub, "show")) || (all && strcmp(sub, "clear"))) {
		cmd_error("policy", "%s applies to 'policy %s' only", json ? "--json" : "--all",
			  json ? "show" : "clear");
		return 2;
	}
	bpfload_init_logging();
	if (!strcmp(sub, "apply"))
		return policy_apply_cmd(npos, pos);
	if (!strcmp(sub, "show"))
		return policy_show_cmd(npos, pos, json);
	if (!strcmp(sub, "clear"))
		return policy_clear_cmd(npos, pos, all);
	if (!strcmp(sub, "check"))
		return policy_check_cmd(npos, pos);
	fputs(policy_usage, stderr);
	return 2;
}
