// SPDX-License-Identifier: GPL-2.0
/* kava's kernel state: load once, pin, and reopen from the pins. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <zlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/bpfglue.h"
#include "sched/state.h"
#include "kava.h"
#include "sched.skel.h"
#include "common/util.h"

/* Programs attached to kernel hooks, each pinned as links/<name>. */
static const char *const attached_progs[] = {
	"kava_sched_switch", "kava_sched_wakeup", "kava_sched_wakeup_new",
	"kava_cgroup_attach_task", "kava_sysinfo_exit",
};
static const char *const map_names[] = {
	"kava_config", "kava_enabled", "kava_cgcache", "kava_slots",
	"kava_cpustats", "kava_cpucur", "kava_timer", "kava_tasks",
};
#define SEED_PIN "progs/kava_seed"	/* pinned last: marks a complete load */

const char *kava_pin_dir(void)
{
	const char *dir = getenv("KAVA_PIN_DIR");

	return dir && *dir ? dir : KAVA_PIN_DIR;
}

const char *kava_btf_path(void)
{
	const char *p = getenv("KAVA_SYSFS_BTF");

	return p && *p ? p : "/sys/kernel/btf/vmlinux";
}

static void pin_path(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", kava_pin_dir(), rel);
}

int kava_check_privileges(char *why, size_t why_size)
{
	if (geteuid() != 0) {
		snprintf(why, why_size, "must run as root (BPF programs and pinned maps need it)");
		return -EPERM;
	}
	if (access(kava_btf_path(), R_OK) < 0) {
		snprintf(why, why_size,
			 "this kernel has no BTF (%s missing): kava needs CONFIG_DEBUG_INFO_BTF=y",
			 kava_btf_path());
		return -ENOTSUP;
	}
	return 0;
}

static int open_pin(const char *rel)
{
	char path[PATH_MAX];

	pin_path(path, sizeof(path), rel);
	return bpf_obj_get(path);
}

static void init_fds(struct kava_state *st)
{
	memset(st, 0, sizeof(*st));
	st->config_fd = st->enabled_fd = st->cgcache_fd = st->slots_fd = -1;
	st->cpustats_fd = st->cpucur_fd = st->timer_fd = st->tasks_fd = st->seed_prog_fd = -1;
}

void kava_state_close(struct kava_state *st)
{
	int *fds[] = { &st->config_fd, &st->enabled_fd, &st->cgcache_fd, &st->slots_fd,
		       &st->cpustats_fd, &st->cpucur_fd, &st->timer_fd, &st->tasks_fd,
		       &st->seed_prog_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int open_existing(struct kava_state *st, char *why, size_t why_size)
{
	struct { int *fd; const char *name; } want[] = {
		{ &st->config_fd, "kava_config" }, { &st->enabled_fd, "kava_enabled" },
		{ &st->cgcache_fd, "kava_cgcache" }, { &st->slots_fd, "kava_slots" },
		{ &st->cpustats_fd, "kava_cpustats" }, { &st->cpucur_fd, "kava_cpucur" },
		{ &st->timer_fd, "kava_timer" }, { &st->tasks_fd, "kava_tasks" },
		{ &st->seed_prog_fd, SEED_PIN },
	};
	struct kava_config cfg;
	__u32 zero = 0;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		*want[i].fd = open_pin(want[i].name);
		if (*want[i].fd < 0) {
			int err = -errno;

			snprintf(why, why_size, "cannot open pinned %s/%s: %s", kava_pin_dir(),
				 want[i].name, strerror(errno));
			kava_state_close(st);
			return err;
		}
	}
	if (bpf_map_lookup_elem(st->config_fd, &zero, &cfg) < 0 || cfg.abi_version != KAVA_ABI_VERSION) {
		snprintf(why, why_size,
			 "the state pinned in %s is from another kava version; 'kava unload' removes it",
			 kava_pin_dir());
		kava_state_close(st);
		return -EPROTO;
	}
	return 0;
}

static int is_loaded(void)
{
	char path[PATH_MAX];

	pin_path(path, sizeof(path), SEED_PIN);
	return access(path, F_OK) == 0;
}

/* Attach a program unless a pinned link from an earlier load still holds it. */
static int attach_and_pin(struct bpf_program *prog, char *why, size_t why_size)
{
	char path[PATH_MAX], rel[128];
	struct bpf_link *link;
	int err;

	snprintf(rel, sizeof(rel), "links/%s", bpf_program__name(prog));
	pin_path(path, sizeof(path), rel);
	if (access(path, F_OK) == 0)
		return 0;
	link = bpf_program__attach(prog);
	if (!link) {
		err = -errno;
		snprintf(why, why_size, "the kernel refused to attach BPF program '%s': %s (%s)",
			 bpf_program__name(prog), strerror(-err), strerrorname_np(-err));
		return err;
	}
	err = bpf_link__pin(link, path);
	if (err < 0)
		snprintf(why, why_size, "cannot pin %s: %s", path, strerror(-err));
	bpf_link__destroy(link);	/* the pin keeps it attached */
	return err;
}

static int start_load_clock(struct sched_bpf *skel, char *why, size_t why_size)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.kava_start_timer), &topts);
	if (err < 0 || topts.retval != 0) {
		snprintf(why, why_size, "cannot start the load-average timer: %s (step %u)",
			 err < 0 ? strerror(-err) : "refused", topts.retval);
		return err < 0 ? err : -EINVAL;
	}
	return 0;
}

/*
 * The kernel's HZ, from its build config (/boot/config-$(uname -r), else
 * /proc/config.gz). Without either, 250 (Debian's) and a note.
 */
static unsigned int kernel_hz(void)
{
	char path[300], line[256];
	struct utsname u;
	unsigned int hz = 0;
	gzFile gz = NULL;

	if (uname(&u) == 0) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		gz = gzopen(path, "rb");	/* reads plain files too */
	}
	if (!gz)
		gz = gzopen("/proc/config.gz", "rb");
	while (gz && gzgets(gz, line, sizeof(line)))
		if (sscanf(line, "CONFIG_HZ=%u", &hz) == 1)
			break;
	if (gz)
		gzclose(gz);
	if (!hz) {
		fprintf(stderr, "kava: note: kernel config not found (/boot/config-*, /proc/config.gz): "
			"assuming HZ=250 for LOAD_FREQ\n");
		hz = 250;
	}
	return hz;
}

static int write_initial_config(struct sched_bpf *skel)
{
	struct kava_config cfg;
	__u32 zero = 0;
	int fd = bpf_map__fd(skel->maps.kava_config);

	if (bpf_map_lookup_elem(fd, &zero, &cfg) < 0)
		return -errno;
	if (cfg.abi_version == KAVA_ABI_VERSION)
		return 0;	/* reused from an earlier load */
	if (cfg.abi_version != 0)
		return -EPROTO;
	cfg.abi_version = KAVA_ABI_VERSION;
	cfg.nr_enabled = 0;
	/* LOAD_FREQ: 5*HZ+1 jiffies, as kernel/sched/loadavg.c */
	cfg.load_freq_ns = 5000000000ull + 1000000000ull / kernel_hz();
	return bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) < 0 ? -errno : 0;
}

/* Open the object and load it, with or without the sysinfo(2) program. */
/* The loaded skeleton, or NULL with *err set to a negative errno. */
static struct sched_bpf *open_and_load(const struct bpf_object_open_opts *opts, __u32 ncpus,
				       int with_sysinfo, int *err)
{
	struct sched_bpf *skel;

	bpfload_init_logging();
	skel = sched_bpf__open_opts(opts);
	if (!skel) {
		*err = neg_errno_or(-ENOMEM);
		return NULL;
	}
	skel->rodata->nr_cpus = ncpus;
	if (!with_sysinfo)
		bpf_program__set_autoload(skel->progs.kava_sysinfo_exit, false);
	*err = sched_bpf__load(skel);
	if (*err < 0) {
		sched_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int load_and_pin(char *why, size_t why_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	char seed_path[PATH_MAX];
	struct sched_bpf *skel = NULL;
	size_t i;
	int err, ncpus;

	err = bpfload_prepare_pin_dir(kava_pin_dir(), why, why_size);
	if (err < 0)
		return err;
	pin_path(seed_path, sizeof(seed_path), "links");
	if (mkdir(seed_path, 0700) < 0 && errno != EEXIST)
		return -errno;
	pin_path(seed_path, sizeof(seed_path), "progs");
	if (mkdir(seed_path, 0700) < 0 && errno != EEXIST)
		return -errno;

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		err = ncpus < 0 ? ncpus : -EINVAL;
		snprintf(why, why_size, "cannot count possible CPUs: %s", strerror(-err));
		return err;
	}
	opts.pin_root_path = kava_pin_dir();
	if (getenv("KAVA_SYSFS_BTF"))
		opts.btf_custom_path = kava_btf_path();
	skel = open_and_load(&opts, (__u32)ncpus, 1, &err);
	if (!skel && bpfload_refused_program() &&
	    !strcmp(bpfload_refused_program(), "kava_sysinfo_exit")) {
		/* kernel lockdown forbids bpf_probe_write_user: do without sysinfo(2) loads */
		fprintf(stderr, "kava: note: this kernel refuses bpf_probe_write_user (lockdown?): "
			"sysinfo(2) keeps the host's load averages\n");
		skel = open_and_load(&opts, (__u32)ncpus, 0, &err);
	}
	if (!skel) {
		if (err == -EINVAL && errno == EEXIST)
			err = -EEXIST;
		bpfload_describe_failure(err, why, why_size);
		return err;
	}
	err = write_initial_config(skel);
	if (err < 0) {
		snprintf(why, why_size, "the state pinned in %s is from another kava version; "
			 "'kava unload' removes it", kava_pin_dir());
		goto cleanup;
	}
	err = start_load_clock(skel, why, why_size);
	if (err < 0)
		goto cleanup;
	for (i = 0; i < sizeof(attached_progs) / sizeof(attached_progs[0]); i++) {
		struct bpf_program *prog =
			bpf_object__find_program_by_name(skel->obj, attached_progs[i]);

		if (prog && !bpf_program__autoload(prog))
			continue;	/* left out of this load */
		err = prog ? attach_and_pin(prog, why, why_size) : -ENOENT;
		if (err < 0)
			goto cleanup;
	}
	pin_path(seed_path, sizeof(seed_path), SEED_PIN);
	err = bpf_program__pin(skel->progs.kava_seed, seed_path);
	if (err < 0)
		snprintf(why, why_size, "cannot pin %s: %s", seed_path, strerror(-err));
cleanup:
	sched_bpf__destroy(skel);
	if (err < 0) {
		char why_unused[256];

		/* leave nothing half-loaded behind */
		kava_state_unload(why_unused, sizeof(why_unused));
	}
	return err;
}

int kava_state_open(struct kava_state *st, enum kava_open_mode mode, char *why, size_t why_size)
{
	int err, ncpus;

	init_fds(st);
	err = kava_check_privileges(why, why_size);
	if (err < 0)
		return err;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		snprintf(why, why_size, "cannot count possible CPUs");
		return -EINVAL;
	}
	st->nr_cpus = (unsigned int)ncpus;
	if (!is_loaded()) {
		if (mode == KAVA_OPEN_EXISTING) {
			snprintf(why, why_size, "kava is not loaded (nothing pinned in %s)",
				 kava_pin_dir());
			return -ENOENT;
		}
		err = load_and_pin(why, why_size);
		if (err < 0)
			return err;
		st->loaded_now = 1;
	}
	return open_existing(st, why, why_size);
}

int kava_state_unload(char *why, size_t why_size)
{
	char path[PATH_MAX], rel[128];
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(attached_progs) / sizeof(attached_progs[0]); i++) {
		snprintf(rel, sizeof(rel), "links/%s", attached_progs[i]);
		pin_path(path, sizeof(path), rel);
		if (unlink(path) < 0 && errno != ENOENT)
			err = -errno;
	}
	pin_path(path, sizeof(path), SEED_PIN);
	if (unlink(path) < 0 && errno != ENOENT)
		err = -errno;
	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		pin_path(path, sizeof(path), map_names[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			err = -errno;
	}
	pin_path(path, sizeof(path), "links");
	rmdir(path);
	pin_path(path, sizeof(path), "progs");
	rmdir(path);
	if (err < 0)
		snprintf(why, why_size, "cannot remove pinned state in %s: %s", kava_pin_dir(),
			 strerror(-err));
	return err;
}
