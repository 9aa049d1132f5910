// SPDX-License-Identifier: GPL-2.0
/*
 * Policies in the kernel. Layout under <pin dir>/policy:
 *   kpol_policies, kpol_stats, kpol_config, kpol_events   maps (pinned by name)
 *   prog_dev                 the cgroup/dev program
 *   links/cg-<cgroup id>     its bpf_link to each policied cgroup
 *   links/lsm_<hook>         the LSM programs' links, where BPF LSM runs
 * Pinned links keep the programs attached while no kava process runs, and a
 * bpf_link cannot be detached by a runtime that replaces a cgroup's
 * programs with BPF_PROG_ATTACH; unlinking the pin releases the last
 * reference, which detaches it.
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
#include "policy/pins.h"
#include "policy.skel.h"
#include "common/util.h"


const char *const policy_lsm_hooks[POLICY_NR_LSM_HOOKS] = { "file_open", "inode_mknod", "capable" };

struct bpf_program *pol_lsm_prog(struct policy_bpf *s, int i)
{
	switch (i) {
	case 0: return s->progs.kpol_file_open;
	case 1: return s->progs.kpol_inode_mknod;
	default: return s->progs.kpol_capable;
	}
}

void policy_pin_dir(char *out, size_t size)
{
	snprintf(out, size, "%s/%s", kava_pin_dir(), KAVA_POL_PIN_SUBDIR);
}

void pol_path(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s/%s", kava_pin_dir(), KAVA_POL_PIN_SUBDIR, rel);
}

void pol_lsm_link_path(char *out, size_t size, int i)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "links/lsm_%s", policy_lsm_hooks[i]);
	pol_path(out, size, rel);
}

void pol_cg_link_path(char *out, size_t size, uint64_t id)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "links/cg-%" PRIu64, id);
	pol_path(out, size, rel);
}

int pol_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void pol_close_fds(struct pol_fds *f)
{
	close_fd(&f->policies);
	close_fd(&f->stats);
	close_fd(&f->config);
	close_fd(&f->prog);
}

const char *pol_errname(int err)
{
	const char *n = strerrorname_np(err < 0 ? -err : err);

	return n ? n : "?";
}



static int prepare_dirs(char *why, size_t why_size)
{
	char path[PATH_MAX];
	int err;

	err = bpfload_prepare_pin_dir(kava_pin_dir(), why, why_size);
	if (err)
		return err;
	policy_pin_dir(path, sizeof(path));
	err = bpfload_prepare_pin_dir(path, why, why_size);
	if (err)
		return err;
	pol_path(path, sizeof(path), "links");
	return bpfload_prepare_pin_dir(path, why, why_size);
}

/* A kpol_config of another ABI: the one line that says so, and the way out. */
static int other_version(const struct kava_pol_config *cfg, char *why, size_t why_size)
{
	if (!cfg->abi_version || cfg->abi_version == KAVA_POL_ABI_VERSION)
		return 0;
	snprintf(why, why_size, "the policy state pinned in %s/%s is from another kava "
		 "version (policy ABI %u, this kava's is %u); 'kava policy clear --all' removes it",
		 kava_pin_dir(), KAVA_POL_PIN_SUBDIR, cfg->abi_version, (unsigned int)KAVA_POL_ABI_VERSION);
	return -EPROTO;
}

static int init_config(int fd, char *why, size_t why_size)
{
	struct kava_pol_config cfg;
	__u32 zero = 0;
	int err;

	if (bpf_map_lookup_elem(fd, &zero, &cfg) < 0) {
		snprintf(why, why_size, "cannot read kpol_config: %s", strerror(errno));
		return -errno;
	}
	if (cfg.abi_version == KAVA_POL_ABI_VERSION)
		return 0;
	err = other_version(&cfg, why, why_size);
	if (err)
		return err;
	cfg.abi_version = KAVA_POL_ABI_VERSION;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) < 0) {
		snprintf(why, why_size, "cannot write kpol_config: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Before loading programs beside pinned maps: maps of another ABI (a
 * kava_pol_stats of another size) would make libbpf refuse to reuse them
 * with a message about parameters; say which version is pinned instead.
 */
static int check_pinned_version(char *why, size_t why_size)
{
	struct kava_pol_config cfg = { 0 };
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	pol_path(path, sizeof(path), "kpol_config");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;	/* nothing pinned yet */
	if (bpf_map_lookup_elem(fd, &zero, &cfg) == 0)
		err = other_version(&cfg, why, why_size);
	close(fd);
	return err;
}

static int pin_lsm_links(struct policy_bpf *s, const int *need, char *why, size_t why_size)
{
	struct bpf_link *link;
	char path[PATH_MAX];
	int i, err;

	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		if (!need[i])
			continue;
		link = bpf_program__attach_lsm(pol_lsm_prog(s, i));
		if (!link) {
			err = -errno;
			snprintf(why, why_size, "cannot attach lsm/%s: %s", policy_lsm_hooks[i],
				 strerror(-err));
			return err;
		}
		pol_lsm_link_path(path, sizeof(path), i);
		err = bpf_link__pin(link, path);
		bpf_link__destroy(link);           /* closes our fd; the pin stays */
		if (err) {
			snprintf(why, why_size, "cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * Load whatever is not pinned yet: the cgroup/dev program, and the LSM
 * links when `want_lsm`. Maps pinned by an earlier load are reused (libbpf
 * LIBBPF_PIN_BY_NAME with pin_root_path), so policies survive.
 */
int pol_ensure_loaded(int want_lsm, char *why, size_t why_size)
{
	char dir[PATH_MAX], prog_path[PATH_MAX], path[PATH_MAX];
	int need_lsm[POLICY_NR_LSM_HOOKS], need_dev, any, i, err;
	struct bpf_object_open_opts opts;
	struct policy_bpf *s;

	policy_pin_dir(dir, sizeof(dir));
	pol_path(prog_path, sizeof(prog_path), "prog_dev");
	need_dev = !pol_exists(prog_path);
	any = need_dev;
	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		pol_lsm_link_path(path, sizeof(path), i);
		need_lsm[i] = want_lsm && !pol_exists(path);
		any |= need_lsm[i];
	}
	if (!any)
		return 0;
	err = prepare_dirs(why, why_size);
	if (!err)
		err = check_pinned_version(why, why_size);
	if (err)
		return err;
	memset(&opts, 0, sizeof(opts));
	opts.sz = sizeof(opts);
	opts.pin_root_path = dir;               /* maps pinned by name under it */
	s = policy_bpf__open_opts(&opts);
	if (!s) {
		err = neg_errno_or(-ENOMEM);
		snprintf(why, why_size, "cannot open the policy BPF object: %s", strerror(-err));
		return err;
	}
	bpf_program__set_autoload(s->progs.kpol_dev, need_dev);
	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++)
		bpf_program__set_autoload(pol_lsm_prog(s, i), need_lsm[i]);
	err = policy_bpf__load(s);
	if (err) {
		bpfload_describe_failure(err, why, why_size);
		goto out;
	}
	err = init_config(bpf_map__fd(s->maps.kpol_config), why, why_size);
	if (err)
		goto out;
	if (need_dev) {
		err = bpf_program__pin(s->progs.kpol_dev, prog_path);
		if (err) {
			snprintf(why, why_size, "cannot pin %s: %s", prog_path, strerror(-err));
			goto out;
		}
	}
	err = pin_lsm_links(s, need_lsm, why, why_size);
out:
	policy_bpf__destroy(s);
	return err;
}

static int open_pinned(const char *rel, int *fd, char *why, size_t why_size)
{
	char path[PATH_MAX];

	pol_path(path, sizeof(path), rel);
	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		int err = -errno;

		if (err == -ENOENT)
			snprintf(why, why_size, "no policy is loaded (nothing pinned in %s/%s)",
				 kava_pin_dir(), KAVA_POL_PIN_SUBDIR);
		else
			snprintf(why, why_size, "cannot open %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

int pol_open_fds(struct pol_fds *f, int need_prog, char *why, size_t why_size)
{
	int err;

	f->policies = f->stats = f->config = f->prog = -1;
	err = open_pinned("kpol_policies", &f->policies, why, why_size);
	if (!err)
		err = open_pinned("kpol_stats", &f->stats, why, why_size);
	if (!err)
		err = open_pinned("kpol_config", &f->config, why, why_size);
	if (!err && need_prog)
		err = open_pinned("prog_dev", &f->prog, why, why_size);
	if (err)
		pol_close_fds(f);
	return err;
}
