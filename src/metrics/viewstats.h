/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's own counters, for its metrics: renders of each view file and
 * their errors, and how long FUSE requests take. Lock-free (atomic adds):
 * the FUSE threads and the tmpfs loop count, the metrics thread reads.
 */
#ifndef KAVA_METRICS_VIEWSTATS_H
#define KAVA_METRICS_VIEWSTATS_H

#include <stdint.h>
#include "metrics/expo.h"
#include "view/files.h"

enum viewstats_op { VS_OP_OPEN, VS_OP_READ, VS_OP_COUNT };

#define VIEWSTATS_TOPOLOGY VF_COUNT          /* every cpuN/topology file together */
#define VIEWSTATS_FILES (VF_COUNT + 1)

/* A render of file `f` (VIEWSTATS_TOPOLOGY for topology files); err < 0 counts an error. */
void viewstats_render(unsigned int f, int err);

/* A FUSE request of kind `op` that took `ns`. */
void viewstats_fuse(enum viewstats_op op, uint64_t ns);

/* Copies of the counters: files[VIEWSTATS_FILES], lat[VS_OP_COUNT]. */
void viewstats_read(struct metrics_file *files, struct metrics_hist *lat);

extern const char *const viewstats_op_names[VS_OP_COUNT];

#endif
