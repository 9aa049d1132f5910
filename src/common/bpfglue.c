// SPDX-License-Identifier: GPL-2.0
/* Loading BPF objects with errors a user can act on. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>

#include "common/bpfglue.h"
#include "kava.h"
#include "common/util.h"

static char refused_prog[128];

static int env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[1024];
	const char *p;
	va_list copy;

	va_copy(copy, args);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	/* libbpf: "libbpf: prog 'NAME': failed to load: -1" */
	p = strstr(line, "prog '");
	if (p && strstr(line, "failed to load")) {
		const char *end = strchr(p + 6, '\'');

		if (end && (size_t)(end - (p + 6)) < sizeof(refused_prog)) {
			memcpy(refused_prog, p + 6, (size_t)(end - (p + 6)));
			refused_prog[end - (p + 6)] = '\0';
		}
	}
	if (env_set("KAVA_DEBUG") || (level == LIBBPF_WARN && env_set("KAVA_VERBOSE")))
		vfprintf(stderr, fmt, args);	/* whole: verifier logs are long */
	return 0;
}

void bpfload_init_logging(void)
{
	refused_prog[0] = '\0';
	libbpf_set_print(libbpf_print);
}

void bpfload_describe_failure(int err, char *why, size_t why_size)
{
	const char *name = strerrorname_np(-err);

	if (refused_prog[0])
		snprintf(why, why_size, "the kernel refused BPF program '%s': %s (%s)",
			 refused_prog, strerror(-err), name ? name : "?");
	else
		snprintf(why, why_size, "loading BPF programs failed: %s (%s)",
			 strerror(-err), name ? name : "?");
}

int bpfload_prepare_pin_dir(const char *dir, char *why, size_t why_size)
{
	struct statfs sfs;
	int err;

	if (statfs("/sys/fs/bpf", &sfs) < 0 || sfs.f_type != BPF_FS_MAGIC) {
		if (mkdir("/sys/fs/bpf", 0700) < 0 && errno != EEXIST) {
			snprintf(why, why_size, "cannot create /sys/fs/bpf: %s", strerror(errno));
			return -errno;
		}
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0) {
			snprintf(why, why_size, "cannot mount bpffs on /sys/fs/bpf: %s", strerror(errno));
			return -errno;
		}
	}
	err = make_dirs(dir, 0700);
	if (err < 0)
		snprintf(why, why_size, "cannot create %s: %s", dir, strerror(-err));
	return err;
}

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
