// SPDX-License-Identifier: GPL-2.0
/*
 * Probing what the kernel offers for policies: BPF LSM listed and loading,
 * the cgroup/dev program (kava doctor, and the caps.* check of apply).
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
		bpf_program__set_autoload(pol_lsm_prog(s, i), which == i);
	err = policy_bpf__load(s);
	if (err)
		goto out;
	if (which >= 0) {
		link = bpf_program__attach_lsm(pol_lsm_prog(s, which));
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
		pol_lsm_link_path(path, sizeof(path), i);
		pinned &= pol_exists(path);
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
void pol_lsm_reason(const struct policy_kernel *k, char *out, size_t size)
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
			 pol_errname(k->lsm_prog_err[i]));
		return;
	}
}
