/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kava's kernel state: the scheduler programs, their maps and links, pinned
 * under /sys/fs/bpf/kava so they outlive any kava process. Every command
 * opens the pinned maps; the first one that needs them loads and pins.
 */
#ifndef KAVA_BPFSTATE_H
#define KAVA_BPFSTATE_H

#include <stddef.h>

#include "common/bpfglue.h"    /* kava_pin_dir(), kava_check_privileges() */
#include "kava.h"

struct kava_state {
	int config_fd;
	int enabled_fd;
	int cgcache_fd;
	int slots_fd;
	int cpustats_fd;
	int cpucur_fd;
	int timer_fd;
	int tasks_fd;             /* task storage: looked up with a pidfd as key */
	int memstat_fd;           /* kava_memstat: what the agent publishes for sysinfo(2) */
	int seq_fd;               /* kava_seq: event counts, also mapped at `seq` */
	struct kava_seq *seq;     /* kava_seq[0], shared with the BPF programs (mmap); NULL: not mapped */
	int pidseq_fd;            /* kava_pidseq: new tasks per pid, also mapped at `pidseq` */
	const __u64 *pidseq;      /* kava_pidseq's KAVA_PIDSEQ_SLOTS counts (mmap, read-only); NULL: not mapped */
	int seed_prog_fd;
	unsigned int nr_cpus;     /* possible CPUs: length of per-CPU values */
	int loaded_now;           /* this process loaded the programs */
};

enum kava_open_mode {
	KAVA_OPEN_EXISTING,       /* fail with -ENOENT when nothing is pinned */
	KAVA_OPEN_OR_LOAD,        /* load and pin when nothing is pinned */
};

/*
 * Open kava's pinned state, loading it first if asked. On failure returns a
 * negative errno and writes one line for the user into `why`.
 */
int kava_state_open(struct kava_state *st, enum kava_open_mode mode, char *why, size_t why_size);
void kava_state_close(struct kava_state *st);

/*
 * Is the sysinfo(2) program attached (links/kava_sysinfo_exit pinned)? The
 * loader leaves it out where the kernel refuses bpf_probe_write_user.
 */
int kava_state_has_sysinfo(void);

/* Detach every program and remove the pinned state (kava unload, run --clean). */
int kava_state_unload(char *why, size_t why_size);

#endif
