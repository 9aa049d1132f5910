/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gathering what the metrics show, from kava's pinned maps, the policy
 * stats map and the view's limits: the system edge of src/metrics (the text
 * itself is expo.c's pure function). Used by the agent's HTTP endpoint, the
 * view's kava/metrics and kava/runq files, and kava top.
 */
#ifndef KAVA_METRICS_COLLECT_H
#define KAVA_METRICS_COLLECT_H

#include <stddef.h>
#include <sys/types.h>
#include "metrics/expo.h"
#include "view/content.h"

struct metrics_set {
	struct metrics_container *c;   /* in slot order */
	size_t n;
	/*
	 * KAVA_HOOK_COUNT entries per policied cgroup, one per hook in
	 * KAVA_HOOK_* order (hook set): add them up for the cgroup's totals.
	 * One entry, its totals (hook NULL), where the policy state was pinned
	 * by a kava without counters by hook.
	 */
	struct metrics_policy *p;
	size_t np;
	int all;                       /* c has room for every slot (kept for the next such set) */
};

/*
 * Every enabled container when `only` is NULL or KAVA_NO_SLOT, else only
 * that container (and only its own policy counters). `reader` is the pid
 * whose v1 cgroups give limits on hybrid hosts (0: none). A container that
 * goes away meanwhile is left out.
 */
int metrics_collect(const struct view_source *src, const struct kava_owner *only, pid_t reader,
		    struct metrics_set *set);
void metrics_set_free(struct metrics_set *set);

/*
 * Make the container array the next scrape of every container fills
 * resident now, if none is kept (after a start): its ~240 faults then
 * happen here, off the scrape.
 */
void metrics_collect_prefault(void);

/*
 * m->cpus (m->nr_cpus, calloc'ed): the CPUs container `owner` (cgroup
 * f->cgroup_id) ran on, with f's user and system times each kept at or
 * above what `h` holds as shown last for it (cpu_history_keep(): the
 * kernel's cputime_adjust() rule), then remembered there. f's figures
 * wobble back by up to a tick; a counter that went back reads as a reset
 * to Prometheus. h NULL: the figures as they are.
 */
struct cpu_history;
int metrics_container_cpus(struct cpu_history *h, const struct kava_owner *owner,
			   const struct kava_figures *f, struct metrics_container *m);

/*
 * How long a container's limits and memory usage may be reused (default
 * 5 s, for scrapes); kava top asks for fresh ones at every refresh.
 */
void metrics_limits_ttl(uint64_t ns);

/*
 * Read ahead, off the scrape (the agent's metrics endpoint calls it from a
 * thread of its own, a few times a second): the limits of up to `max`
 * enabled containers that have none kept yet (enabled since, or every one
 * after the agent started), read and kept as a scrape would, so the first
 * scrape after 1,000 containers were enabled finds them kept instead of
 * reading them all. Each slot generation is tried once (a provisional one,
 * not kept, is left to the scrape). *read: how many were read. Returns 1
 * when more are left, 0 when none, or a negative errno.
 */
int metrics_limits_ahead(const struct view_source *src, unsigned int max, unsigned int *read);

/*
 * Containers' limits read in full so far by scrapes and by read-ahead, and
 * the read-ahead's walks of the enabled table; for tests.
 */
void metrics_limits_stats(uint64_t *by_scrape, uint64_t *ahead, uint64_t *walks);

/*
 * The exposition for `owner`: its container's families, or (host, owner
 * KAVA_NO_SLOT) every container's plus the agent's own. `scrape_cpu_s` is
 * the previous scrape's CPU time (< 0: leave the family out).
 */
int metrics_text(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		 double scrape_cpu_s, char **out, size_t *len);

/* The same into `b`, reusing its buffer (metrics_render_buf()); b is left for the caller. */
int metrics_text_buf(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		     double scrape_cpu_s, struct kbuf *b);

/* The view's kava/metrics (runq 0) or kava/runq (runq 1) file for `owner`. */
int metrics_view_file(const struct view_source *src, int runq, const struct kava_owner *owner,
		      pid_t reader, char **out, size_t *len);

/*
 * Both of a container's files at once, from one collection (the tmpfs
 * view's period writes both): kava/metrics into *metrics, kava/runq into
 * *runq, as metrics_view_file() makes each. `inputs`, when not NULL, is a
 * hash of the figures and limits the texts are made from (both are pure
 * functions of them): when *inputs already holds the hash of this
 * collection's, nothing is rendered and 1 is returned (*metrics and *runq
 * NULL); otherwise *inputs gets it and 0 is returned. `s` and `fig`, when
 * not NULL, are the container's slot and figures as the caller read them
 * (the view's other files of the period are made from them too): not read
 * again.
 */
int metrics_view_files(const struct view_source *src, const struct kava_owner *owner,
		       pid_t reader, const struct kava_slot *s, const struct kava_figures *fig,
		       uint64_t *inputs, char **metrics, size_t *metrics_len, char **runq,
		       size_t *runq_len);

#endif
