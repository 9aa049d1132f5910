// SPDX-License-Identifier: GPL-2.0
/*
 * kava policy show/list: a policy as the kernel holds it, text or JSON.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/bpfglue.h"
#include "sched/state.h"
#include "cgroup/path.h"
#include "policy/events.h"
#include "policy/policy.h"
#include "common/clock.h"
#include "common/json.h"
#include "policy/pins.h"
#include "policy.skel.h"
#include "common/util.h"


static void print_caps(FILE *out, uint64_t deny, int json)
{
	int cap, first = 1;

	for (cap = 0; cap <= KAVA_POL_CAP_LAST; cap++) {
		if (!(deny & (1ULL << cap)))
			continue;
		fprintf(out, json ? "%s\"%s\"" : "%s%s", first ? "" : json ? "," : " ",
			policy_cap_name(cap));
		first = 0;
	}
	if (first && !json)
		fprintf(out, "none");
}

static void show_text(FILE *out, const char *abs, uint64_t id, const struct kava_pol_policy *kp,
		      const struct kava_pol_stats *st, int lsm, int linked)
{
	char when[64], rule[64];
	__u32 i;

	format_iso_time(kp->applied_ns, 0, when, sizeof(when));
	fprintf(out, "cgroup:      %s (id %" PRIu64 ")\n", abs, id);
	fprintf(out, "mode:        %s\n", kp->mode == KAVA_POL_ENFORCE ? "enforce" : "audit");
	fprintf(out, "generation:  %u, applied %s\n", kp->generation, when);
	fprintf(out, "devices:     allowlist of %u rules%s\n", kp->nr_rules,
		kp->flags & KAVA_POL_F_BASE_SAFE ? " (safe base set included)" : "");
	for (i = 0; i < kp->nr_rules && i < KAVA_POL_MAX_RULES; i++) {
		policy_format_rule(&kp->rules[i], rule, sizeof(rule));
		if (kp->rules[i].line)
			fprintf(out, "  %2u  %-18s line %u\n", i, rule, kp->rules[i].line);
		else
			fprintf(out, "  %2u  %-18s base\n", i, rule);
	}
	fprintf(out, "caps denied: ");
	print_caps(out, kp->caps_deny, 0);
	if (kp->caps_deny)
		fprintf(out, " (from caps.%s, line %u)", kp->flags & KAVA_POL_F_CAPS_KEEP ?
			"keep" : "drop", kp->caps_line);
	fprintf(out, "\nhooks:       cgroup/dev %s; lsm file_open, inode_mknod, capable %s\n",
		linked ? "attached" : "NOT attached", lsm ? "active" : "not available");
	fprintf(out, "counters:    allowed %llu, denied %llu, would-deny %llu, events suppressed %llu\n",
		(unsigned long long)st->allowed, (unsigned long long)st->denied,
		(unsigned long long)st->would_deny, (unsigned long long)st->suppressed);
}

static void show_json(FILE *out, const char *abs, uint64_t id, const struct kava_pol_policy *kp,
		      const struct kava_pol_stats *st, int lsm, int linked)
{
	char rule[64];
	__u32 i;

	fprintf(out, "{\"cgroup\":");
	json_write_string(out, abs);
	fprintf(out, ",\"cgroup_id\":%" PRIu64 ",\"mode\":\"%s\",\"generation\":%u,"
		"\"applied_ns\":%llu,\"base\":\"%s\",\"devices\":[", id,
		kp->mode == KAVA_POL_ENFORCE ? "enforce" : "audit", kp->generation,
		(unsigned long long)kp->applied_ns, kp->flags & KAVA_POL_F_BASE_SAFE ? "safe" : "none");
	for (i = 0; i < kp->nr_rules && i < KAVA_POL_MAX_RULES; i++) {
		policy_format_rule(&kp->rules[i], rule, sizeof(rule));
		fprintf(out, "%s{\"rule\":\"%s\",\"line\":%u}", i ? "," : "", rule, kp->rules[i].line);
	}
	fprintf(out, "],\"caps_deny\":[");
	print_caps(out, kp->caps_deny, 1);
	fprintf(out, "],\"caps_line\":%u,\"cgroup_dev\":%s,\"lsm\":%s,", kp->caps_line,
		linked ? "true" : "false", lsm ? "true" : "false");
	fprintf(out, "\"allowed\":%llu,\"denied\":%llu,\"would_deny\":%llu,\"suppressed\":%llu}\n",
		(unsigned long long)st->allowed, (unsigned long long)st->denied,
		(unsigned long long)st->would_deny, (unsigned long long)st->suppressed);
}

static int lsm_links_pinned(void)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		pol_lsm_link_path(path, sizeof(path), i);
		if (!pol_exists(path))
			return 0;
	}
	return 1;
}

int policy_show(const char *path, int json, FILE *out, char *why, size_t why_size)
{
	struct pol_fds f = { -1, -1, -1, -1 };
	struct kava_pol_stats st;
	struct kava_pol_policy *kp;
	char abs[PATH_MAX], link[PATH_MAX];
	uint64_t id;
	int err;

	err = pol_open_for_cgroup(path, abs, &id, &f, &kp, why, why_size);
	if (err)
		return err;
	if (bpf_map_lookup_elem(f.policies, &id, kp) < 0) {
		snprintf(why, why_size, "%s has no policy", abs);
		err = -ENOENT;
		goto out;
	}
	if (bpf_map_lookup_elem(f.stats, &id, &st) < 0)
		memset(&st, 0, sizeof(st));
	pol_cg_link_path(link, sizeof(link), id);
	if (json)
		show_json(out, abs, id, kp, &st, lsm_links_pinned(), pol_exists(link));
	else
		show_text(out, abs, id, kp, &st, lsm_links_pinned(), pol_exists(link));
out:
	free(kp);
	pol_close_fds(&f);
	return err;
}

int policy_list(int json, FILE *out, char *why, size_t why_size)
{
	struct pol_fds f = { -1, -1, -1, -1 };
	char mount[PATH_MAX], path[PATH_MAX];
	struct kava_pol_policy *kp;
	uint64_t *ids = NULL;
	size_t n = 0, i;
	int err;

	err = kava_check_privileges(why, why_size);
	if (!err)
		err = policy_prune(why, why_size);
	if (err >= 0)
		err = pol_open_fds(&f, 0, why, why_size);
	if (err == -ENOENT)
		return 0;                          /* nothing loaded: no policies */
	if (err)
		return err;
	kp = calloc(1, sizeof(*kp));
	err = kp ? cgroup2_mount(mount, sizeof(mount)) : -ENOMEM;
	if (!err)
		err = pol_list_ids(f.policies, &ids, &n);
	if (err) {
		snprintf(why, why_size, "cannot list policies: %s", strerror(-err));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(f.policies, &ids[i], kp) < 0)
			continue;
		if (cgroup_path_of_id(mount, ids[i], path, sizeof(path)) < 0)
			snprintf(path, sizeof(path), "(removed cgroup %" PRIu64 ")", ids[i]);
		if (json) {
			fprintf(out, "{\"cgroup\":");
			json_write_string(out, path);
			fprintf(out, ",\"cgroup_id\":%" PRIu64 ",\"mode\":\"%s\",\"rules\":%u,"
				"\"caps_deny\":[", ids[i], kp->mode == KAVA_POL_ENFORCE ? "enforce" :
				"audit", kp->nr_rules);
			print_caps(out, kp->caps_deny, 1);
			fprintf(out, "]}\n");
		} else {
			fprintf(out, "%s  %s, %u device rules, caps denied: ", path,
				kp->mode == KAVA_POL_ENFORCE ? "enforce" : "audit", kp->nr_rules);
			print_caps(out, kp->caps_deny, 0);
			fputc('\n', out);
		}
	}
out:
	free(ids);
	free(kp);
	pol_close_fds(&f);
	return err;
}
