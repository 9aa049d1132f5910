/* SPDX-License-Identifier: GPL-2.0 */
/* Loading BPF objects with errors a user can act on. */
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

/* The program the kernel refused in the last load, or NULL. */
const char *bpfload_refused_program(void);

/* Mount bpffs at /sys/fs/bpf if it is not, and create `dir` beneath it. */
int bpfload_prepare_pin_dir(const char *dir, char *why, size_t why_size);

#endif
