/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-container budgets of the FUSE view (issue 15). The agent serves every
 * container from one process and its work is charged to the agent, not to
 * the container, so each container gets:
 *
 * - a memory budget: at most `files` open view files (and directory
 *   listings), holding at most files * BUDGET_FILE_BYTES bytes of snapshot
 *   text between them; an open() beyond it fails with ENFILE;
 * - a request rate: a token bucket of `rate` requests per second per CPU of
 *   the container's CPU limit (the tightest quota on its path; a container
 *   without one counts as one CPU), one second's worth deep. A request
 *   beyond it waits (parked: it holds no worker thread) and is never failed;
 * - at most BUDGET_INFLIGHT of its requests in the workers at once, the rest
 *   parked in its own queue, so other containers always find a free worker
 *   and one container's backlog never stands before another's request.
 *
 * Parked requests are run, round-robin across containers, by one dispatcher
 * thread as tokens come, or by a worker that finishes one of the same
 * container's requests. Readers outside every container (the host) have the
 * memory budget and the in-flight bound, no rate limit.
 */
#ifndef KAVA_VIEW_BUDGET_H
#define KAVA_VIEW_BUDGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "kava.h"

#define BUDGET_FILES_DEFAULT  4096
#define BUDGET_FILES_MAX      1048576
#define BUDGET_FILE_BYTES     (16 * 1024)   /* snapshot bytes allowed per open file, on average */
#define BUDGET_FILE_OVERHEAD  256           /* what an open file costs besides its text */
#define BUDGET_RATE_DEFAULT   2500          /* requests per second per CPU of the limit */
#define BUDGET_RATE_MAX       10000000
#define BUDGET_RATE_MIN       50            /* the floor for tiny quotas */
#define BUDGET_INFLIGHT       2             /* one container's requests in the workers at once */
#define BUDGET_HOST           KAVA_MAX_CONTAINERS   /* the index of readers outside containers */
#define BUDGET_NAME_MAX       256

/* ---- pure parts (unit-tested) ---- */

/* A token bucket: `tokens` at `last_ns`; refilled lazily. */
struct budget_bucket {
	double tokens;
	uint64_t last_ns;
};

/*
 * Take one token at `now_ns` from a bucket refilled at `rate` per second up
 * to `depth` (rate 0: unlimited). Returns 0 when one was taken, or how many
 * nanoseconds until one will be there (nothing taken).
 */
uint64_t budget_bucket_take(struct budget_bucket *b, uint64_t now_ns, double rate, double depth);

/* Requests per second for a container limited to `cpus` CPUs (0: no limit, counts as 1). */
double budget_rate_for(double cpus, unsigned int per_cpu);

/*
 * May a container holding `open` files of `held` bytes open one more of
 * `bytes`, with a budget of `files` files? (At least one file always fits.)
 */
int budget_fits(uint64_t open, uint64_t held, size_t bytes, unsigned int files);

/* ---- the agent's table ---- */

/* A request waiting for its container's turn (embedded first in the caller's struct). */
struct budget_call {
	struct budget_call *next;
	uint64_t parked_ns;
	void (*run)(struct budget_call *call);    /* serve it and free it */
	void (*drop)(struct budget_call *call);   /* at shutdown: answer and free it */
};

/* What the table learns about a container, at most every few seconds. */
struct budget_desc {
	char name[BUDGET_NAME_MAX];   /* its cgroup path, relative to the cgroup2 mount */
	double cpus;                  /* its CPU limit in CPUs; 0: none */
};

struct budget_conf {
	unsigned int files;           /* per container; 0: BUDGET_FILES_DEFAULT */
	unsigned int rate;            /* per CPU; 0: BUDGET_RATE_DEFAULT */
	/* per container settings by cgroup path (kava.conf auto rules); may be NULL */
	void (*override)(void *arg, const char *path, unsigned int *files, unsigned int *rate);
	void *override_arg;
	/* fill `out` for a container: 0, or -errno (it is then retried later) */
	int (*describe)(void *arg, const struct kava_owner *owner, pid_t reader,
			struct budget_desc *out);
	void *describe_arg;
};

/* A container's figures (metrics, tests). */
struct budget_stats {
	char name[BUDGET_NAME_MAX];
	unsigned int files_max;
	double rate;                  /* requests/s; 0: unlimited */
	uint64_t files_open, bytes_held;
	uint64_t requests;            /* admitted through the gate */
	uint64_t delayed_rate;        /* parked for want of a token */
	uint64_t delayed_busy;        /* parked behind its own in-flight requests */
	uint64_t delay_ns;            /* total time parked requests waited */
	uint64_t refused;             /* opens refused (ENFILE) */
};

struct budgets;

int budgets_new(struct budgets **out, const struct budget_conf *conf);

/* Stop the dispatcher; drop (answer) every parked request; free. */
void budgets_free(struct budgets *b);

/* The table index of a container (BUDGET_HOST for readers outside containers). */
uint32_t budget_index(const struct kava_owner *owner);

/*
 * Serve `call` for `owner` now (on this thread) or park it; either way it is
 * run exactly once, or dropped at shutdown. `owner` NULL: the host's.
 */
void budget_submit(struct budgets *b, const struct kava_owner *owner, pid_t reader,
		   struct budget_call *call);

/* Memory: charge an open file of `bytes` to container `idx`; 0 or -ENFILE. */
int budget_charge(struct budgets *b, uint32_t idx, size_t bytes);
/* Its text changed size (a re-read from offset 0): never refused. */
void budget_recharge(struct budgets *b, uint32_t idx, size_t old_bytes, size_t new_bytes);
void budget_uncharge(struct budgets *b, uint32_t idx, size_t bytes);

/* Figures of container `idx`; -ENOENT when it never made a request. */
int budget_stats_of(struct budgets *b, uint32_t idx, struct budget_stats *out);

#endif
