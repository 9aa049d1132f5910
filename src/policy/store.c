// SPDX-License-Identifier: GPL-2.0
/*
 * Policies in the kernel's policies map: apply (whole-value atomic replace),
 * clear, prune, and the pinned cgroup/dev link of each policied cgroup.
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
#include "policy/pins.h"
#include "policy.skel.h"
#include "common/util.h"


/* Every policied cgroup id; *ids is malloc'ed. */
int pol_list_ids(int fd, uint64_t **ids, size_t *n)
{
	uint64_t key, next, *v = NULL, *tmp;
	size_t cap = 0, count = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp) {
				free(v);
				return -ENOMEM;
			}
			v = tmp;
		}
		v[count++] = next;
		key = next;
		prev = &key;
	}
	*ids = v;
	*n = count;
	return 0;
}

/* kpol_config.nr_policies = entries in kpol_policies: the hooks' fast exit. */
static int update_count(const struct pol_fds *f)
{
	struct kava_pol_config cfg;
	uint64_t *ids = NULL;
	__u32 zero = 0;
	size_t n;
	int err;

	err = pol_list_ids(f->policies, &ids, &n);
	if (err)
		return err;
	free(ids);
	if (bpf_map_lookup_elem(f->config, &zero, &cfg) < 0)
		return -errno;
	cfg.nr_policies = (__u32)n;
	if (bpf_map_update_elem(f->config, &zero, &cfg, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* Attach prog_dev to the cgroup through a pinned bpf_link, unless it is. */
static int ensure_link(int prog_fd, const char *abs, uint64_t id, char *why, size_t why_size)
{
	char path[PATH_MAX];
	int cg_fd, link_fd, err = 0;

	pol_cg_link_path(path, sizeof(path), id);
	if (pol_exists(path))
		return 0;
	cg_fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "cannot open %s: %s", abs, strerror(-err));
		return err;
	}
	/* BPF_LINK_CREATE for cgroups always means BPF_F_ALLOW_MULTI */
	link_fd = bpf_link_create(prog_fd, cg_fd, BPF_CGROUP_DEVICE, NULL);
	if (link_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "cannot attach the cgroup/dev program to %s: %s (%s)%s", abs,
			 strerror(-err), pol_errname(err),
			 err == -EPERM ? "; an ancestor may hold a program attached without "
					 "BPF_F_ALLOW_MULTI" : "");
		goto out;
	}
	if (bpf_obj_pin(link_fd, path) < 0) {
		err = -errno;
		snprintf(why, why_size, "cannot pin %s: %s", path, strerror(-err));
	}
	close(link_fd);
out:
	close(cg_fd);
	return err;
}

static int check_caps(const struct policy *p, uint64_t caps_deny, char *warn, size_t warn_size,
		      char *why, size_t why_size, int *lsm)
{
	struct policy_kernel k;
	char reason[512] = "";

	*lsm = policy_lsm_available(&k);
	if (!caps_deny || *lsm)
		return 0;
	pol_lsm_reason(&k, reason, sizeof(reason));
	if (p->mode == KAVA_POL_ENFORCE) {
		snprintf(why, why_size, "caps.%s needs BPF LSM, which this kernel does not offer "
			 "(%s); nothing was changed", p->caps_kind == POLICY_CAPS_KEEP ? "keep" : "drop",
			 reason);
		return -EOPNOTSUPP;
	}
	snprintf(warn, warn_size, "warning: BPF LSM is not available (%s): caps lines are "
		 "neither audited nor enforced; device rules apply through cgroup/dev", reason);
	return 0;
}

static int store_policy(const struct pol_fds *f, uint64_t id, struct kava_pol_policy *kp,
			int *existed, char *why, size_t why_size)
{
	struct kava_pol_stats zero_stats;
	struct kava_pol_policy *old;
	int err = 0;

	old = calloc(1, sizeof(*old));
	if (!old)
		return -ENOMEM;
	*existed = bpf_map_lookup_elem(f->policies, &id, old) == 0;
	kp->generation = *existed ? old->generation + 1 : 1;
	kp->applied_ns = realtime_ns();
	memset(&zero_stats, 0, sizeof(zero_stats));
	if (bpf_map_update_elem(f->stats, &id, &zero_stats, BPF_NOEXIST) < 0 && errno != EEXIST) {
		err = -errno;
		snprintf(why, why_size, "cannot store the policy counters: %s", strerror(-err));
		goto out;
	}
	/* One update replaces the whole policy: see kpol_policies in policy.bpf.c. */
	if (bpf_map_update_elem(f->policies, &id, kp, BPF_ANY) < 0) {
		err = -errno;
		snprintf(why, why_size, "cannot store the policy: %s", err == -E2BIG ?
			 "too many policied cgroups (at most " "1024)" : strerror(-err));
		if (!*existed)
			bpf_map_delete_elem(f->stats, &id);
	}
out:
	free(old);
	return err;
}

int policy_apply(const char *path, const struct policy *p, char *warn, size_t warn_size,
		 char *why, size_t why_size)
{
	struct pol_fds f = { -1, -1, -1, -1 };
	struct kava_pol_policy *kp;
	char abs[PATH_MAX];
	int err, lsm, existed = 0;
	uint64_t id;

	warn[0] = '\0';
	err = kava_check_privileges(why, why_size);
	if (err)
		return err;
	err = cgroup_resolve(path, abs, sizeof(abs), &id, why, why_size);
	if (err)
		return err;
	kp = calloc(1, sizeof(*kp));
	if (!kp)
		return -ENOMEM;
	policy_compile(p, kp);
	err = check_caps(p, kp->caps_deny, warn, warn_size, why, why_size, &lsm);
	if (err)
		goto out;
	err = pol_ensure_loaded(lsm, why, why_size);
	if (err)
		goto out;
	err = policy_prune(why, why_size);     /* release links of removed cgroups */
	if (err < 0)
		goto out;
	err = pol_open_fds(&f, 1, why, why_size);
	if (err)
		goto out;
	err = store_policy(&f, id, kp, &existed, why, why_size);
	if (err)
		goto out;
	update_count(&f);
	err = ensure_link(f.prog, abs, id, why, why_size);
	if (err && !existed) {                  /* a failed first apply leaves nothing */
		bpf_map_delete_elem(f.policies, &id);
		bpf_map_delete_elem(f.stats, &id);
		update_count(&f);
	}
out:
	pol_close_fds(&f);
	free(kp);
	return err;
}

/*
 * The start of `policy clear` and `policy show`: PATH resolved (abs is
 * PATH_MAX long), the policy maps open, and room for one policy. On error
 * nothing is left open and `why` says what failed.
 */
int pol_open_for_cgroup(const char *path, char *abs, uint64_t *id, struct pol_fds *f,
			   struct kava_pol_policy **kp, char *why, size_t why_size)
{
	int err = kava_check_privileges(why, why_size);

	if (!err)
		err = cgroup_resolve(path, abs, PATH_MAX, id, why, why_size);
	if (!err)
		err = pol_open_fds(f, 0, why, why_size);
	if (err)
		return err;
	*kp = calloc(1, sizeof(**kp));
	if (!*kp) {
		pol_close_fds(f);
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Remove one cgroup's link and entries by id. */
static int clear_id(const struct pol_fds *f, uint64_t id)
{
	char path[PATH_MAX];
	int err = 0;

	pol_cg_link_path(path, sizeof(path), id);
	if (unlink(path) < 0 && errno != ENOENT)
		err = -errno;                   /* the last reference: detaches the program */
	if (bpf_map_delete_elem(f->policies, &id) < 0 && errno != ENOENT && !err)
		err = -errno;
	bpf_map_delete_elem(f->stats, &id);
	return err;
}

int policy_clear(const char *path, char *why, size_t why_size)
{
	struct pol_fds f = { -1, -1, -1, -1 };
	struct kava_pol_policy *kp;
	char abs[PATH_MAX], link[PATH_MAX];
	uint64_t id;
	int err;

	err = pol_open_for_cgroup(path, abs, &id, &f, &kp, why, why_size);
	if (err)
		return err;
	pol_cg_link_path(link, sizeof(link), id);
	if (bpf_map_lookup_elem(f.policies, &id, kp) < 0 && !pol_exists(link)) {
		snprintf(why, why_size, "%s has no policy", abs);
		err = -ENOENT;
		goto out;
	}
	err = clear_id(&f, id);
	if (err)
		snprintf(why, why_size, "cannot remove the policy of %s: %s", abs, strerror(-err));
	update_count(&f);
out:
	free(kp);
	pol_close_fds(&f);
	return err;
}

static int unlink_dir_entries(const char *dir)
{
	struct dirent *de;
	char path[PATH_MAX];
	int err = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0 && errno != EISDIR && errno != EPERM)
			err = -errno;
	}
	closedir(d);
	return err;
}

int policy_clear_all(char *why, size_t why_size)
{
	char dir[PATH_MAX], links[PATH_MAX];
	int err;

	err = kava_check_privileges(why, why_size);
	if (err)
		return err;
	policy_pin_dir(dir, sizeof(dir));
	pol_path(links, sizeof(links), "links");
	err = unlink_dir_entries(links);
	if (!err)
		err = unlink_dir_entries(dir);
	if (err) {
		snprintf(why, why_size, "cannot remove the policy state in %s: %s", dir, strerror(-err));
		return err;
	}
	rmdir(links);
	rmdir(dir);
	return 0;
}

int policy_prune(char *why, size_t why_size)
{
	struct pol_fds f = { -1, -1, -1, -1 };
	char mount[PATH_MAX], path[PATH_MAX];
	uint64_t *ids = NULL;
	size_t n, i;
	int err, pruned = 0;

	err = pol_open_fds(&f, 0, why, why_size);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = cgroup2_mount(mount, sizeof(mount));
	if (!err)
		err = pol_list_ids(f.policies, &ids, &n);
	if (err) {
		snprintf(why, why_size, "cannot list policies: %s", strerror(-err));
		goto out;
	}
	for (i = 0; i < n; i++) {
		err = cgroup_path_of_id(mount, ids[i], path, sizeof(path));
		if (err == -ESTALE || err == -ENOENT) {
			clear_id(&f, ids[i]);
			pruned++;
		}
	}
	err = 0;
	if (pruned)
		update_count(&f);
out:
	free(ids);
	pol_close_fds(&f);
	return err < 0 ? err : pruned;
}
