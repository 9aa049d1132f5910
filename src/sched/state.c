// SPDX-License-Identifier: GPL-2.0
/* kava's kernel state: load once, pin, and reopen from the pins. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

#define SEED_PIN "progs/kava_seed"	/* pinned last: marks a complete load */

/*
 * Every pinned object a command opens, and where its fd goes: the one list
 * that opening, closing and unloading walk. The maps are pinned by libbpf
 * (LIBBPF_PIN_BY_NAME); the programs attached to hooks are every program of
 * the skeleton but these two, pinned as links/<name>.
 */
static const struct pinned_object {
	const char *rel;                 /* under the pin directory */
	size_t fd_offset;                /* in struct kava_state */
} pinned_objects[] = {
	{ "kava_config", offsetof(struct kava_state, config_fd) },
	{ "kava_enabled", offsetof(struct kava_state, enabled_fd) },
	{ "kava_cgcache", offsetof(struct kava_state, cgcache_fd) },
	{ "kava_slots", offsetof(struct kava_state, slots_fd) },
	{ "kava_cpustats", offsetof(struct kava_state, cpustats_fd) },
	{ "kava_cpucur", offsetof(struct kava_state, cpucur_fd) },
	{ "kava_timer", offsetof(struct kava_state, timer_fd) },
	{ "kava_tasks", offsetof(struct kava_state, tasks_fd) },
	{ "kava_memstat", offsetof(struct kava_state, memstat_fd) },
	{ "kava_seq", offsetof(struct kava_state, seq_fd) },
	{ "kava_pidseq", offsetof(struct kava_state, pidseq_fd) },
	{ SEED_PIN, offsetof(struct kava_state, seed_prog_fd) },
};
#define NR_PINNED (sizeof(pinned_objects) / sizeof(pinned_objects[0]))

static int *pinned_fd(struct kava_state *st, size_t i)
{
	return (int *)((char *)st + pinned_objects[i].fd_offset);
}

/* Programs not attached to a hook: the seeding iterator and the timer's starter. */
static int is_hook_program(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	return strcmp(name, "kava_seed") && strcmp(name, "kava_start_timer");
}

static void pin_path(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", kava_pin_dir(), rel);
}

static int open_pin(const char *rel)
{
	char path[PATH_MAX];

	pin_path(path, sizeof(path), rel);
	return bpf_obj_get(path);
}

static void init_fds(struct kava_state *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < NR_PINNED; i++)
		*pinned_fd(st, i) = -1;
}

/*
 * The length to map of a BPF_F_MMAPABLE array of `bytes` of values: the
 * kernel maps its values from offset 0, in whole pages (array_map_mmap()).
 */
static size_t mmapable_len(size_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;

	return (bytes + p - 1) / p * p;
}

#define SEQ_LEN mmapable_len(sizeof(struct kava_seq))
#define PIDSEQ_LEN mmapable_len(KAVA_PIDSEQ_SLOTS * sizeof(__u64))

void kava_state_close(struct kava_state *st)
{
	size_t i;

	if (st->seq)
		munmap(st->seq, SEQ_LEN);
	st->seq = NULL;
	if (st->pidseq)
		munmap((void *)st->pidseq, PIDSEQ_LEN);
	st->pidseq = NULL;

	for (i = 0; i < NR_PINNED; i++) {
		int *fd = pinned_fd(st, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

/* A pinned BPF_F_MMAPABLE map's values (`len` from mmapable_len()); NULL with errno and `why` set. */
static void *map_pinned(int fd, size_t len, int prot, const char *name, char *why,
			size_t why_size)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	int err = errno;

	if (p != MAP_FAILED)
		return p;
	snprintf(why, why_size, "cannot map %s/%s: %s", kava_pin_dir(), name, strerror(err));
	errno = err;
	return NULL;
}

static int open_existing(struct kava_state *st, char *why, size_t why_size)
{
	struct kava_config cfg;
	__u32 zero = 0;
	size_t i;

	for (i = 0; i < NR_PINNED; i++) {
		int *fd = pinned_fd(st, i);

		*fd = open_pin(pinned_objects[i].rel);
		if (*fd < 0) {
			int err = -errno;

			if (err == -ENOENT)	/* loaded (seed pinned), yet this is missing */
				snprintf(why, why_size, "the state pinned in %s lacks %s: it is from "
					 "another kava version; 'kava unload' removes it",
					 kava_pin_dir(), pinned_objects[i].rel);
			else
				snprintf(why, why_size, "cannot open pinned %s/%s: %s", kava_pin_dir(),
					 pinned_objects[i].rel, strerror(-err));
			kava_state_close(st);
			return err;
		}
	}
	if (bpf_map_lookup_elem(st->config_fd, &zero, &cfg) < 0) {
		int err = -errno;

		snprintf(why, why_size, "cannot read %s/kava_config: %s", kava_pin_dir(),
			 strerror(-err));
		kava_state_close(st);
		return err;
	}
	if (cfg.abi_version != KAVA_ABI_VERSION) {
		snprintf(why, why_size,
			 "the state pinned in %s is from another kava version; 'kava unload' removes it",
			 kava_pin_dir());
		kava_state_close(st);
		return -EPROTO;
	}
	/* writable: registry.c counts enables and disables there (kava.h: struct kava_seq) */
	st->seq = map_pinned(st->seq_fd, SEQ_LEN, PROT_READ | PROT_WRITE, "kava_seq", why, why_size);
	if (st->seq)
		st->pidseq = map_pinned(st->pidseq_fd, PIDSEQ_LEN, PROT_READ, "kava_pidseq", why,
					why_size);
	if (!st->pidseq) {
		int err = -errno;

		kava_state_close(st);	/* unmaps what was mapped */
		return err;
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

static int write_initial_config(struct sched_bpf *skel, char *why, size_t why_size)
{
	struct kava_config cfg;
	__u32 zero = 0;
	int fd = bpf_map__fd(skel->maps.kava_config);

	if (bpf_map_lookup_elem(fd, &zero, &cfg) < 0) {
		snprintf(why, why_size, "cannot read kava_config: %s", strerror(errno));
		return neg_errno_or(-EIO);
	}
	if (cfg.abi_version == KAVA_ABI_VERSION)
		return 0;	/* reused from an earlier load */
	if (cfg.abi_version != 0) {
		snprintf(why, why_size, "the state pinned in %s is from another kava version; "
			 "'kava unload' removes it", kava_pin_dir());
		return -EPROTO;
	}
	cfg.abi_version = KAVA_ABI_VERSION;
	cfg.nr_enabled = 0;
	/* LOAD_FREQ: 5*HZ+1 jiffies, as kernel/sched/loadavg.c */
	cfg.load_freq_ns = 5000000000ull + 1000000000ull / kernel_hz();
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) < 0) {
		snprintf(why, why_size, "cannot write the initial kava_config: %s", strerror(errno));
		return neg_errno_or(-EIO);
	}
	return 0;
}

/*
 * May the sysinfo(2) program write to user memory? Kernel lockdown withholds
 * bpf_probe_write_user from tracing programs (bpf_tracing_func_proto():
 * LOCKDOWN_BPF_WRITE_USER), and the verifier then says "cannot use helper",
 * which libbpf_probe_bpf_helper() counts as supported. So probe for real:
 * load the smallest tracepoint program that calls it. 1: allowed, 0: the
 * kernel refuses the helper, -EPERM: this process may not load tracing
 * programs at all (the real load fails next, and says so).
 */
static int sysinfo_rewrite_allowed(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 8 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_probe_write_user },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "kava_probe_wu", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		return fd == -EPERM ? -EPERM : 0;   /* -EPERM: no privilege to tell */
	close(fd);
	return 1;
}

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
	skel->rodata->page_size = (__u32)sysconf(_SC_PAGESIZE);
	/* the per-CPU front of the cgroup cache: KAVA_FRONT_WAYS entries for each CPU */
	*err = bpf_map__set_max_entries(skel->maps.kava_front, ncpus * KAVA_FRONT_WAYS);
	if (*err < 0) {
		sched_bpf__destroy(skel);
		return NULL;
	}
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
	struct bpf_program *prog;
	size_t i;
	int err, ncpus, with_sysinfo;

	err = bpfload_prepare_pin_dir(kava_pin_dir(), why, why_size);
	if (err < 0)
		return err;
	for (i = 0; i < 2; i++) {
		pin_path(seed_path, sizeof(seed_path), i ? "progs" : "links");
		if (mkdir(seed_path, 0700) < 0 && errno != EEXIST) {
			err = -errno;
			snprintf(why, why_size, "cannot create %s: %s", seed_path, strerror(-err));
			return err;
		}
	}

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		err = ncpus < 0 ? ncpus : -EINVAL;
		snprintf(why, why_size, "cannot count possible CPUs: %s", strerror(-err));
		return err;
	}
	opts.pin_root_path = kava_pin_dir();
	if (getenv("KAVA_SYSFS_BTF"))
		opts.btf_custom_path = kava_btf_path();
	with_sysinfo = sysinfo_rewrite_allowed();
	if (with_sysinfo == 0)
		fprintf(stderr, "kava: note: this kernel refuses bpf_probe_write_user (lockdown?): "
			"sysinfo(2) keeps the host's figures\n");
	skel = open_and_load(&opts, (__u32)ncpus, with_sysinfo != 0, &err);
	if (!skel) {
		if (err == -EINVAL && errno == EEXIST)
			err = -EEXIST;
		bpfload_describe_failure(err, why, why_size);
		return err;
	}
	err = write_initial_config(skel, why, why_size);
	if (err < 0)
		goto cleanup;
	err = start_load_clock(skel, why, why_size);
	if (err < 0)
		goto cleanup;
	bpf_object__for_each_program(prog, skel->obj) {
		if (!is_hook_program(prog) || !bpf_program__autoload(prog))
			continue;	/* not a hook, or left out of this load */
		err = attach_and_pin(prog, why, why_size);
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

int kava_state_has_sysinfo(void)
{
	char path[PATH_MAX];

	pin_path(path, sizeof(path), "links/kava_sysinfo_exit");
	return access(path, F_OK) == 0;
}

/* Unlink every entry of a pin subdirectory (links/: one per attached program). */
static int unlink_pins_in(const char *rel)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *d;
	int err = 0;
	DIR *dp;

	pin_path(dir, sizeof(dir), rel);
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (unlink(path) < 0 && errno != ENOENT)
			err = -errno;
	}
	closedir(dp);
	return err;
}

int kava_state_unload(char *why, size_t why_size)
{
	char path[PATH_MAX];
	size_t i;
	int err;

	err = unlink_pins_in("links");
	for (i = 0; i < NR_PINNED; i++) {
		pin_path(path, sizeof(path), pinned_objects[i].rel);
		if (unlink(path) < 0 && errno != ENOENT)
			err = -errno;
	}
	pin_path(path, sizeof(path), "links");
	rmdir(path);
	pin_path(path, sizeof(path), "progs");
	rmdir(path);
	rmdir(kava_pin_dir());	/* unless policies still live there (policy/) */
	if (err < 0)
		snprintf(why, why_size, "cannot remove pinned state in %s: %s", kava_pin_dir(),
			 strerror(-err));
	return err;
}
