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
#include "policy.skel.h"
#include "common/util.h"

const char *const policy_lsm_hooks[POLICY_NR_LSM_HOOKS] = { "file_open", "inode_mknod", "capable" };

struct pol_fds {
	int policies;
	int stats;
	int config;
	int prog;
};

static struct bpf_program *lsm_prog(struct policy_bpf *s, int i)
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

static void pol_path(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s/%s", kava_pin_dir(), KAVA_POL_PIN_SUBDIR, rel);
}

static void lsm_link_path(char *out, size_t size, int i)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "links/lsm_%s", policy_lsm_hooks[i]);
	pol_path(out, size, rel);
}

static void cg_link_path(char *out, size_t size, uint64_t id)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "links/cg-%" PRIu64, id);
	pol_path(out, size, rel);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_fds(struct pol_fds *f)
{
	close_fd(&f->policies);
	close_fd(&f->stats);
	close_fd(&f->config);
	close_fd(&f->prog);
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err < 0 ? -err : err);

	return n ? n : "?";
}

/* ---- probing the kernel ---------------------------------------------- */

/* A scratch cgroup beneath our own, for an attach probe; "" when none. */
static void scratch_cgroup(char *out, size_t size)
{
	char mount[PATH_MAX], own[PATH_MAX], *text = NULL;
	size_t len;

	out[0] = '\0';
	if (cgroup2_mount(mount, sizeof(mount)) < 0 || read_file("/proc/self/cgroup", &text, &len) < 0)
		return;
	if (cgroup_v2_path_from_proc(text, own, sizeof(own)) == 0) {
		int n = snprintf(out, size, "%s%s/kava-probe-%d", mount,
				 strcmp(own, "/") ? own : "", (int)getpid());

		if (n < 0 || (size_t)n >= size || mkdir(out, 0755) < 0)
			out[0] = '\0';
	}
	free(text);
}

/*
 * Load one program of the policy object (which: -1 cgroup/dev, else an LSM
 * hook) with unpinned maps, attach it, and undo everything.
 */
static int probe_prog(int which, const char *cg)
{
	struct bpf_link *link = NULL;
	struct policy_bpf *s;
	struct bpf_map *m;
	int err, i, cg_fd = -1;

	s = policy_bpf__open();
	if (!s)
		return neg_errno_or(-ENOMEM);
	for (m = bpf_object__next_map(s->obj, NULL); m; m = bpf_object__next_map(s->obj, m))
		bpf_map__set_pin_path(m, NULL);            /* a probe pins nothing */
	bpf_program__set_autoload(s->progs.kpol_dev, which < 0);
	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++)
		bpf_program__set_autoload(lsm_prog(s, i), which == i);
	err = policy_bpf__load(s);
	if (err)
		goto out;
	if (which >= 0) {
		link = bpf_program__attach_lsm(lsm_prog(s, which));
	} else if (cg && *cg) {
		cg_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg_fd < 0) {
			err = -errno;
			goto out;
		}
		link = bpf_program__attach_cgroup(s->progs.kpol_dev, cg_fd);
	} else {
		goto out;
	}
	if (!link)
		err = -errno;
out:
	bpf_link__destroy(link);
	if (cg_fd >= 0)
		close(cg_fd);
	policy_bpf__destroy(s);
	return err;
}

static void read_lsm_list(struct policy_kernel *k)
{
	char *text = NULL, *tok, *save = NULL;
	size_t len;

	if (read_file("/sys/kernel/security/lsm", &text, &len) < 0)
		return;
	k->lsm_file_readable = 1;
	snprintf(k->lsm_list, sizeof(k->lsm_list), "%s", text);
	k->lsm_list[strcspn(k->lsm_list, "\n")] = '\0';
	for (tok = strtok_r(text, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			k->lsm_listed = 1;
	free(text);
}

void policy_probe_kernel(struct policy_kernel *k, int dev_too)
{
	char cg[PATH_MAX];
	int i;

	memset(k, 0, sizeof(*k));
	read_lsm_list(k);
	k->lsm_active = k->lsm_listed;
	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		k->lsm_prog_err[i] = probe_prog(i, NULL);
		if (k->lsm_prog_err[i])
			k->lsm_active = 0;
	}
	if (dev_too) {
		scratch_cgroup(cg, sizeof(cg));
		k->dev_prog_err = probe_prog(-1, cg);
		if (cg[0])
			rmdir(cg);
	}
}

int policy_lsm_available(struct policy_kernel *k)
{
	char path[PATH_MAX];
	int i, pinned = 1;

	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		lsm_link_path(path, sizeof(path), i);
		pinned &= exists(path);
	}
	if (pinned) {
		memset(k, 0, sizeof(*k));
		k->lsm_listed = k->lsm_active = 1;
		return 1;
	}
	policy_probe_kernel(k, 0);
	return k->lsm_active;
}

/* Why BPF LSM can't be used, in a few words. */
static void lsm_reason(const struct policy_kernel *k, char *out, size_t size)
{
	int i, n = 0;

	if (!k->lsm_file_readable)
		n = snprintf(out, size, "/sys/kernel/security/lsm is missing");
	else if (!k->lsm_listed)
		n = snprintf(out, size, "'bpf' is not among the active LSMs (%s)", k->lsm_list);
	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		if (!k->lsm_prog_err[i])
			continue;
		snprintf(out + n, size - (size_t)n, "%sthe kernel refused lsm/%s: %s (%s)",
			 n ? "; " : "", policy_lsm_hooks[i], strerror(-k->lsm_prog_err[i]),
			 errname(k->lsm_prog_err[i]));
		return;
	}
}

/* ---- loading and pinning ---------------------------------------------- */

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

static int init_config(int fd, char *why, size_t why_size)
{
	struct kava_pol_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &cfg) < 0) {
		snprintf(why, why_size, "cannot read kpol_config: %s", strerror(errno));
		return -errno;
	}
	if (cfg.abi_version == KAVA_POL_ABI_VERSION)
		return 0;
	if (cfg.abi_version) {
		snprintf(why, why_size, "the policy state pinned in %s/%s is from another kava "
			 "version; 'kava policy clear --all' removes it", kava_pin_dir(),
			 KAVA_POL_PIN_SUBDIR);
		return -EPROTO;
	}
	cfg.abi_version = KAVA_POL_ABI_VERSION;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) < 0) {
		snprintf(why, why_size, "cannot write kpol_config: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int pin_lsm_links(struct policy_bpf *s, const int *need, char *why, size_t why_size)
{
	struct bpf_link *link;
	char path[PATH_MAX];
	int i, err;

	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		if (!need[i])
			continue;
		link = bpf_program__attach_lsm(lsm_prog(s, i));
		if (!link) {
			err = -errno;
			snprintf(why, why_size, "cannot attach lsm/%s: %s", policy_lsm_hooks[i],
				 strerror(-err));
			return err;
		}
		lsm_link_path(path, sizeof(path), i);
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
static int ensure_loaded(int want_lsm, char *why, size_t why_size)
{
	char dir[PATH_MAX], prog_path[PATH_MAX], path[PATH_MAX];
	int need_lsm[POLICY_NR_LSM_HOOKS], need_dev, any, i, err;
	struct bpf_object_open_opts opts;
	struct policy_bpf *s;

	policy_pin_dir(dir, sizeof(dir));
	pol_path(prog_path, sizeof(prog_path), "prog_dev");
	need_dev = !exists(prog_path);
	any = need_dev;
	for (i = 0; i < POLICY_NR_LSM_HOOKS; i++) {
		lsm_link_path(path, sizeof(path), i);
		need_lsm[i] = want_lsm && !exists(path);
		any |= need_lsm[i];
	}
	if (!any)
		return 0;
	err = prepare_dirs(why, why_size);
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
		bpf_program__set_autoload(lsm_prog(s, i), need_lsm[i]);
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

static int open_fds(struct pol_fds *f, int need_prog, char *why, size_t why_size)
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
		close_fds(f);
	return err;
}

/* ---- the policies map ------------------------------------------------- */

/* Every policied cgroup id; *ids is malloc'ed. */
static int list_ids(int fd, uint64_t **ids, size_t *n)
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

	err = list_ids(f->policies, &ids, &n);
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

	cg_link_path(path, sizeof(path), id);
	if (exists(path))
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
			 strerror(-err), errname(err),
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

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int check_caps(const struct policy *p, uint64_t caps_deny, char *warn, size_t warn_size,
		      char *why, size_t why_size, int *lsm)
{
	struct policy_kernel k;
	char reason[512] = "";

	*lsm = policy_lsm_available(&k);
	if (!caps_deny || *lsm)
		return 0;
	lsm_reason(&k, reason, sizeof(reason));
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
	err = ensure_loaded(lsm, why, why_size);
	if (err)
		goto out;
	err = policy_prune(why, why_size);     /* release links of removed cgroups */
	if (err < 0)
		goto out;
	err = open_fds(&f, 1, why, why_size);
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
	close_fds(&f);
	free(kp);
	return err;
}

/*
 * The start of `policy clear` and `policy show`: PATH resolved (abs is
 * PATH_MAX long), the policy maps open, and room for one policy. On error
 * nothing is left open and `why` says what failed.
 */
static int open_for_cgroup(const char *path, char *abs, uint64_t *id, struct pol_fds *f,
			   struct kava_pol_policy **kp, char *why, size_t why_size)
{
	int err = kava_check_privileges(why, why_size);

	if (!err)
		err = cgroup_resolve(path, abs, PATH_MAX, id, why, why_size);
	if (!err)
		err = open_fds(f, 0, why, why_size);
	if (err)
		return err;
	*kp = calloc(1, sizeof(**kp));
	if (!*kp) {
		close_fds(f);
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

	cg_link_path(path, sizeof(path), id);
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

	err = open_for_cgroup(path, abs, &id, &f, &kp, why, why_size);
	if (err)
		return err;
	cg_link_path(link, sizeof(link), id);
	if (bpf_map_lookup_elem(f.policies, &id, kp) < 0 && !exists(link)) {
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
	close_fds(&f);
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

	err = open_fds(&f, 0, why, why_size);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = cgroup2_mount(mount, sizeof(mount));
	if (!err)
		err = list_ids(f.policies, &ids, &n);
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
	close_fds(&f);
	return err < 0 ? err : pruned;
}

/* ---- showing ------------------------------------------------------------ */

static void format_time(uint64_t ns, char *out, size_t size)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "?");
}

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

	format_time(kp->applied_ns, when, sizeof(when));
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
	events_json_string(out, abs);
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
		lsm_link_path(path, sizeof(path), i);
		if (!exists(path))
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

	err = open_for_cgroup(path, abs, &id, &f, &kp, why, why_size);
	if (err)
		return err;
	if (bpf_map_lookup_elem(f.policies, &id, kp) < 0) {
		snprintf(why, why_size, "%s has no policy", abs);
		err = -ENOENT;
		goto out;
	}
	if (bpf_map_lookup_elem(f.stats, &id, &st) < 0)
		memset(&st, 0, sizeof(st));
	cg_link_path(link, sizeof(link), id);
	if (json)
		show_json(out, abs, id, kp, &st, lsm_links_pinned(), exists(link));
	else
		show_text(out, abs, id, kp, &st, lsm_links_pinned(), exists(link));
out:
	free(kp);
	close_fds(&f);
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
		err = open_fds(&f, 0, why, why_size);
	if (err == -ENOENT)
		return 0;                          /* nothing loaded: no policies */
	if (err)
		return err;
	kp = calloc(1, sizeof(*kp));
	err = kp ? cgroup2_mount(mount, sizeof(mount)) : -ENOMEM;
	if (!err)
		err = list_ids(f.policies, &ids, &n);
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
			events_json_string(out, path);
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
	close_fds(&f);
	return err;
}
