/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Load averages of every enabled container, kept by a bpf_timer every
 * LOAD_FREQ with the kernel's calc_load() (include/kava_loadavg.h).
 * Included by sched.bpf.c only.
 */
#ifndef KAVA_SCHED_LOAD_BPF_H
#define KAVA_SCHED_LOAD_BPF_H

#include "sched_owner.bpf.h"

/* ---- load averages: sampled every LOAD_FREQ, as calc_global_load() ---- */

/* One slot's task counts summed over CPUs (bpf_loop callback). */
struct sum_ctx {
	__u32 slot;
	__s64 active;      /* runnable + uninterruptible: what counts for load */
	__s64 threads;
};

static long sum_cpu(__u32 cpu, struct sum_ctx *c)
{
	struct kava_cpustats *st = bpf_map_lookup_percpu_elem(&kava_cpustats, &c->slot, cpu);

	if (st) {
		c->active += st->nr_running + st->nr_uninterruptible;
		c->threads += st->nr_threads;
	}
	return 0;
}

struct sample_ctx {
	__u64 periods;
};

static long sample_slot(__u32 index, struct sample_ctx *c)
{
	struct sum_ctx sum = { .slot = index };
	struct kava_slot *s = bpf_map_lookup_elem(&kava_slots, &index);
	__u64 active;

	if (!s || !s->cgroup_id)
		return 0;
	bpf_loop(nr_cpus, sum_cpu, &sum, 0);
	s->last_active = sum.active;
	/* calc_load_fold_active()/calc_global_load(): negative sums count as 0 */
	active = sum.active > 0 ? (__u64)sum.active * KAVA_FIXED_1 : 0;
	s->avenrun[0] = kava_calc_load_n(s->avenrun[0], KAVA_EXP_1, active, c->periods);
	s->avenrun[1] = kava_calc_load_n(s->avenrun[1], KAVA_EXP_5, active, c->periods);
	s->avenrun[2] = kava_calc_load_n(s->avenrun[2], KAVA_EXP_15, active, c->periods);
	s->samples++;
	return 0;
}

static int load_timer_fired(void *map, __u32 *key, struct kava_timer_state *t)
{
	struct sample_ctx c = { .periods = 1 };
	struct kava_config *cfg;
	__u32 zero = 0;
	__u64 now = bpf_ktime_get_ns(), freq;

	cfg = bpf_map_lookup_elem(&kava_config, &zero);
	if (!cfg || !cfg->load_freq_ns)
		return 0;
	freq = cfg->load_freq_ns;
	/* Periods the timer slept through are folded in at once, as calc_global_nohz(). */
	if (now > t->next_sample_ns + freq) {
		c.periods = 1 + (now - t->next_sample_ns) / freq;
		t->missed += c.periods - 1;
	}
	t->next_sample_ns += c.periods * freq;
	t->fired++;
	bpf_loop(KAVA_MAX_CONTAINERS, sample_slot, &c, 0);
	bpf_timer_start(&t->timer, t->next_sample_ns > now ? t->next_sample_ns - now : freq, 0);
	return 0;
}

/* Run once by the loader (BPF_PROG_TEST_RUN) to arm the load-average clock. */
SEC("syscall")
int kava_start_timer(void *ctx)
{
	struct kava_timer_state *t;
	struct kava_config *cfg;
	__u32 zero = 0;
	__u64 freq;

	t = bpf_map_lookup_elem(&kava_timer, &zero);
	cfg = bpf_map_lookup_elem(&kava_config, &zero);
	if (!t || !cfg)
		return 1;
	if (t->next_sample_ns)
		return 0;	/* already running */
	freq = cfg->load_freq_ns;	/* LOAD_FREQ (5*HZ+1 jiffies), set by the loader */
	if (!freq)
		return 5;
	if (bpf_timer_init(&t->timer, &kava_timer, 1 /* CLOCK_MONOTONIC */))
		return 2;
	if (bpf_timer_set_callback(&t->timer, load_timer_fired))
		return 3;
	t->next_sample_ns = bpf_ktime_get_ns() + freq;
	if (bpf_timer_start(&t->timer, freq, 0))
		return 4;
	return 0;
}

#endif /* KAVA_SCHED_LOAD_BPF_H */
