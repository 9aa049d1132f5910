/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the policy module: where its objects are pinned, loading them, and
 * opening the pinned maps. Used by probe.c, store.c and show.c; the rest of
 * kava goes through policy/policy.h.
 */
#ifndef KAVA_POLICY_PINS_H
#define KAVA_POLICY_PINS_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

struct policy_bpf;
struct bpf_program;

/* The pinned maps (and the cgroup/dev program) a policy command works on. */
struct pol_fds {
	int policies;
	int stats;
	int config;
	int prog;
};

struct bpf_program *pol_lsm_prog(struct policy_bpf *s, int i);
void pol_path(char *out, size_t size, const char *rel);          /* <pin dir>/policy/<rel> */
void pol_lsm_link_path(char *out, size_t size, int i);
void pol_cg_link_path(char *out, size_t size, uint64_t id);
int pol_exists(const char *path);
void pol_close_fds(struct pol_fds *f);
const char *pol_errname(int err);                                /* "EPERM" */

/* Load and pin what is not pinned yet (the LSM links too when want_lsm). */
int pol_ensure_loaded(int want_lsm, char *why, size_t why_size);
int pol_open_fds(struct pol_fds *f, int need_prog, char *why, size_t why_size);

/* Every policied cgroup id (*ids malloc'ed). */
int pol_list_ids(int fd, uint64_t **ids, size_t *n);
/* The start of `policy clear` and `policy show`: PATH resolved (abs is
 * PATH_MAX long), the maps open and room for one policy (*kp); on error
 * nothing is left open. */
struct kava_pol_policy;
int pol_open_for_cgroup(const char *path, char *abs, uint64_t *id, struct pol_fds *f,
			struct kava_pol_policy **kp, char *why, size_t why_size);
/* Why BPF LSM cannot be used here, one line. */
void pol_lsm_reason(const struct policy_kernel *k, char *out, size_t size);

#endif /* KAVA_POLICY_PINS_H */
