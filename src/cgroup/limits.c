// SPDX-License-Identifier: GPL-2.0
/* Reading a container's limits and usage from its cgroups (v2, or v1 on hybrid hosts). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgroup/limits.h"
#include "cgroup/memo.h"
#include "cgroup/path.h"
#include "common/fdcache.h"
#include "common/mountinfo.h"
#include "common/util.h"

static const char *const v1_names[V1_COUNT] = { "memory", "cpuset", "cpu", "blkio" };

void v1_mounts_from_mountinfo(const char *text, struct v1_mounts *m)
{
	struct mountinfo_entry e;
	const char *cursor = text;
	int i;

	memset(m, 0, sizeof(*m));
	while (mountinfo_next(&cursor, &e)) {
		char *tok, *save = NULL, *o = e.super_options;

		if (strcmp(e.fstype, "cgroup"))
			continue;
		/* super options name the controllers: "rw,cpu,cpuacct" */
		while ((tok = strtok_r(o, ",", &save)) != NULL) {
			o = NULL;
			for (i = 0; i < V1_COUNT; i++)
				if (!strcmp(tok, v1_names[i]) && !m->dir[i][0])
					snprintf(m->dir[i], sizeof(m->dir[i]), "%s", e.mountpoint);
		}
	}
}

/*
 * The v1 hierarchies' root cgroups (limits.h): their mount points where the
 * mount shows the root. Set once before reader threads start, read only after.
 */
static struct {
	char top[V1_COUNT][PATH_MAX];
} v1_roots;

void limits_v1_roots_set(const struct v1_mounts *m, unsigned int top_mask)
{
	int i;

	memset(&v1_roots, 0, sizeof(v1_roots));
	for (i = 0; i < V1_COUNT; i++)
		if ((top_mask & (1u << i)) && m->dir[i][0])
			snprintf(v1_roots.top[i], sizeof(v1_roots.top[i]), "%s", m->dir[i]);
}

void limits_v1_roots_probe(const struct v1_mounts *m)
{
	unsigned int mask = 0;
	struct stat sb;
	int i;

	for (i = 0; i < V1_COUNT; i++)
		/* kernfs_create_root() gives the root directory id (and inode) 1 */
		if (m->dir[i][0] && stat(m->dir[i], &sb) == 0 && sb.st_ino == 1)
			mask |= 1u << i;
	limits_v1_roots_set(m, mask);
}

/* Is `dir` the root cgroup of controller i's v1 hierarchy? */
static int v1_is_root(int i, const char *dir)
{
	return v1_roots.top[i][0] && !strcmp(dir, v1_roots.top[i]);
}

int v1_path_from_proc(const char *text, const char *controller, char *out, size_t size)
{
	const char *line = text;
	size_t clen = strlen(controller);

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		const char *c1 = strchr(line, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		size_t n = eol ? (size_t)(eol - line) : strlen(line);

		if (c1 && c2 && c2 < line + n) {
			/* the controller list "cpu,cpuacct" may hold several names */
			const char *p = c1 + 1;

			while (p < c2) {
				const char *comma = memchr(p, ',', (size_t)(c2 - p));
				const char *end = comma ? comma : c2;

				if ((size_t)(end - p) == clen && !strncmp(p, controller, clen)) {
					size_t plen = (size_t)(line + n - (c2 + 1));

					if (plen + 1 > size)
						return -ENAMETOOLONG;
					memcpy(out, c2 + 1, plen);
					out[plen] = '\0';
					return 0;
				}
				p = end + 1;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

void container_paths_copy(struct container_paths *dst, const struct container_paths *src)
{
	int i;

	memcpy(dst->v2, src->v2, strlen(src->v2) + 1);
	memcpy(dst->v2_root, src->v2_root, strlen(src->v2_root) + 1);
	for (i = 0; i < V1_COUNT; i++) {
		memcpy(dst->v1[i], src->v1[i], strlen(src->v1[i]) + 1);
		dst->v1_mount[i] = src->v1_mount[i];
	}
}

void container_paths_clear(struct container_paths *p)
{
	int i;

	p->v2[0] = p->v2_root[0] = '\0';
	for (i = 0; i < V1_COUNT; i++) {
		p->v1[i][0] = '\0';
		p->v1_mount[i] = 0;
	}
}

int container_paths_v1(const struct v1_mounts *m, pid_t pid, struct container_paths *p)
{
	char path[64], rel[PATH_MAX], *text = NULL;
	int i, err;

	if (pid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
		/* kept open: a reader that reads again is asked again (a dead one's answers ESRCH) */
		err = fdcache_read(path, FDCACHE_ONE_RECORD, &text, NULL);
		if (err < 0)
			return err;
	}
	for (i = 0; i < V1_COUNT; i++) {
		p->v1[i][0] = '\0';
		p->v1_mount[i] = 0;
	}
	if (pid <= 0)
		return 0;
	for (i = 0; i < V1_COUNT; i++) {
		if (!m->dir[i][0] || v1_path_from_proc(text, v1_names[i], rel, sizeof(rel)) < 0)
			continue;
		/* the hierarchy's root is the mount itself: no trailing slash */
		if (snprintf(p->v1[i], sizeof(p->v1[i]), "%s%s", m->dir[i], strcmp(rel, "/") ? rel : "") >=
		    (int)sizeof(p->v1[i]))
			p->v1[i][0] = '\0';
		else
			p->v1_mount[i] = strlen(m->dir[i]);
	}
	free(text);
	return 0;
}

void container_paths_v1_alike(const struct v1_mounts *m, struct container_paths *p)
{
	const char *rel = p->v2 + strlen(p->v2_root);
	int i;

	for (i = 0; i < V1_COUNT; i++) {
		if (p->v1[i][0] || !m->dir[i][0])
			continue;
		if (snprintf(p->v1[i], sizeof(p->v1[i]), "%s%s", m->dir[i], rel) >= (int)sizeof(p->v1[i]) ||
		    access(p->v1[i], F_OK) < 0)
			p->v1[i][0] = '\0';
		else
			p->v1_mount[i] = strlen(m->dir[i]);
	}
}

/*
 * Read DIR/NAME; -ENOENT when the file (or the cgroup) is not there. Every
 * cgroup file kava reads shows one record (kernfs_seq_start()); its
 * descriptor is kept (fdcache.h), and a removed cgroup's answers ENODEV,
 * which reads as the cgroup being gone.
 */
static int read_cg(const char *dir, const char *name, char **out)
{
	char path[PATH_MAX + 64];
	int err;

	if (!dir[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = fdcache_read(path, FDCACHE_ONE_RECORD, out, NULL);
	return err == -ENODEV ? -ENOENT : err;
}

/*
 * DIR/NAME, where `level` counts the steps up from the container's own
 * directory: its own files are read each time, its ancestors' through the
 * pass's memo (shared with the other containers beneath them).
 */
static int read_level(struct cg_memo *memo, int level, const char *dir, const char *name,
		      char **out)
{
	return level ? cg_memo_read(memo, dir, name, out) : read_cg(dir, name, out);
}

static uint64_t read_limit_at(struct cg_memo *memo, int level, const char *dir, const char *name,
			      int *found)
{
	char *text = NULL;
	uint64_t v = KAVA_UNLIMITED;

	*found = 0;
	if (read_level(memo, level, dir, name, &text) == 0) {
		v = parse_limit(text);
		*found = 1;
		free(text);
	}
	return v;
}

static uint64_t read_limit(const char *dir, const char *name, int *found)
{
	return read_limit_at(NULL, 0, dir, name, found);
}

/* The smallest NAME over DIR and its ancestors up to (not including) the v2 root. */
static uint64_t min_over_ancestors(const struct container_paths *p, struct cg_memo *memo,
				   const char *name, int *found)
{
	char dir[PATH_MAX];
	uint64_t best = KAVA_UNLIMITED;
	size_t root = strlen(p->v2_root);
	int level = 0;

	*found = 0;
	snprintf(dir, sizeof(dir), "%s", p->v2);
	while (strlen(dir) > root) {
		int f;
		uint64_t v = read_limit_at(memo, level++, dir, name, &f);

		if (f) {
			*found = 1;
			if (v < best)
				best = v;
		}
		if (!cgroup_path_up(dir, p->v2_root))
			break;
	}
	return best;
}

static uint64_t stat_value(const char *text, const char *key)
{
	const char *p = text;
	size_t k = strlen(key);

	while (p && *p) {
		/* the first byte first: every line of a v1 memory.stat (~70) was a strncmp() */
		if (p[0] == key[0] && !strncmp(p, key, k) && p[k] == ' ')
			return dec_u64(p + k + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/*
 * Without swap on the host, every figure the view shows of a container's
 * swap is 0 whatever its cgroup says (render_meminfo() and render_swaps()
 * take the smaller of its swap and the host's), so its swap files need not
 * be read.
 */
int limits_host_has_swap(const char *meminfo)
{
	const char *line = meminfo ? strstr(meminfo, "SwapTotal:") : NULL;

	if (!line || (line != meminfo && line[-1] != '\n'))
		return 1;
	return strtoull(line + strlen("SwapTotal:"), NULL, 10) != 0;
}

static int read_mem_v2(const struct container_paths *p, int swap, struct mem_limits *m)
{
	char *text = NULL;
	int found, err;

	err = read_cg(p->v2, "memory.stat", &text);
	if (err < 0)
		return err;
	mem_stat_parse(text, 0, &m->stat);
	free(text);
	m->limit = min_over_ancestors(p, NULL, "memory.max", &found);
	m->usage = read_limit(p->v2, "memory.current", &found);
	if (!found)
		return -ENOENT;
	if (!swap)
		return 0;	/* swap_known 0: the host's swap, none */
	m->swap_limit = min_over_ancestors(p, NULL, "memory.swap.max", &m->swap_known);
	m->swap_usage = read_limit(p->v2, "memory.swap.current", &found);
	if (!found)
		m->swap_usage = 0;
	return 0;
}

static int read_mem_v1(const struct container_paths *p, int swap, struct mem_limits *m)
{
	const char *dir = p->v1[V1_MEMORY];
	char *text = NULL;
	uint64_t memsw, memsw_usage;
	int found, err;

	err = read_cg(dir, "memory.stat", &text);
	if (err < 0)
		return err;
	mem_stat_parse(text, 1, &m->stat);
	/* hierarchical_*: the kernel's own minimum over the ancestors */
	m->limit = stat_value(text, "hierarchical_memory_limit");
	memsw = stat_value(text, "hierarchical_memsw_limit");
	free(text);
	if (!m->limit || m->limit >= (1ULL << 62))
		m->limit = KAVA_UNLIMITED;
	m->usage = read_limit(dir, "memory.usage_in_bytes", &found);
	if (!found)
		return -ENOENT;
	if (!swap)
		return 0;	/* swap_known 0: the host's swap, none */
	memsw_usage = read_limit(dir, "memory.memsw.usage_in_bytes", &m->swap_known);
	if (m->swap_known) {
		/* memsw counts memory plus swap */
		m->swap_limit = (!memsw || memsw >= (1ULL << 62) || m->limit == KAVA_UNLIMITED)
				? KAVA_UNLIMITED : (memsw > m->limit ? memsw - m->limit : 0);
		m->swap_usage = memsw_usage > m->usage ? memsw_usage - m->usage : 0;
	}
	return 0;
}

int limits_read_mem(const struct container_paths *p, const char *host_meminfo, struct mem_limits *m)
{
	int swap = limits_host_has_swap(host_meminfo), err;

	memset(m, 0, sizeof(*m));
	m->limit = m->swap_limit = KAVA_UNLIMITED;
	if (!p->v1[V1_MEMORY][0])
		return read_mem_v2(p, swap, m);
	err = read_mem_v1(p, swap, m);
	if (err == -ENOENT) {
		memset(m, 0, sizeof(*m));
		m->limit = m->swap_limit = KAVA_UNLIMITED;
		err = read_mem_v2(p, swap, m);
	}
	return err;
}

/* v1: the kernel's own minimum over the ancestors, as read_mem_v1() takes it. */
static int mem_brief_v1(const char *dir, uint64_t *limit, uint64_t *usage)
{
	char *text = NULL;
	int found;

	*usage = read_limit(dir, "memory.usage_in_bytes", &found);
	if (!found || read_cg(dir, "memory.stat", &text) < 0)
		return -ENOENT;
	*limit = stat_value(text, "hierarchical_memory_limit");
	free(text);
	if (!*limit || *limit >= (1ULL << 62))
		*limit = KAVA_UNLIMITED;
	return 0;
}

int limits_read_mem_usage(const struct container_paths *p, uint64_t *usage)
{
	int found = 0;

	/* where limits_read_mem_brief() reads it: v1's memory directory, else v2 */
	if (p->v1[V1_MEMORY][0])
		*usage = read_limit(p->v1[V1_MEMORY], "memory.usage_in_bytes", &found);
	if (!found)
		*usage = read_limit(p->v2, "memory.current", &found);
	return found ? 0 : -ENOENT;
}

int limits_read_mem_brief(const struct container_paths *p, struct cg_memo *memo, uint64_t *limit,
			  uint64_t *usage)
{
	int found;

	*limit = KAVA_UNLIMITED;
	/* as limits_read_mem(): a v1 memory directory first, v2 where it is gone */
	if (p->v1[V1_MEMORY][0] && mem_brief_v1(p->v1[V1_MEMORY], limit, usage) == 0)
		return 0;
	*limit = KAVA_UNLIMITED;
	*usage = read_limit(p->v2, "memory.current", &found);
	if (!found)
		return -ENOENT;
	*limit = min_over_ancestors(p, memo, "memory.max", &found);
	return 0;
}

/*
 * Keep the tighter of the quota so far and quota/period (quota <= 0: no
 * limit at that level). Ratios compare by cross-multiplication: quotas reach
 * 2^44 us, periods 2^20 us, so the products need more than 64 bits.
 */
static void tighter_quota(int64_t quota, uint64_t period, struct cpu_limits *c)
{
	if (quota <= 0 || !period)
		return;
	if (c->quota_us <= 0 ||
	    (unsigned __int128)quota * c->period_us < (unsigned __int128)c->quota_us * period) {
		c->quota_us = quota;
		c->period_us = period;
	}
}

/*
 * v2: cpu.max of the cgroup and every ancestor below the mount (the root
 * has none). The kernel throttles a task's group at every level of its path
 * (tg_set_cfs_bandwidth() per task_group, throttle_cfs_rq() up the
 * hierarchy), so the tightest level is the container's limit; "max", or no
 * cpu.max where the cpu controller is not enabled, is no limit there.
 */
static void cpu_quota_v2(const struct container_paths *p, struct cg_memo *memo,
			 struct cpu_limits *c)
{
	char dir[PATH_MAX], *text = NULL;
	size_t root = strlen(p->v2_root);
	int level = 0;

	snprintf(dir, sizeof(dir), "%s", p->v2);
	while (dir[0] && strlen(dir) > root) {
		if (read_level(memo, level++, dir, "cpu.max", &text) == 0) {
			int64_t q;
			uint64_t per;

			cpu_max_parse(text, &q, &per);
			free(text);
			text = NULL;
			tighter_quota(q, per, c);
		}
		if (!cgroup_path_up(dir, p->v2_root))
			break;
	}
}

/*
 * v1 (hybrid hosts): cpu.cfs_quota_us/cfs_period_us up the cpu hierarchy
 * while the directories have them: the hierarchy's mount is the last that
 * does (its quota is -1), the directory holding the mount has none, so the
 * walk stops at the mount where it is known (v1_mount). The period is read
 * only under a quota: tighter_quota() ignores the others.
 */
static void cpu_quota_v1(const struct container_paths *p, struct cg_memo *memo,
			 struct cpu_limits *c)
{
	char dir[PATH_MAX], root[PATH_MAX], *text = NULL;
	size_t mount = p->v1_mount[V1_CPU];
	int level = 0;

	snprintf(dir, sizeof(dir), "%s", p->v1[V1_CPU]);
	snprintf(root, sizeof(root), "%.*s", (int)(mount && mount < sizeof(root) ? mount : 1),
		 mount ? p->v1[V1_CPU] : "/");
	/*
	 * The hierarchy's root cgroup has no quota (tg_set_cfs_bandwidth()
	 * refuses root_task_group: its cfs_quota_us reads -1 for good)
	 */
	while (dir[0] && !v1_is_root(V1_CPU, dir) &&
	       read_level(memo, level, dir, "cpu.cfs_quota_us", &text) == 0) {
		long long q = strtoll(text, NULL, 10);
		uint64_t per = 100000;

		free(text);
		text = NULL;
		if (q > 0 && read_level(memo, level, dir, "cpu.cfs_period_us", &text) == 0) {
			per = strtoull(text, NULL, 10);
			free(text);
			text = NULL;
		}
		tighter_quota(q, per ? per : 100000, c);
		level++;
		if (!cgroup_path_up(dir, root))
			break;
	}
}

/*
 * The host's online CPUs into `set`: from `online` text, or read now when
 * NULL (only where no cpuset file answers: most renders need none).
 */
static int host_cpus(const char *online, struct cpuset *set)
{
	char *text = NULL;
	int err;

	if (online)
		return cpuset_parse(online, set);
	err = fdcache_read("/sys/devices/system/cpu/online", FDCACHE_ONE_RECORD, &text, NULL);
	if (err == 0)
		err = cpuset_parse(text, set);
	free(text);
	return err;
}

int limits_read_cpu(const struct container_paths *p, const char *host_online, struct cpu_limits *c)
{
	return limits_read_cpu_memo(p, host_online, NULL, c);
}

int limits_read_cpu_memo(const struct container_paths *p, const char *host_online,
			 struct cg_memo *memo, struct cpu_limits *c)
{
	char *text = NULL;
	int err;

	memset(c, 0, sizeof(*c));
	c->quota_us = -1;
	c->period_us = 100000;
	/* a v1 cpuset directory: cpuset is a v1 controller here, v2 has none of its files */
	if ((p->v1[V1_CPUSET][0] &&
	     (read_cg(p->v1[V1_CPUSET], "cpuset.effective_cpus", &text) == 0 ||
	      read_cg(p->v1[V1_CPUSET], "cpuset.cpus", &text) == 0)) ||
	    read_cg(p->v2, "cpuset.cpus.effective", &text) == 0) {
		err = cpuset_parse(text, &c->effective);
		free(text);
		text = NULL;
		if (err < 0 || !cpuset_count(&c->effective))
			(void)host_cpus(host_online, &c->effective);
	} else if (host_cpus(host_online, &c->effective) < 0) {
		return -EINVAL;
	}
	if (!p->v1[V1_CPU][0])
		cpu_quota_v2(p, memo, c);	/* cpu on v1: no cpu.max in v2 */
	cpu_quota_v1(p, memo, c);
	return 0;
}

int limits_read_io(const struct container_paths *p, struct io_stats *io)
{
	char *text = NULL, *ios = NULL;

	memset(io, 0, sizeof(*io));
	if (p->v1[V1_BLKIO][0] &&
	    (read_cg(p->v1[V1_BLKIO], "blkio.throttle.io_service_bytes_recursive", &text) == 0 ||
	     read_cg(p->v1[V1_BLKIO], "blkio.throttle.io_service_bytes", &text) == 0)) {
		if (read_cg(p->v1[V1_BLKIO], "blkio.throttle.io_serviced_recursive", &ios) < 0)
			read_cg(p->v1[V1_BLKIO], "blkio.throttle.io_serviced", &ios);
		io_stat_parse_v1(text, ios, io);
		free(text);
		free(ios);
		return 0;
	}
	if (read_cg(p->v2, "io.stat", &text) == 0) {
		io_stat_parse_v2(text, io);
		free(text);
	}
	return 0;
}
