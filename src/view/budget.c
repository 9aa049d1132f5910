// SPDX-License-Identifier: GPL-2.0
/* Per-container budgets of the FUSE view (see budget.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/heap.h"
#include "view/budget.h"

#define NS 1000000000ull
#define REFRESH_NS   (5 * NS)     /* limits and names are read again after this */
#define LOG_NS       (10 * NS)    /* at most one line per container and kind */
#define TRIM_DELAY   NS           /* look for memory to give back this long after closes */
/*
 * ... and give it back when malloc holds this much free: one page run's worth
 * (heap.c's thresholds). A 1 MiB floor left up to 1 MiB of a burst's freed
 * snapshots in the main arena (6.1 VM: baseline 8.8 MB, +1.0 MB in the main
 * arena after close; CI once saw over 20%); malloc_trim() runs at most once a
 * second while closes go on, so a low floor costs nothing between bursts.
 */
#define TRIM_BYTES   (128u * 1024)

uint64_t budget_bucket_take(struct budget_bucket *b, uint64_t now_ns, double rate, double depth)
{
	if (rate <= 0)
		return 0;
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * rate / 1e9;
		if (b->tokens > depth)
			b->tokens = depth;
		b->last_ns = now_ns;
	}
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	return (uint64_t)((1 - b->tokens) * 1e9 / rate) + 1;
}

double budget_rate_for(double cpus, unsigned int per_cpu)
{
	double r = (cpus > 0 ? cpus : 1) * (double)per_cpu;

	return r < BUDGET_RATE_MIN ? BUDGET_RATE_MIN : r;
}

int budget_fits(uint64_t open, uint64_t held, size_t bytes, unsigned int files)
{
	if (!open)
		return 1;
	return open < files && held + bytes <= (uint64_t)files * BUDGET_FILE_BYTES;
}

/* One container (or the host) in the table; every field under budgets.lock. */
struct entry {
	int used, refreshing;
	uint32_t gen;
	uint64_t described_ns;        /* 0: never */
	char name[BUDGET_NAME_MAX];
	unsigned int files_max;
	double rate;                  /* 0: unlimited */
	struct budget_bucket bucket;
	unsigned int inflight;
	struct budget_call *head, *tail;
	unsigned int nparked;
	int on_ring;
	/* by slot, whichever generation holds it: they follow the files */
	uint64_t files_open, bytes_held;
	/* this generation's */
	uint64_t requests, delayed_rate, delayed_busy, delay_ns, refused;
	uint64_t refused_log_ns, delayed_log_ns;
};

#define NENTRIES (KAVA_MAX_CONTAINERS + 1)

struct budgets {
	struct budget_conf conf;
	pthread_mutex_t lock;
	pthread_cond_t wake;          /* the dispatcher's: parked work or a trim is due */
	pthread_t thread;
	int running, started;
	struct entry *e;              /* NENTRIES */
	uint32_t *ring;               /* entries with parked calls, served round-robin */
	uint32_t ring_head, ring_len;
	uint64_t held, held_peak;     /* every entry's bytes, and the peak since the last trim */
	uint64_t trim_at_ns;          /* 0: none due */
};

static void ring_push(struct budgets *b, uint32_t idx)
{
	b->ring[(b->ring_head + b->ring_len++) % NENTRIES] = idx;
}

static uint32_t ring_pop(struct budgets *b)
{
	uint32_t idx = b->ring[b->ring_head];

	b->ring_head = (b->ring_head + 1) % NENTRIES;
	b->ring_len--;
	return idx;
}

uint32_t budget_index(const struct kava_owner *owner)
{
	return owner && owner->slot < KAVA_MAX_CONTAINERS ? owner->slot : BUDGET_HOST;
}

/* Settings before (or without) a description: the configured ones, one CPU. */
static void entry_defaults(const struct budgets *b, struct entry *e, uint32_t idx)
{
	e->files_max = b->conf.files;
	e->rate = idx == BUDGET_HOST ? 0 : budget_rate_for(0, b->conf.rate);
	snprintf(e->name, sizeof(e->name), "%s", idx == BUDGET_HOST ? "host" : "?");
	e->bucket.tokens = e->rate;
	e->bucket.last_ns = monotonic_ns();
}

/*
 * A new container in this slot (or the first request): start it afresh. Open
 * files stay counted: they are still held, whoever held the slot then.
 */
static void entry_reset(struct budgets *b, struct entry *e, uint32_t idx, uint32_t gen)
{
	e->used = 1;
	e->gen = gen;
	e->described_ns = 0;
	e->requests = e->delayed_rate = e->delayed_busy = e->delay_ns = e->refused = 0;
	e->refused_log_ns = e->delayed_log_ns = 0;
	entry_defaults(b, e, idx);
}

/* Learn the container's name and CPU limit when they are unknown or old (not under the lock). */
static void refresh(struct budgets *b, uint32_t idx, const struct kava_owner *owner, pid_t reader,
		    uint64_t now)
{
	struct entry *e = &b->e[idx];
	struct budget_desc d = { .cpus = 0 };
	unsigned int files = b->conf.files, rate = b->conf.rate;
	int stale, err;

	pthread_mutex_lock(&b->lock);
	if (!e->used || (idx != BUDGET_HOST && owner && e->gen != owner->gen))
		entry_reset(b, e, idx, owner ? owner->gen : 0);
	stale = idx != BUDGET_HOST && !e->refreshing &&
		(!e->described_ns || now - e->described_ns >= REFRESH_NS);
	if (stale)
		e->refreshing = 1;
	pthread_mutex_unlock(&b->lock);
	if (!stale)
		return;
	err = b->conf.describe ? b->conf.describe(b->conf.describe_arg, owner, reader, &d) : -ENOSYS;
	if (!err && b->conf.override)
		b->conf.override(b->conf.override_arg, d.name, &files, &rate);
	pthread_mutex_lock(&b->lock);
	e->refreshing = 0;
	if (!err && e->gen == owner->gen) {
		double r = budget_rate_for(d.cpus, rate);

		memcpy(e->name, d.name, sizeof(e->name));
		e->files_max = files;
		if (r != e->rate) {
			/* a new limit: the bucket keeps what it holds, up to the new depth */
			e->rate = r;
			if (e->bucket.tokens > r)
				e->bucket.tokens = r;
		}
		e->described_ns = now;
	}
	pthread_mutex_unlock(&b->lock);
}

/* Take a token for entry e now; 0, or the wait (ns). Under the lock. */
static uint64_t take(struct entry *e, uint64_t now)
{
	/* one second's worth deep: bursts (a runtime starting up) pass at once */
	return budget_bucket_take(&e->bucket, now, e->rate, e->rate < 1 ? 1 : e->rate);
}

/* Would this container wait for a token now? (Nothing taken.) */
static int out_of_tokens(const struct entry *e, uint64_t now)
{
	struct budget_bucket copy = e->bucket;

	return budget_bucket_take(&copy, now, e->rate, e->rate < 1 ? 1 : e->rate) != 0;
}

static struct budget_call *pop(struct entry *e, uint64_t now)
{
	struct budget_call *c = e->head;

	e->head = c->next;
	if (!e->head)
		e->tail = NULL;
	e->nparked--;
	e->inflight++;
	e->delay_ns += now > c->parked_ns ? now - c->parked_ns : 0;
	return c;
}

/*
 * Run `call` (a token taken, counted in flight). A worker then goes on with
 * the same container's parked calls while tokens allow (it is one of that
 * container's BUDGET_INFLIGHT); the dispatcher runs one and moves on.
 */
static void run_calls(struct budgets *b, uint32_t idx, struct budget_call *call, int drain)
{
	struct entry *e = &b->e[idx];

	while (call) {
		uint64_t now;

		call->run(call);
		now = monotonic_ns();
		pthread_mutex_lock(&b->lock);
		e->inflight--;
		call = NULL;
		if (e->nparked && drain && b->running && take(e, now) == 0)
			call = pop(e, now);
		else if (e->nparked)
			pthread_cond_signal(&b->wake);	/* the dispatcher runs it when a token comes */
		pthread_mutex_unlock(&b->lock);
	}
}

void budget_submit(struct budgets *b, const struct kava_owner *owner, pid_t reader,
		   struct budget_call *call)
{
	uint32_t idx = budget_index(owner);
	struct entry *e = &b->e[idx];
	uint64_t now = monotonic_ns();
	char line[BUDGET_NAME_MAX + 256] = "";
	int run;

	refresh(b, idx, owner, reader, now);
	pthread_mutex_lock(&b->lock);
	e->requests++;
	run = !e->nparked && e->inflight < BUDGET_INFLIGHT && b->running;
	if (run && take(e, now) == 0) {
		e->inflight++;
	} else {
		/* park it: no worker thread waits for this container's turn */
		call->next = NULL;
		call->parked_ns = now;
		if (e->tail)
			e->tail->next = call;
		else
			e->head = call;
		e->tail = call;
		e->nparked++;
		if (run || out_of_tokens(e, now)) {
			e->delayed_rate++;
			if (now - e->delayed_log_ns >= LOG_NS || !e->delayed_log_ns) {
				e->delayed_log_ns = now;
				snprintf(line, sizeof(line), "kava: view: container %s exceeds its "
					 "request rate (%.0f/s): its requests wait (%llu delayed so far)\n",
					 e->name, e->rate, (unsigned long long)e->delayed_rate);
			}
		} else {
			e->delayed_busy++;
		}
		if (!e->on_ring) {
			e->on_ring = 1;
			ring_push(b, idx);
		}
		pthread_cond_signal(&b->wake);
		call = NULL;
	}
	pthread_mutex_unlock(&b->lock);
	if (line[0])
		fputs(line, stderr);
	if (call)
		run_calls(b, idx, call, 1);
}

/*
 * Schedule a look at malloc's free memory a second after closes (the first
 * of a burst: one look per second at most while closes go on). Under the lock.
 */
static void note_freed(struct budgets *b, uint64_t now)
{
	if (!b->trim_at_ns) {
		b->trim_at_ns = now + TRIM_DELAY;
		pthread_cond_signal(&b->wake);
	}
}

/*
 * The dispatcher: serves parked calls round-robin, one per container per
 * turn, as their tokens come; and trims the heap after bursts of closes
 * (glibc keeps freed memory in its arenas: malloc_trim() returns the free
 * pages to the system).
 */
static void *dispatch(void *arg)
{
	struct budgets *b = arg;

	pthread_mutex_lock(&b->lock);
	while (b->running) {
		uint64_t now = monotonic_ns(), wait = UINT64_MAX;
		struct budget_call *call = NULL;
		uint32_t idx = 0, n = b->ring_len, i;

		for (i = 0; i < n && !call; i++) {
			struct entry *e;
			uint64_t w;

			idx = ring_pop(b);
			e = &b->e[idx];
			if (!e->nparked) {
				e->on_ring = 0;
				continue;
			}
			ring_push(b, idx);	/* back of the line: round-robin */
			if (e->inflight >= BUDGET_INFLIGHT)
				continue;	/* its own worker takes the next when done */
			w = take(e, now);
			if (!w)
				call = pop(e, now);
			else if (w < wait)
				wait = w;
		}
		if (call) {
			pthread_mutex_unlock(&b->lock);
			run_calls(b, idx, call, 0);
			pthread_mutex_lock(&b->lock);
			continue;
		}
		if (b->trim_at_ns && now >= b->trim_at_ns) {
			b->trim_at_ns = 0;
			b->held_peak = b->held;
			pthread_mutex_unlock(&b->lock);
			/* what every thread freed, snapshots or not: arenas' free bytes */
			heap_give_back(TRIM_BYTES);
			pthread_mutex_lock(&b->lock);
			continue;
		}
		if (b->trim_at_ns && b->trim_at_ns - now < wait)
			wait = b->trim_at_ns - now;
		if (wait == UINT64_MAX) {
			pthread_cond_wait(&b->wake, &b->lock);
		} else {
			struct timespec ts;
			uint64_t until = now + wait;

			ts.tv_sec = (time_t)(until / NS);
			ts.tv_nsec = (long)(until % NS);
			pthread_cond_timedwait(&b->wake, &b->lock, &ts);
		}
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

int budgets_new(struct budgets **out, const struct budget_conf *conf)
{
	struct budgets *b = calloc(1, sizeof(*b));
	pthread_condattr_t ca;
	int err;

	if (!b)
		return -ENOMEM;
	if (conf)
		b->conf = *conf;
	if (!b->conf.files)
		b->conf.files = BUDGET_FILES_DEFAULT;
	if (!b->conf.rate)
		b->conf.rate = BUDGET_RATE_DEFAULT;
	b->e = calloc(NENTRIES, sizeof(*b->e));
	b->ring = calloc(NENTRIES, sizeof(*b->ring));
	if (!b->e || !b->ring) {
		free(b->e);
		free(b->ring);
		free(b);
		return -ENOMEM;
	}
	err = -pthread_mutex_init(&b->lock, NULL);
	if (!err)
		err = -pthread_condattr_init(&ca);
	if (!err) {
		/* timed waits on the clock tokens are counted in */
		err = -pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		if (!err)
			err = -pthread_cond_init(&b->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	b->running = 1;
	if (!err)
		err = -pthread_create(&b->thread, NULL, dispatch, b);
	if (err < 0) {
		free(b->e);
		free(b->ring);
		free(b);
		return err;
	}
	b->started = 1;
	*out = b;
	return 0;
}

void budgets_free(struct budgets *b)
{
	uint32_t i;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->running = 0;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
	if (b->started)
		pthread_join(b->thread, NULL);
	for (i = 0; i < NENTRIES; i++) {
		struct budget_call *c = b->e[i].head, *next;

		for (; c; c = next) {
			next = c->next;
			c->drop(c);
		}
	}
	pthread_cond_destroy(&b->wake);
	pthread_mutex_destroy(&b->lock);
	free(b->e);
	free(b->ring);
	free(b);
}

int budget_charge(struct budgets *b, uint32_t idx, size_t bytes)
{
	struct entry *e = &b->e[idx < NENTRIES ? idx : BUDGET_HOST];
	char line[BUDGET_NAME_MAX + 256] = "";
	uint64_t now;
	int err = 0;

	pthread_mutex_lock(&b->lock);
	if (!e->used)
		entry_reset(b, e, idx, 0);
	if (budget_fits(e->files_open, e->bytes_held, bytes, e->files_max)) {
		e->files_open++;
		e->bytes_held += bytes;
		b->held += bytes;
		if (b->held > b->held_peak)
			b->held_peak = b->held;
	} else {
		err = -ENFILE;
		e->refused++;
		now = monotonic_ns();
		if (now - e->refused_log_ns >= LOG_NS || !e->refused_log_ns) {
			e->refused_log_ns = now;
			snprintf(line, sizeof(line), "kava: view: container %s holds %llu view files "
				 "(%llu KiB; budget %u files, %llu KiB): opens fail with ENFILE "
				 "(%llu refused so far)\n", e->name, (unsigned long long)e->files_open,
				 (unsigned long long)(e->bytes_held >> 10), e->files_max,
				 (unsigned long long)e->files_max * BUDGET_FILE_BYTES >> 10,
				 (unsigned long long)e->refused);
		}
	}
	pthread_mutex_unlock(&b->lock);
	if (line[0])
		fputs(line, stderr);
	return err;
}

void budget_recharge(struct budgets *b, uint32_t idx, size_t old_bytes, size_t new_bytes)
{
	struct entry *e = &b->e[idx < NENTRIES ? idx : BUDGET_HOST];

	pthread_mutex_lock(&b->lock);
	e->bytes_held = e->bytes_held + new_bytes - old_bytes;
	b->held = b->held + new_bytes - old_bytes;
	if (b->held > b->held_peak)
		b->held_peak = b->held;
	else
		note_freed(b, monotonic_ns());
	pthread_mutex_unlock(&b->lock);
}

void budget_uncharge(struct budgets *b, uint32_t idx, size_t bytes)
{
	struct entry *e = &b->e[idx < NENTRIES ? idx : BUDGET_HOST];

	pthread_mutex_lock(&b->lock);
	if (e->files_open)
		e->files_open--;
	e->bytes_held -= bytes < e->bytes_held ? bytes : e->bytes_held;
	b->held -= bytes < b->held ? bytes : b->held;
	note_freed(b, monotonic_ns());
	pthread_mutex_unlock(&b->lock);
}

int budget_stats_of(struct budgets *b, uint32_t idx, struct budget_stats *out)
{
	struct entry *e;
	int err = 0;

	if (idx >= NENTRIES)
		return -ENOENT;
	e = &b->e[idx];
	pthread_mutex_lock(&b->lock);
	if (!e->used) {
		err = -ENOENT;
	} else {
		memcpy(out->name, e->name, sizeof(out->name));
		out->files_max = e->files_max;
		out->rate = e->rate;
		out->files_open = e->files_open;
		out->bytes_held = e->bytes_held;
		out->requests = e->requests;
		out->delayed_rate = e->delayed_rate;
		out->delayed_busy = e->delayed_busy;
		out->delay_ns = e->delay_ns;
		out->refused = e->refused;
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}
