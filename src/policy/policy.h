/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policies in the kernel: loading and pinning bpf/policy.bpf.c under
 * <pin dir>/policy, applying a parsed policy to a cgroup (map value plus a
 * pinned cgroup/dev bpf_link), showing and clearing it, and finding out
 * what this kernel's BPF LSM can do.
 */
#ifndef KAVA_POLICY_H_USER
#define KAVA_POLICY_H_USER

#include <stdint.h>
#include <stdio.h>

#include "kava_policy.h"
#include "policy/parse.h"

/* The LSM programs, in the order of policy_lsm_hooks[]. */
#define POLICY_NR_LSM_HOOKS 3
extern const char *const policy_lsm_hooks[POLICY_NR_LSM_HOOKS];  /* "file_open", ... */

/* What the kernel offers. */
struct policy_kernel {
	int lsm_listed;             /* 'bpf' in /sys/kernel/security/lsm */
	int lsm_file_readable;      /* that file exists and was read */
	char lsm_list[256];         /* its contents */
	int lsm_prog_err[POLICY_NR_LSM_HOOKS]; /* 0: loads and attaches, else -errno */
	int dev_prog_err;           /* cgroup/dev: 0 loads and attaches, else -errno */
	int lsm_active;             /* listed and every LSM program attaches */
};

/* Probe the kernel (root). `dev_too`: also load and attach cgroup/dev to a
 * scratch cgroup. Never changes pinned state. */
void policy_probe_kernel(struct policy_kernel *k, int dev_too);

/* BPF LSM usable: LSM links already pinned, or a probe that succeeds. */
int policy_lsm_available(struct policy_kernel *k);

/* Where policy state is pinned: <kava pin dir>/policy. */
void policy_pin_dir(char *out, size_t size);

/*
 * Apply a parsed policy to the cgroup at `path` (absolute or relative to the
 * cgroup2 mount). Loads and pins the programs on first use. A failure
 * changes nothing and writes one line into `why`; a warning (caps in audit
 * mode without BPF LSM) goes into `warn` (empty when none).
 */
int policy_apply(const char *path, const struct policy *p, char *warn, size_t warn_size,
		 char *why, size_t why_size);

/* Remove the policy of a cgroup (its link and map entries). */
int policy_clear(const char *path, char *why, size_t why_size);

/* Remove every policy, program and map pinned under the policy dir. */
int policy_clear_all(char *why, size_t why_size);

/* Print a cgroup's policy (text or JSON); -ENOENT when it has none. */
int policy_show(const char *path, int json, FILE *out, char *why, size_t why_size);

/* Print every policied cgroup, one line each. */
int policy_list(int json, FILE *out, char *why, size_t why_size);

/* Drop policies of cgroups that no longer exist; returns how many. */
int policy_prune(char *why, size_t why_size);

#endif
