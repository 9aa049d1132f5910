/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libbpf glue: loading BPF objects with errors a user can act on, where
 * pinned objects live, and the privileges loading needs.
 */
#ifndef KAVA_BPFLOAD_H
#define KAVA_BPFLOAD_H

#include <stddef.h>

struct bpf_object;

/*
 * Route libbpf's messages: kept quiet unless KAVA_DEBUG is set, but the
 * name of a program the kernel refuses is remembered for the error line.
 */
void bpfload_init_logging(void);

/*
 * Describe a failed bpf_object__load() in one line: which program the
 * kernel refused and the errno ("the kernel refused BPF program
 * 'kava_sched_switch': Operation not permitted (EPERM)").
 */
void bpfload_describe_failure(int err, char *why, size_t why_size);

/* Preconditions shared by every command that touches BPF: root, BTF. */
int kava_check_privileges(char *why, size_t why_size);

/* Where pinned objects live: KAVA_PIN_DIR, or the environment's KAVA_PIN_DIR (tests). */
const char *kava_pin_dir(void);

/* The kernel's BTF, /sys/kernel/btf/vmlinux (KAVA_SYSFS_BTF overrides, for tests). */
const char *kava_btf_path(void);

/* Mount bpffs at /sys/fs/bpf if it is not, and create `dir` beneath it. */
int bpfload_prepare_pin_dir(const char *dir, char *why, size_t why_size);

#endif
