// SPDX-License-Identifier: GPL-2.0
/* Gathering what the metrics show: kava's maps, the policy stats, the view's limits. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cgroup/files.h"
#include "cgroup/memo.h"
#include "cgroup/path.h"
#include "common/clock.h"
#include "common/fdcache.h"
#include "common/kbuf.h"
#include "common/util.h"
#include "common/version.h"
#include "kava_policy.h"
#include "metrics/collect.h"
#include "metrics/runq.h"
#include "metrics/viewstats.h"
#include "policy/events.h"
#include "policy/policy.h"
#include "sched/figures_read.h"
#include "sched/registry.h"
#include "view/budget.h"
#include "view/cpu_history.h"
#include "view/tmpfs.h"

#define MAX_PROGS 32

/*
 * A container's limits as the view computes them (visible CPUs, memory
 * limit) and its memory usage, kept per slot generation: reading the limits
 * opens several cgroup files up the hierarchy, which at 1,000 containers
 * was most of a scrape's cost. The usage is read again once LIMITS_TTL_NS
 * old (one file). The limits, once that old, are read again by a scrape of
 * every container for one share of the containers only: those whose slot
 * % LIMITS_SHARES is the scrape's number % LIMITS_SHARES, where only
 * scrapes LIMITS_TTL_NS or more after the last numbered one get a new
 * number (scrape_round()). So a cold scrape reads the limits of a quarter of
 * them, a warm one none, and a container's limits are at most LIMITS_SHARES
 * scrapes old, counting scrapes 5 s or more apart (1 min at Prometheus'
 * default 15 s interval; 4 x (5 s + the interval) when closer). A scrape of
 * one container reads them once LIMITS_TTL_NS old; kava top (TTL 0) at
 * every refresh. One entry per slot, its path on the heap; a scrape of
 * every container frees the entries of slots it did not meet (sweep_limits()).
 */
#define LIMITS_TTL_NS 5000000000ull
#define LIMITS_SHARES 4u
#define NO_ROUND UINT64_MAX            /* a scrape of one container */

struct limits_entry {
	uint64_t cgroup_id;            /* 0: empty */
	uint32_t gen;
	uint64_t limits_ns;            /* when the limits (and the path) were read */
	uint64_t usage_ns;             /* when mem_usage was */
	char *v2_path;
	int visible_cpus;
	int mem_known;
	uint64_t mem_limit;
	uint64_t mem_usage;
};

static struct limits_entry limits_cache[KAVA_MAX_CONTAINERS];
static pthread_mutex_t limits_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t limits_ttl_ns = LIMITS_TTL_NS;
static uint64_t rounds;                /* cold scrapes of every container so far */
static uint64_t round_ns;              /* when the last one began */
/*
 * Read ahead (metrics_limits_ahead()): the slot generation it last tried,
 * per slot, so a container whose limits cannot be kept (provisional, or an
 * error) is tried once, not at every tick; and the full limit reads made by
 * scrapes and ahead, for tests.
 */
static struct { uint64_t cgroup_id; uint32_t gen; } ahead_tried[KAVA_MAX_CONTAINERS];
static uint64_t reads_by_scrape, reads_ahead, ahead_walks;
/*
 * The registry epoch (registry_epoch()) read before the last walk that found
 * nothing left to read: while it stands, no container was enabled or
 * disabled since, and a look is one map read instead of a walk of the table
 * (two batched reads of 1,024 entries and a lock per slot: at 1,000
 * containers, every 0.5 s, 10 ms of CPU a second on a loaded host).
 */
static uint32_t ahead_epoch;
static int ahead_settled;

void metrics_limits_ttl(uint64_t ns)
{
	pthread_mutex_lock(&limits_lock);
	limits_ttl_ns = ns;
	pthread_mutex_unlock(&limits_lock);
}

/*
 * The number of a scrape of every container: a new one when it comes
 * LIMITS_TTL_NS or more after the last new one, else the same (a warm
 * scrape reads nothing the cold one before it read).
 */
static uint64_t scrape_round(void)
{
	uint64_t now = monotonic_ns(), r;

	pthread_mutex_lock(&limits_lock);
	if (!rounds || now - round_ns >= limits_ttl_ns) {
		rounds++;
		round_ns = now;
	}
	r = rounds;
	pthread_mutex_unlock(&limits_lock);
	return r;
}

/*
 * The container array of a scrape of every container (KAVA_MAX_CONTAINERS
 * entries, ~1 MB), kept by metrics_set_free() for the next one: a new one
 * at each scrape faulted in ~240 pages, about a quarter of a warm render's
 * CPU on the development VM (a fault there costs ~25 us). One is kept.
 */
static struct metrics_container *spare_c;
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;

void metrics_collect_prefault(void)
{
	struct metrics_container *c;
	int kept;

	pthread_mutex_lock(&spare_lock);
	kept = spare_c != NULL;
	pthread_mutex_unlock(&spare_lock);
	if (kept)
		return;
	/* faulted in outside the lock: a scrape meanwhile allocates its own */
	c = alloc_resident(KAVA_MAX_CONTAINERS * sizeof(*c));
	pthread_mutex_lock(&spare_lock);
	if (!spare_c) {
		spare_c = c;
		c = NULL;
	}
	pthread_mutex_unlock(&spare_lock);
	free(c);
}

struct collect_ctx {
	const struct view_source *src;
	struct metrics_set *set;
	struct kava_figures *fig;      /* one at a time: it is large */
	const char *online;
	uint64_t host_mem;             /* the host's MemTotal in bytes */
	pid_t reader;
	struct cg_memo *memo;          /* this scrape's reads of shared ancestors */
	uint8_t *seen;                 /* slots met in this scrape (NULL: one container only) */
	uint64_t round;                /* this scrape's number (NO_ROUND: one container) */
	/*
	 * A scrape of every container: the per-CPU stats of slots [first,
	 * first + n) read in one call and the CPUs' current tasks after them
	 * (stats NULL: read slot by slot).
	 */
	struct kava_cpustats *stats;
	struct kava_cpucur *cur;
	uint32_t first, n;
	const struct kava_figures *given;   /* the one container's figures, read by the caller */
	int err;
};

static void limits_entry_clear(struct limits_entry *e)
{
	free(e->v2_path);
	memset(e, 0, sizeof(*e));
}

enum kept { KEPT_NONE, KEPT_LIMITS, KEPT_ALL };

/* What of entry `e` (under the lock) a scrape may use at `now`: nothing, the limits, all. */
static enum kept kept_of(const struct limits_entry *e, const struct kava_owner *owner,
			 uint64_t cgroup_id, uint64_t now, uint64_t round)
{
	int share = round == NO_ROUND || owner->slot % LIMITS_SHARES == round % LIMITS_SHARES;

	if (e->cgroup_id != cgroup_id || e->gen != owner->gen)
		return KEPT_NONE;
	if (now - e->limits_ns >= limits_ttl_ns && (share || !limits_ttl_ns))
		return KEPT_NONE;
	/* without memory files there is no usage to read again */
	return !e->mem_known || now - e->usage_ns < limits_ttl_ns ? KEPT_ALL : KEPT_LIMITS;
}

static void limits_of_entry(const struct limits_entry *e, struct view_limits *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->v2_path, sizeof(out->v2_path), "%s", e->v2_path);
	out->visible_cpus = e->visible_cpus;
	out->mem_known = e->mem_known;
	out->mem_limit = e->mem_limit;
	out->mem_usage = e->mem_usage;
}

static void keep_limits(struct limits_entry *e, const struct kava_owner *owner, uint64_t cgroup_id,
			uint64_t now, const struct view_limits *lim)
{
	pthread_mutex_lock(&limits_lock);
	limits_entry_clear(e);
	e->v2_path = strdup(lim->v2_path);
	if (e->v2_path) {	/* else: read again next time */
		e->cgroup_id = cgroup_id;
		e->gen = owner->gen;
		e->limits_ns = now;
		e->usage_ns = now;
		e->visible_cpus = lim->visible_cpus;
		e->mem_known = lim->mem_known;
		e->mem_limit = lim->mem_limit;
		e->mem_usage = lim->mem_usage;
	}
	pthread_mutex_unlock(&limits_lock);
}

/* The memory usage of a container whose limits are kept: 0, or -1 to read it all. */
static int fresh_usage(struct collect_ctx *x, const struct kava_owner *owner, uint64_t cgroup_id,
		       struct limits_entry *e, uint64_t now, struct view_limits *out)
{
	uint64_t usage;

	if (view_container_mem_usage(x->src, owner, &usage) < 0)
		return -1;	/* gone, or its memory files: read it all, as at first */
	out->mem_usage = usage;
	pthread_mutex_lock(&limits_lock);
	if (e->cgroup_id == cgroup_id && e->gen == owner->gen) {
		e->mem_usage = usage;
		e->usage_ns = now;
	}
	pthread_mutex_unlock(&limits_lock);
	return 0;
}

static int cached_limits(struct collect_ctx *x, const struct kava_owner *owner,
			 const struct kava_slot *s, struct view_limits *out)
{
	struct limits_entry *e = &limits_cache[owner->slot % KAVA_MAX_CONTAINERS];
	uint64_t now = monotonic_ns();
	enum kept kept = KEPT_NONE;
	int err;

	/* a reader's own v1 cgroups may differ from the stand-in process's: not cached */
	if (x->reader == 0) {
		pthread_mutex_lock(&limits_lock);
		kept = kept_of(e, owner, s->cgroup_id, now, x->round);
		if (kept != KEPT_NONE)
			limits_of_entry(e, out);
		pthread_mutex_unlock(&limits_lock);
	}
	if (kept == KEPT_ALL ||
	    (kept == KEPT_LIMITS && fresh_usage(x, owner, s->cgroup_id, e, now, out) == 0))
		return 0;
	err = view_container_limits_memo(x->src, owner, x->reader, x->online, x->memo, out);
	pthread_mutex_lock(&limits_lock);
	reads_by_scrape++;
	pthread_mutex_unlock(&limits_lock);
	/*
	 * Not kept when provisional: an empty container's v1 cgroups are found
	 * through its first task, and the next scrape may have one.
	 */
	if (!err && x->reader == 0 && !out->provisional)
		keep_limits(e, owner, s->cgroup_id, now, out);
	return err;
}

/* After a scrape of every container: the entries of slots it did not meet go. */
static void sweep_limits(const uint8_t *seen)
{
	size_t i;

	pthread_mutex_lock(&limits_lock);
	for (i = 0; i < KAVA_MAX_CONTAINERS; i++)
		if (!seen[i] && limits_cache[i].cgroup_id)
			limits_entry_clear(&limits_cache[i]);
	pthread_mutex_unlock(&limits_lock);
}

struct ahead_ctx {
	const struct view_source *src;
	const char *online;
	struct cg_memo *memo;          /* this call's reads of shared ancestors */
	unsigned int left, read;
	int more;                      /* stopped with containers left to read */
};

static int ahead_one(uint32_t slot, const struct kava_slot *s, void *arg)
{
	struct ahead_ctx *a = arg;
	struct kava_owner owner = { .slot = slot, .gen = s->gen };
	struct limits_entry *e;
	struct view_limits lim;
	int known;

	if (slot >= KAVA_MAX_CONTAINERS)
		return 0;
	e = &limits_cache[slot];
	pthread_mutex_lock(&limits_lock);
	known = (e->cgroup_id == s->cgroup_id && e->gen == s->gen) ||
		(ahead_tried[slot].cgroup_id == s->cgroup_id && ahead_tried[slot].gen == s->gen);
	if (!known && a->left) {
		ahead_tried[slot].cgroup_id = s->cgroup_id;
		ahead_tried[slot].gen = s->gen;
		reads_ahead++;
	}
	pthread_mutex_unlock(&limits_lock);
	if (known)
		return 0;
	if (!a->left) {
		a->more = 1;
		return 1;
	}
	a->left--;
	a->read++;
	/* as a scrape reads them (cached_limits()); a provisional one is left to the scrape */
	if (view_container_limits_memo(a->src, &owner, 0, a->online, a->memo, &lim) == 0 &&
	    !lim.provisional)
		keep_limits(e, &owner, s->cgroup_id, monotonic_ns(), &lim);
	return 0;
}

int metrics_limits_ahead(const struct view_source *src, unsigned int max, unsigned int *read)
{
	struct ahead_ctx a = { .src = src, .left = max };
	char *online = NULL;
	uint32_t epoch = 0;
	int err, have_epoch, settled;

	*read = 0;
	/* the epoch first, then the table: a change after the read moves it on again */
	have_epoch = registry_epoch(src->st, &epoch) == 0;
	pthread_mutex_lock(&limits_lock);
	settled = have_epoch && ahead_settled && ahead_epoch == epoch;
	pthread_mutex_unlock(&limits_lock);
	if (settled)
		return 0;
	a.memo = cg_memo_new();
	if (!a.memo)
		return -ENOMEM;
	err = fdcache_read("/sys/devices/system/cpu/online", FDCACHE_ONE_RECORD, &online, NULL);
	if (!err) {
		a.online = online;
		err = registry_foreach(src->st, ahead_one, &a);
		pthread_mutex_lock(&limits_lock);
		ahead_walks++;
		ahead_settled = have_epoch && err >= 0 && !a.more;
		ahead_epoch = epoch;
		pthread_mutex_unlock(&limits_lock);
	}
	free(online);
	cg_memo_free(a.memo);
	*read = a.read;
	return err < 0 ? err : a.more;
}

void metrics_limits_stats(uint64_t *by_scrape, uint64_t *ahead, uint64_t *walks)
{
	pthread_mutex_lock(&limits_lock);
	*by_scrape = reads_by_scrape;
	*ahead = reads_ahead;
	*walks = ahead_walks;
	pthread_mutex_unlock(&limits_lock);
}

/* "/a/b" from "<cgroup2 mount>/a/b" ("/" for the mount itself). */
static void relative_path(const char *mount, const char *abs, char *out, size_t size)
{
	size_t n = strlen(mount);

	if (!strncmp(abs, mount, n) && (abs[n] == '/' || !abs[n]))
		snprintf(out, size, "%s", abs[n] ? abs + n : "/");
	else
		snprintf(out, size, "%s", abs);
}

static uint64_t host_mem_total(void)
{
	unsigned long long kb = 0;
	char *text = NULL, *p;

	if (fdcache_read("/proc/meminfo", FDCACHE_ONE_RECORD, &text, NULL) == 0 &&
	    (p = strstr(text, "MemTotal:")) != NULL &&
	    sscanf(p, "MemTotal: %llu", &kb) != 1)
		kb = 0;
	free(text);
	return (uint64_t)kb * 1024;
}

/* The container's FUSE view budget, when the view serves it and it made a request. */
static void fill_budget(const struct view_source *src, const struct kava_owner *owner,
			struct metrics_container *m)
{
	struct budget_stats bs;

	if (!src->budgets || budget_stats_of(src->budgets, budget_index(owner), &bs) < 0)
		return;
	m->budget_known = 1;
	m->view_files = bs.files_open;
	m->view_bytes = bs.bytes_held;
	m->view_files_limit = bs.files_max;
	m->view_rate_limit = bs.rate;
	m->view_requests = bs.requests;
	m->view_delayed_rate = bs.delayed_rate;
	m->view_delayed_busy = bs.delayed_busy;
	m->view_delay_ns = bs.delay_ns;
	m->view_refused = bs.refused;
}

int metrics_container_cpus(struct cpu_history *h, const struct kava_owner *owner,
			   const struct kava_figures *f, struct metrics_container *m)
{
	unsigned int c, nr = f->nr_cpus < KAVA_MAX_CPUS ? f->nr_cpus : KAVA_MAX_CPUS, used = 0;
	struct cpu_ticks *t = calloc(nr ? nr : 1, sizeof(*t));
	int err = 0;

	if (!t)
		return -ENOMEM;
	for (c = 0; c < nr; c++) {
		t[c].user = f->cpu[c].user_ns;
		t[c].system = f->cpu[c].system_ns;
		t[c].idle = 0;
	}
	if (h)
		cpu_history_keep(h, owner->slot, f->cgroup_id, owner->gen, t, (int)nr);
	for (c = 0; c < nr; c++)
		used += t[c].user || t[c].system;
	m->cpus = used ? calloc(used, sizeof(*m->cpus)) : NULL;
	if (used && !m->cpus)
		err = -ENOMEM;
	for (c = 0; !err && c < nr && m->nr_cpus < used; c++) {
		if (!t[c].user && !t[c].system)
			continue;	/* a CPU it never ran on: no series */
		m->cpus[m->nr_cpus].cpu = c;
		m->cpus[m->nr_cpus].user_ns = t[c].user;
		m->cpus[m->nr_cpus].system_ns = t[c].system;
		m->nr_cpus++;
	}
	free(t);
	return err;
}

static int fill_container(struct collect_ctx *x, uint32_t slot, const struct kava_slot *s,
			  struct metrics_container *m)
{
	struct kava_owner owner = { .slot = slot, .gen = s->gen };
	struct kava_figures *f = x->fig;
	struct view_limits lim;
	int err;

	memset(&lim, 0, sizeof(lim));
	if (x->given) {
		memcpy(f, x->given, sizeof(*f));	/* read from the same slot generation */
		err = 0;
	} else if (x->stats && slot >= x->first && slot - x->first < x->n) {
		figures_of(x->src->st, slot, s, x->stats + (size_t)(slot - x->first) * x->src->st->nr_cpus,
			   x->cur, f);
		err = 0;
	} else {
		err = figures_read_from(x->src->st, slot, s, 0, f);
	}
	if (!err)
		err = cached_limits(x, &owner, s, &lim);
	if (err)
		return err < 0 ? err : -EIO;
	memset(m, 0, sizeof(*m));
	relative_path(x->src->cgroup2_mount, lim.v2_path, m->path, sizeof(m->path));
	m->cgroup_id = f->cgroup_id;
	memcpy(m->avenrun, f->avenrun, sizeof(m->avenrun));
	m->nr_running = f->nr_running;
	m->nr_uninterruptible = f->nr_uninterruptible;
	m->nr_iowait = f->nr_iowait;
	m->nr_threads = f->nr_threads;
	m->switches = f->switches;
	m->forks = f->forks;
	memcpy(m->wait_hist, f->wait_hist, sizeof(m->wait_hist));
	m->wait_sum_ns = f->wait_sum_ns;
	m->visible_cpus = lim.visible_cpus;
	m->mem_limit = lim.mem_limit;
	if (x->host_mem && (m->mem_limit == KAVA_UNLIMITED || m->mem_limit > x->host_mem))
		m->mem_limit = x->host_mem;	/* as the view's MemTotal */
	m->mem_usage = lim.mem_usage;
	m->mem_usage_known = lim.mem_known;
	fill_budget(x->src, &owner, m);
	return metrics_container_cpus(x->src->metrics_history, &owner, f, m);
}

static int add_container(uint32_t slot, const struct kava_slot *s, void *arg)
{
	struct collect_ctx *x = arg;
	struct metrics_set *set = x->set;
	int err;

	if (set->n == KAVA_MAX_CONTAINERS)
		return 0;
	if (x->seen && slot < KAVA_MAX_CONTAINERS)
		x->seen[slot] = 1;
	err = fill_container(x, slot, s, &set->c[set->n]);
	if (err == -ENOMEM) {
		x->err = err;
		return 1;
	}
	if (!err)
		set->n++;
	return 0;	/* disabled or removed meanwhile: left out */
}

/* The enabled slots of a scrape of every container, by slot. */
struct gathered {
	struct kava_slot s[KAVA_MAX_CONTAINERS];
	uint8_t live[KAVA_MAX_CONTAINERS];
};

static int gather_slot(uint32_t slot, const struct kava_slot *s, void *arg)
{
	struct gathered *g = arg;

	if (slot < KAVA_MAX_CONTAINERS) {
		g->s[slot] = *s;
		g->live[slot] = 1;
	}
	return 0;
}

/*
 * Slots per batched read of their stats: at most FIGURES_STATS_MAX, and at
 * most 96 KiB of them (every possible CPU's), so that the buffer comes from
 * the heap, not a new mapping at each scrape.
 */
static uint32_t stats_chunk(unsigned int nr_cpus)
{
	size_t per = 96 * 1024 / ((nr_cpus ? nr_cpus : 1) * sizeof(struct kava_cpustats));

	return per < 1 ? 1 : per > FIGURES_STATS_MAX ? FIGURES_STATS_MAX : (uint32_t)per;
}

/*
 * Every enabled container, in slot order: the table in two batched reads
 * (registry_foreach()), then the stats of each run of slots in one, and
 * kava_cpucur after it; slot by slot where the kernel has no batches.
 */
static int add_every_container(struct collect_ctx *x)
{
	const struct kava_state *st = x->src->st;
	uint32_t per = stats_chunk(st->nr_cpus), first, i, n;
	struct gathered *g = calloc(1, sizeof(*g));
	int err, batch = 1, got;

	x->stats = calloc((size_t)per * st->nr_cpus, sizeof(*x->stats));
	x->cur = calloc(st->nr_cpus, sizeof(*x->cur));
	if (!g || !x->stats || !x->cur) {
		err = -ENOMEM;
		goto out;
	}
	err = registry_foreach(st, gather_slot, g);
	for (first = 0; !err && first < KAVA_MAX_CONTAINERS; first += per) {
		n = KAVA_MAX_CONTAINERS - first < per ? KAVA_MAX_CONTAINERS - first : per;
		for (i = 0; i < n && !g->live[first + i]; i++)
			;
		if (i == n)
			continue;	/* none enabled here */
		x->first = first;
		x->n = 0;	/* slot by slot, unless read below */
		got = batch ? figures_read_stats(st, first, n, x->stats) : -EOPNOTSUPP;
		if (got == -EOPNOTSUPP)
			batch = 0;
		else if (got > 0 && figures_read_cur(st, x->cur) == 0)
			x->n = (uint32_t)got;	/* else (an error): these slots one by one */
		for (i = 0; !err && i < n; i++)
			if (g->live[first + i] && add_container(first + i, &g->s[first + i], x))
				err = x->err;
	}
out:
	free(g);
	free(x->stats);
	free(x->cur);
	x->stats = NULL;
	x->cur = NULL;
	return err;
}

/* Room for `more` policy entries in set->p. */
static int grow_policies(struct metrics_set *set, size_t *cap, size_t more)
{
	struct metrics_policy *grown;
	size_t ncap;

	if (set->np + more <= *cap)
		return 0;
	ncap = *cap * 2 + more + 8;
	grown = realloc(set->p, ncap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	set->p = grown;
	*cap = ncap;
	return 0;
}

/* The value size of map `fd`: a kpol_stats pinned by another kava version differs. */
static __u32 value_size(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.value_size : 0;
}

/*
 * Decision counters of every policied cgroup, or of `only_id`'s alone (0:
 * all): one entry per hook (KAVA_HOOK_*), as the policy programs count them.
 */
static int collect_policies(const struct view_source *src, uint64_t only_id, struct metrics_set *set)
{
	char dir[4096], path[4200], abs[4096], rel[512];
	struct kava_pol_stats st;
	uint64_t key, next;
	size_t cap = 0;
	int fd, more, h, hooks;
	__u32 size;

	/*
	 * Not there: not asked again in the same pass (the tmpfs view's
	 * period asks for each container's kava/metrics and kava/runq).
	 */
	static _Thread_local unsigned long long missing_in_pass;
	unsigned long long pass = fdcache_pass_id();

	if (pass && pass == missing_in_pass)
		return 0;
	policy_pin_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/kpol_stats", dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		missing_in_pass = pass;
		return 0;	/* no policy was ever applied */
	}
	/*
	 * A policy state pinned by a kava before the counters by hook (its
	 * programs keep running after an upgrade): its totals, without a hook.
	 */
	size = value_size(fd);
	hooks = size == sizeof(st) ? KAVA_HOOK_COUNT : 1;
	if (size != sizeof(st) && size != offsetof(struct kava_pol_stats, hook)) {
		close(fd);
		return 0;	/* a layout this kava does not know */
	}
	more = bpf_map_get_next_key(fd, NULL, &key) == 0;
	while (more) {
		more = bpf_map_get_next_key(fd, &key, &next) == 0;
		memset(&st, 0, sizeof(st));	/* an older layout fills only its prefix */
		if ((!only_id || key == only_id) && bpf_map_lookup_elem(fd, &key, &st) == 0 &&
		    cgroup_path_of_id(src->cgroup2_mount, key, abs, sizeof(abs)) == 0) {
			if (grow_policies(set, &cap, (size_t)hooks) < 0) {
				close(fd);
				return -ENOMEM;
			}
			relative_path(src->cgroup2_mount, abs, rel, sizeof(rel));
			for (h = 0; h < hooks; h++) {
				struct metrics_policy *p = &set->p[set->np++];
				const struct kava_pol_hook_stats *hs = &st.hook[h];

				memset(p, 0, sizeof(*p));
				snprintf(p->path, sizeof(p->path), "%s", rel);
				p->cgroup_id = key;
				if (hooks == 1) {	/* totals only */
					p->allowed = st.allowed;
					p->denied = st.denied;
					p->would_deny = st.would_deny;
					p->suppressed = st.suppressed;
					continue;
				}
				p->hook = events_hook_name((unsigned int)h + 1);
				p->allowed = hs->allowed;
				p->denied = hs->denied;
				p->would_deny = hs->would_deny;
				p->suppressed = hs->suppressed;
			}
		}
		key = next;
	}
	close(fd);
	return 0;
}

/*
 * metrics_collect(), for `only` alone when the caller read its slot (`s`)
 * and figures (`fig`) already: none read again.
 */
static int collect(const struct view_source *src, const struct kava_owner *only, pid_t reader,
		   const struct kava_slot *given_slot, const struct kava_figures *fig,
		   struct metrics_set *set);

int metrics_collect(const struct view_source *src, const struct kava_owner *only, pid_t reader,
		    struct metrics_set *set)
{
	return collect(src, only, reader, NULL, NULL, set);
}

static int collect(const struct view_source *src, const struct kava_owner *only, pid_t reader,
		   const struct kava_slot *given_slot, const struct kava_figures *fig,
		   struct metrics_set *set)
{
	/* a host reader's own v1 cgroups say nothing about the containers */
	int all = !only || only->slot == KAVA_NO_SLOT;
	struct collect_ctx x = { .src = src, .set = set, .reader = all ? 0 : reader,
				 .round = all ? scrape_round() : NO_ROUND };
	char *online = NULL;
	int err;

	memset(set, 0, sizeof(*set));
	/* one container (its kava/metrics file, every tmpfs period): room for one */
	if (all) {
		pthread_mutex_lock(&spare_lock);
		set->c = spare_c;	/* entries are filled before they count (fill_container()) */
		spare_c = NULL;
		pthread_mutex_unlock(&spare_lock);
		set->all = 1;
	}
	if (!set->c)
		set->c = calloc(all ? KAVA_MAX_CONTAINERS : 1, sizeof(*set->c));
	x.fig = malloc(sizeof(*x.fig));
	x.memo = cg_memo_new();
	x.seen = all ? calloc(KAVA_MAX_CONTAINERS, 1) : NULL;
	err = !set->c || !x.fig || !x.memo || (all && !x.seen) ? -ENOMEM : 0;
	if (!err)
		err = fdcache_read("/sys/devices/system/cpu/online", FDCACHE_ONE_RECORD, &online, NULL);
	if (err < 0)
		goto out;
	x.online = online;
	x.host_mem = host_mem_total();
	if (!all) {
		struct kava_slot s;

		x.given = given_slot && fig ? fig : NULL;
		if (given_slot)
			s = *given_slot;
		if ((given_slot || bpf_map_lookup_elem(src->st->slots_fd, &only->slot, &s) == 0) &&
		    s.cgroup_id && s.gen == only->gen)
			add_container(only->slot, &s, &x);
		err = x.err;
		if (!err && set->n)
			err = collect_policies(src, set->c[0].cgroup_id, set);
	} else {
		err = add_every_container(&x);
		if (!err)
			err = x.err;
		if (!err)
			sweep_limits(x.seen);
		if (!err)
			err = collect_policies(src, 0, set);
	}
out:
	free(online);
	free(x.fig);
	free(x.seen);
	cg_memo_free(x.memo);
	if (err < 0)
		metrics_set_free(set);
	return err;
}

void metrics_set_free(struct metrics_set *set)
{
	size_t i;

	for (i = 0; set->c && i < set->n; i++)
		free(set->c[i].cpus);
	if (set->all && set->c) {
		pthread_mutex_lock(&spare_lock);
		if (!spare_c) {
			spare_c = set->c;
			set->c = NULL;
		}
		pthread_mutex_unlock(&spare_lock);
	}
	free(set->c);
	free(set->p);
	memset(set, 0, sizeof(*set));
}

/* One pinned link's program: its run time and count (kernel.bpf_stats_enabled). */
static void add_prog(const char *dir, const char *name, struct metrics_prog *progs, size_t *n,
		     uint32_t *ids)
{
	struct bpf_link_info link = { 0 };
	struct bpf_prog_info prog = { 0 };
	__u32 llen = sizeof(link), plen = sizeof(prog);
	char path[4096 + 260];
	int lfd, pfd;
	size_t i;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return;
	lfd = bpf_obj_get(path);
	if (lfd < 0)
		return;
	if (bpf_obj_get_info_by_fd(lfd, &link, &llen) == 0 && *n < MAX_PROGS) {
		for (i = 0; i < *n && ids[i] != link.prog_id; i++)
			;
		pfd = i == *n ? bpf_prog_get_fd_by_id(link.prog_id) : -1;
		if (pfd >= 0 && bpf_obj_get_info_by_fd(pfd, &prog, &plen) == 0) {
			/* the link's pin name is the program's full name; a cgroup/dev link is per cgroup */
			snprintf(progs[*n].name, sizeof(progs[*n].name), "%.63s",
				 strncmp(name, "cg-", 3) ? name : prog.name);
			progs[*n].run_ns = prog.run_time_ns;
			progs[*n].run_cnt = prog.run_cnt;
			ids[(*n)++] = link.prog_id;
		}
		if (pfd >= 0)
			close(pfd);
	}
	close(lfd);
}

static size_t collect_progs(struct metrics_prog *progs)
{
	uint32_t ids[MAX_PROGS];
	char dirs[2][4096];
	struct dirent *de;
	size_t n = 0;
	int i;
	DIR *d;

	snprintf(dirs[0], sizeof(dirs[0]), "%s/links", kava_pin_dir());
	policy_pin_dir(dirs[1], sizeof(dirs[1]));
	strncat(dirs[1], "/links", sizeof(dirs[1]) - strlen(dirs[1]) - 1);
	for (i = 0; i < 2; i++) {
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				add_prog(dirs[i], de->d_name, progs, &n, ids);
		closedir(d);
	}
	return n;
}

static int bpf_stats_on(void)
{
	char *text = NULL;
	int on = read_file("/proc/sys/kernel/bpf_stats_enabled", &text, NULL) == 0 && text[0] == '1';

	free(text);
	return on;
}

int metrics_text_buf(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		     double scrape_cpu_s, struct kbuf *b)
{
	struct metrics_file files[VIEWSTATS_FILES];
	struct metrics_hist lat[VS_OP_COUNT];
	struct metrics_prog progs[MAX_PROGS];
	struct metrics_agent a = { 0 };
	struct tmpfs_notify_stats tn;
	struct metrics_set set;
	int host = !owner || owner->slot == KAVA_NO_SLOT, err;

	err = metrics_collect(src, owner, reader, &set);
	if (err < 0)
		return err;
	if (host) {
		viewstats_read(files, lat);
		a.version = KAVA_VERSION;
		a.enabled = (unsigned int)set.n;
		a.files = files;
		a.nr_files = VIEWSTATS_FILES;
		a.fuse_ops = viewstats_op_names;
		a.fuse_lat = lat;
		a.nr_fuse_ops = VS_OP_COUNT;
		a.bpf_stats_enabled = bpf_stats_on();
		a.progs = progs;
		a.nr_progs = a.bpf_stats_enabled ? collect_progs(progs) : 0;
		a.scrape_cpu_s = scrape_cpu_s;
		a.tmpfs = view_tmpfs_notify_stats(&tn) == 0 ? &tn : NULL;
	}
	err = metrics_render_buf(host ? &a : NULL, set.c, set.n, set.p, set.np, b);
	metrics_set_free(&set);
	return err;
}

int metrics_text(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		 double scrape_cpu_s, char **out, size_t *len)
{
	struct kbuf b = { 0 };
	int err = metrics_text_buf(src, owner, reader, scrape_cpu_s, &b);

	if (err < 0) {
		kbuf_free(&b);
		return err;
	}
	return kbuf_finish(&b, out, len);
}

int metrics_view_file(const struct view_source *src, int runq, const struct kava_owner *owner,
		      pid_t reader, char **out, size_t *len)
{
	struct metrics_set set;
	int err;

	if (!runq)
		return metrics_text(src, owner, reader, -1, out, len);
	err = metrics_collect(src, owner, reader, &set);
	if (err < 0)
		return err;
	err = metrics_runq_text(set.c, set.n, out, len);
	metrics_set_free(&set);
	return err;
}

/*
 * What metrics_render() and metrics_runq_text() make a container's texts
 * from: every field of its entries (zeroed before they are filled, so the
 * padding too) but the pointer to its CPUs, those CPUs' figures, and its
 * policy counters (hook names are string constants).
 */
static uint64_t set_hash(const struct metrics_set *set)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, at = offsetof(struct metrics_container, cpus);
	size_t after = at + sizeof(((struct metrics_container *)0)->cpus);

	h = hash64(h, &set->n, sizeof(set->n));
	for (i = 0; i < set->n; i++) {
		const struct metrics_container *c = &set->c[i];

		h = hash64(h, c, at);
		h = hash64(h, (const char *)c + after, sizeof(*c) - after);
		if (c->cpus)
			h = hash64(h, c->cpus, c->nr_cpus * sizeof(*c->cpus));
	}
	h = hash64(h, &set->np, sizeof(set->np));
	if (set->np)
		h = hash64(h, set->p, set->np * sizeof(*set->p));
	return h ? h : 1;	/* 0: no hash yet, for callers */
}

int metrics_view_files(const struct view_source *src, const struct kava_owner *owner,
		       pid_t reader, const struct kava_slot *s, const struct kava_figures *fig,
		       uint64_t *inputs, char **metrics, size_t *metrics_len, char **runq,
		       size_t *runq_len)
{
	struct metrics_set set;
	uint64_t h;
	int err;

	*metrics = *runq = NULL;
	if (!owner || owner->slot == KAVA_NO_SLOT)
		return -EINVAL;	/* the host's exposition has the agent's families too */
	err = collect(src, owner, reader, s, fig, &set);
	if (err < 0)
		return err;
	h = set_hash(&set);
	if (inputs && *inputs == h) {
		metrics_set_free(&set);
		return 1;	/* the texts made from these are the ones made last */
	}
	/* as metrics_text() for a container, and metrics_view_file()'s runq */
	err = metrics_render(NULL, set.c, set.n, set.p, set.np, metrics, metrics_len);
	if (!err)
		err = metrics_runq_text(set.c, set.n, runq, runq_len);
	if (err < 0) {
		free(*metrics);
		*metrics = NULL;
	} else if (inputs) {
		*inputs = h;
	}
	metrics_set_free(&set);
	return err;
}
