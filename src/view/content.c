// SPDX-License-Identifier: GPL-2.0
/*
 * Producing a virtual file for one reader: gather the inputs (host file,
 * kava's figures, cgroup limits, clocks) and hand them to a pure renderer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cgroup/path.h"
#include "sched/figures_read.h"
#include "sched/registry.h"
#include "view/render/render.h"
#include "common/fdcache.h"
#include "common/util.h"
#include "metrics/collect.h"
#include "metrics/viewstats.h"
#include "view/content.h"
#include "view/cpu_history.h"
#include "view/host_cpuinfo.h"
#include "view/paths.h"
#include "view/reader.h"
#include "view/sysinfo.h"

static struct cpu_history *history_new(void)
{
	struct cpu_history *h = calloc(1, sizeof(*h));

	if (h && cpu_history_init(h) < 0) {
		cpu_history_free(h);
		free(h);
		return NULL;
	}
	return h;
}

static void history_free(struct cpu_history *h)
{
	if (!h)
		return;
	cpu_history_free(h);
	free(h);
}

int view_source_init(struct view_source *src, const struct kava_state *st)
{
	char *text = NULL;
	int err;

	src->st = st;
	src->user_hz = sysconf(_SC_CLK_TCK);
	if (src->user_hz <= 0)
		src->user_hz = 100;
	err = cgroup2_mount(src->cgroup2_mount, sizeof(src->cgroup2_mount));
	if (err < 0)
		return err;
	err = read_file("/proc/self/mountinfo", &text, NULL);
	if (err < 0)
		return err;
	v1_mounts_from_mountinfo(text, &src->v1);
	free(text);
	limits_v1_roots_probe(&src->v1);
	src->paths = view_paths_new();
	src->history = history_new();
	src->metrics_history = history_new();
	if (!src->paths || !src->history || !src->metrics_history) {
		view_source_free(src);
		return -ENOMEM;
	}
	return 0;
}

void view_source_free(struct view_source *src)
{
	view_paths_free(src->paths);
	src->paths = NULL;
	history_free(src->history);
	src->history = NULL;
	history_free(src->metrics_history);
	src->metrics_history = NULL;
}

/* Everything one container's files are made from. */
struct container {
	struct container_paths paths;
	struct kava_slot slot;
	uint32_t slot_index;
	int slot_whole;                /* 0: only slot.cgroup_id and gen are known (live) */
	int v1_unresolved;             /* v1 directories not found, no process to ask */
	pid_t asked;                   /* the process whose v1 cgroups were read, 0: none */
	/* read on first use, freed with the container (container_free()) */
	struct kava_figures *fig;
	int fig_flags, fig_err;
	/* a batch (view_batch_open()) keeps its visible CPUs for all its files */
	int batch, visible_err;
	unsigned char visible_done;
	struct cpuset visible;
	/* and its memory figures (meminfo and swaps: one memory.stat parsed once) */
	unsigned char mem_done, mem_swapless;
	int mem_err;
	struct mem_limits mem;
};

static void container_free(struct container *c)
{
	if (c)
		free(c->fig);
	free(c);
}

/*
 * The slot alone: enough for files made from kava's figures only (loadavg).
 * `read` is the slot as the caller read it a moment ago (the FUSE view's
 * reader resolution reads it to check the owner is live), or NULL;
 * `whole` 0: only its cgroup_id and gen (with_figures() reads the rest).
 */
static int locate_slot_from(const struct view_source *src, const struct kava_owner *owner,
			    const struct kava_slot *read, int whole, struct container *c)
{
	/* not memset: the paths are 24 KiB, filled by locate() when a file needs them */
	container_paths_clear(&c->paths);
	c->v1_unresolved = 0;
	c->asked = 0;
	c->fig = NULL;
	c->batch = 0;
	c->visible_done = 0;
	c->mem_done = 0;
	c->mem_swapless = 0;
	memset(&c->slot, 0, sizeof(c->slot));
	c->slot_index = owner->slot;
	c->slot_whole = !read || whole;
	if (read)
		c->slot = *read;	/* one system call less for every open of a view file */
	else if (bpf_map_lookup_elem(src->st->slots_fd, &owner->slot, &c->slot) < 0)
		return -ENOENT;
	return kava_slot_live(&c->slot, owner->gen) ? 0 : -ENOENT;
}

/*
 * Is `pid` in the container whose v2 directory is `v2` (or beneath it)? Its
 * /proc/PID/cgroup's "0::" line, relative to the cgroup2 mount, says so; a
 * process gone answers ESRCH through the kept descriptor, a pid reused by
 * another cgroup's process names that cgroup.
 */
static int still_inside(const struct view_source *src, pid_t pid, const char *v2)
{
	size_t root = strlen(src->cgroup2_mount), n;
	char path[64], *text = NULL, *line;
	const char *rel;
	int inside = 0;

	if (strncmp(v2, src->cgroup2_mount, root))
		return 0;
	rel = v2 + root;
	n = strlen(rel);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (fdcache_read(path, FDCACHE_ONE_RECORD, &text, NULL) < 0)
		return 0;
	/* the v2 line: "0::/PATH", first on a pure cgroup2 host, last on a hybrid one */
	line = !strncmp(text, "0::", 3) ? text : strstr(text, "\n0::");
	if (line) {
		line += line == text ? 3 : 4;
		inside = !strncmp(line, rel, n) && (line[n] == '\n' || line[n] == '/' || !line[n]);
	}
	free(text);
	return inside;
}

/*
 * A process of the container to ask for its v1 cgroups (hybrid host, no
 * reader): the one found before while it is still inside, else the first
 * in its cgroup.procs (four system calls: once, not at every period).
 */
static pid_t stand_in(const struct view_source *src, const struct container *c)
{
	pid_t pid = view_paths_stand_in(src, &c->slot, c->slot_index);

	if (pid > 0 && still_inside(src, pid, c->paths.v2))
		return pid;
	pid = cgroup_first_pid(c->paths.v2);
	view_paths_set_stand_in(src, &c->slot, c->slot_index, pid);
	return pid;
}

/*
 * The slot and the cgroup directories its limits are read from. `reader` 0:
 * no reader (metrics, kava top), a process of the container stands in.
 */
static int locate_from(const struct view_source *src, const struct kava_owner *owner,
		       const struct kava_slot *read, int whole, pid_t reader, struct container *c)
{
	int err = locate_slot_from(src, owner, read, whole, c), v1_complete = 0;

	if (err < 0)
		return err;
	err = view_paths_get(src, &c->slot, c->slot_index, &c->paths, &v1_complete);
	if (err < 0)
		return -ENOENT;	/* removed: the caller falls back to the host's view */
	if (!v1_complete && reader == 0)
		reader = stand_in(src, c);
	c->v1_unresolved = !v1_complete && reader <= 0;
	if (!v1_complete && reader > 0) {
		/*
		 * hybrid host with another v1 layout: ask the reader's own cgroups
		 * (kept if it went; kept with its pidfd while nobody moved: reader.h)
		 */
		(void)view_reader_v1(src->st, &src->v1, reader, &c->paths);
		c->asked = reader;
	}
	return 0;
}

static int locate(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		  struct container *c)
{
	return locate_from(src, owner, NULL, 1, reader, c);
}

/* The CPUs the container sees, given the host's online CPUs (`online` text). */
static int visible_cpus_of(const struct container *c, const char *online, struct cg_memo *memo,
			   struct cpuset *visible)
{
	struct cpu_limits cl;
	int err = limits_read_cpu_memo(&c->paths, online, memo, &cl);

	if (err < 0)
		return err;
	cpuset_visible(&cl.effective, cl.quota_us, cl.period_us, visible);
	return 0;
}

static int visible_cpus(struct container *c, struct cpuset *visible)
{
	int err;

	if (c->visible_done) {
		*visible = c->visible;
		return c->visible_err;
	}
	/* the host's online CPUs only where no cpuset file answers (limits_read_cpu_memo()) */
	err = visible_cpus_of(c, NULL, NULL, visible);
	if (c->batch) {
		c->visible = *visible;
		c->visible_err = err < 0 ? err : 0;
		c->visible_done = 1;
	}
	return err < 0 ? err : 0;
}

/*
 * kava's figures for the container, kept in it; `flags` FIGURES_NO_CPUTIME
 * where no CPU time is shown. Read once: a batch reads them whole for all
 * its files.
 */
static int with_figures(const struct view_source *src, struct container *c, int flags,
			const struct kava_figures **fig)
{
	if (c->batch)
		flags = 0;
	if (!c->fig || (c->fig_flags && c->fig_flags != flags)) {
		free(c->fig);
		c->fig = malloc(sizeof(*c->fig));
		if (!c->fig)
			return -ENOMEM;
		/* the slot as locate_slot_from() read it; its figures if only its identity was known */
		if (!c->slot_whole) {
			uint32_t gen = c->slot.gen;

			if (bpf_map_lookup_elem(src->st->slots_fd, &c->slot_index, &c->slot) < 0 ||
			    !kava_slot_live(&c->slot, gen)) {
				c->slot.cgroup_id = 0;	/* disabled meanwhile: the host's view */
				c->slot.gen = gen;
			}
			c->slot_whole = 1;
		}
		c->fig_err = figures_read_from(src->st, c->slot_index, &c->slot, flags, c->fig);
		c->fig_flags = flags;
	}
	*fig = c->fig;
	return c->fig_err < 0 ? c->fig_err : 0;
}

/*
 * The container's memory figures; a batch reads them once for meminfo and
 * swaps (while both say the same of the host's swap). `host_meminfo` as
 * limits_read_mem() takes it.
 */
static int mem_limits_of(struct container *c, const char *host_meminfo, struct mem_limits *m)
{
	int swapless = !limits_host_has_swap(host_meminfo), err;

	if (c->mem_done && c->mem_swapless == swapless) {
		*m = c->mem;
		return c->mem_err;
	}
	err = limits_read_mem(&c->paths, host_meminfo, m);
	if (c->batch) {
		c->mem = *m;
		c->mem_err = err;
		c->mem_swapless = (unsigned char)swapless;
		c->mem_done = 1;
	}
	return err;
}

/* /proc/swaps text with no device, only its header: the host has no swap on. */
static int swaps_none(const char *swaps)
{
	const char *eol = strchr(swaps, '\n');

	return eol && !eol[1];
}

static int content_meminfo_or_swaps(struct container *c, enum view_file_id file, char **out,
				    size_t *len)
{
	struct mem_limits m;
	char *host = NULL;
	int err;

	err = fdcache_read(view_files[file].host_path, file == VF_MEMINFO ? FDCACHE_ONE_RECORD : 0,
			   &host, NULL);
	if (err < 0)
		return err;
	/* the host's swap, or that it has none, spares reading the container's (limits.h) */
	if (file == VF_MEMINFO)
		err = mem_limits_of(c, host, &m);
	else
		err = mem_limits_of(c, swaps_none(host) ? LIMITS_HOST_NO_SWAP : "", &m);
	if (err == 0 && file == VF_MEMINFO)
		err = render_meminfo(host, &m, out, len);
	else if (err == 0)
		err = render_swaps(host, &m, out, len);
	free(host);
	return err;
}

/* The container's uptime as /proc/uptime shows it: since its origin (kava_slot.start_boot_ns). */
static uint64_t container_uptime_ns(const struct kava_figures *fig)
{
	uint64_t now = boottime_ns();

	return now > fig->start_boot_ns ? now - fig->start_boot_ns : 0;
}

/* The inputs of stat and uptime; the host's /proc/stat only for stat (`with_host`). */
static int stat_inputs(const struct view_source *src, struct container *c, int with_host,
		       struct stat_inputs *in, struct cpuset *visible,
		       const struct kava_figures **fig, char **host)
{
	int err;

	*fig = NULL;
	*host = NULL;
	err = visible_cpus(c, visible);
	if (err < 0)
		return err;
	err = with_figures(src, c, 0, fig);
	if (err < 0)
		return err;
	if (with_host) {
		err = fdcache_read("/proc/stat", FDCACHE_ONE_RECORD, host, NULL);
		if (err < 0)
			return err;
	}
	in->host = *host;
	in->visible = visible;
	in->fig = *fig;
	/* the container's uptime, the span stat's idle is measured over too */
	in->uptime_ns = container_uptime_ns(*fig);
	in->user_hz = src->user_hz;
	return 0;
}

static int content_stat_or_uptime(const struct view_source *src, struct container *c,
				  enum view_file_id file, char **out, size_t *len)
{
	struct stat_inputs in = { 0 };
	const struct kava_figures *fig;
	struct cpu_ticks *lines;
	struct cpuset visible;
	char *host;
	int err, n;

	err = stat_inputs(src, c, file == VF_STAT, &in, &visible, &fig, &host);
	if (err < 0)
		return err;
	/* never below what this container was shown last (cpu_history.c) */
	err = cpu_history_lines(src->history, c->slot_index, c->slot.cgroup_id, c->slot.gen, &in,
				&lines, &n);
	if (!err) {
		in.lines = lines;
		in.n_lines = n;
		err = file == VF_STAT ? render_stat(&in, out, len) : render_uptime(&in, out, len);
		free(lines);
	}
	free(host);
	return err;
}

static const char *pressure_name(enum view_file_id file)
{
	return file == VF_PRESSURE_CPU ? "cpu.pressure"
	       : file == VF_PRESSURE_MEMORY ? "memory.pressure" : "io.pressure";
}

static int content_pressure(const struct container *c, enum view_file_id file, char **out,
			    size_t *len)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", c->paths.v2, pressure_name(file));
	if (fdcache_read(path, FDCACHE_ONE_RECORD, out, len) == 0)
		return 0;
	/* no PSI per cgroup here */
	return fdcache_read(view_files[file].host_path, 0, out, len);
}

/* fdcache_read_until()'s test: the lines render_diskstats() shows are in (`arg`: the io_stats) */
static int diskstats_enough(const char *text, size_t len, void *arg)
{
	(void)len;
	return render_diskstats_has_lines(text, arg);
}

static int content_diskstats(const struct container *c, char **out, size_t *len)
{
	struct io_stats *io = malloc(sizeof(*io));
	char *host = NULL;
	int err;

	if (!io)
		return -ENOMEM;
	err = limits_read_io(&c->paths, io);
	if (!err)
		err = fdcache_read_until("/proc/diskstats", diskstats_enough, io, &host, NULL);
	if (!err)
		err = render_diskstats(host, io, out, len);
	free(host);
	free(io);
	return err;
}

static int container_content(const struct view_source *src, struct container *c,
			     enum view_file_id file, char **out, size_t *len)
{
	const struct kava_figures *fig;
	struct cpuset visible;
	int err;

	switch (file) {
	case VF_MEMINFO:
	case VF_SWAPS:
		return content_meminfo_or_swaps(c, file, out, len);
	case VF_STAT:
	case VF_UPTIME:
		return content_stat_or_uptime(src, c, file, out, len);
	case VF_LOADAVG:
		err = with_figures(src, c, FIGURES_NO_CPUTIME, &fig);
		return err < 0 ? err : render_loadavg(fig, out, len);
	case VF_CPUINFO:
		err = visible_cpus(c, &visible);
		return err < 0 ? err : host_cpuinfo_render(&visible, out, len);
	case VF_DISKSTATS:
		return content_diskstats(c, out, len);
	case VF_PRESSURE_CPU:
	case VF_PRESSURE_MEMORY:
	case VF_PRESSURE_IO:
		return content_pressure(c, file, out, len);
	case VF_CPU_ONLINE:
	case VF_CPU_POSSIBLE:
	case VF_CPU_PRESENT:
		err = visible_cpus(c, &visible);
		return err < 0 ? err : render_cpu_range(cpuset_count(&visible), out, len);
	case VF_KAVA_METRICS:
	case VF_KAVA_RUNQ:
		return -EINVAL;	/* view_content() makes these from the owner alone */
	default:
		return -EINVAL;
	}
}

int view_content(const struct view_source *src, enum view_file_id file,
		 const struct kava_owner *owner, pid_t reader, char **out, size_t *len)
{
	return view_content_slot(src, file, owner, NULL, 1, reader, out, len);
}

int view_content_slot(const struct view_source *src, enum view_file_id file,
		      const struct kava_owner *owner, const struct kava_slot *slot, int slot_whole,
		      pid_t reader, char **out, size_t *len)
{
	struct container *c;
	int err;

	if (file == VF_KAVA_METRICS || file == VF_KAVA_RUNQ) {
		/* the reader's own container only, everything for the host (metrics/collect.c) */
		err = metrics_view_file(src, file == VF_KAVA_RUNQ, owner, reader, out, len);
	} else if (owner->slot == KAVA_NO_SLOT) {
		err = fdcache_read(view_files[file].host_path, 0, out, len);
	} else if ((c = malloc(sizeof(*c))) == NULL) {
		err = -ENOMEM;
	} else {
		err = file == VF_LOADAVG ? locate_slot_from(src, owner, slot, slot_whole, c)
					 : locate_from(src, owner, slot, slot_whole, reader, c);
		if (!err)
			err = container_content(src, c, file, out, len);
		if (err == -ENOENT)
			view_paths_forget(src, owner->slot);
		container_free(c);
	}
	/* -ENOENT: the container went away, and the caller renders the host's file */
	viewstats_render(file, err == -ENOENT ? 0 : err);
	return err;
}

struct view_batch {
	const struct view_source *src;
	struct kava_owner owner;
	struct container c;
	/* kava/runq, made with kava/metrics from the same figures (metrics_view_files()) */
	char *runq;
	size_t runq_len;
	uint64_t metrics_inputs;       /* view_batch_set_metrics_inputs() */
	int metrics_same;              /* kava/metrics was not made: its inputs are the same */
};

int view_batch_open(const struct view_source *src, const struct kava_owner *owner,
		    const struct kava_slot *slot, struct view_batch **out)
{
	struct view_batch *b = malloc(sizeof(*b));
	int err;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	b->src = src;
	b->owner = *owner;
	b->runq = NULL;
	b->metrics_inputs = 0;
	b->metrics_same = 0;
	/*
	 * no reader: on a hybrid host a process of the container stands in,
	 * found once; the slot as the caller read it (one bpf(2) call less per
	 * container and tmpfs period, which reads every slot in one batch)
	 */
	err = locate_from(src, owner, slot, 1, 0, &b->c);
	if (err < 0) {
		if (err == -ENOENT)
			view_paths_forget(src, owner->slot);
		free(b->c.fig);
		free(b);
		return err;
	}
	b->c.batch = 1;
	*out = b;
	return 0;
}

int view_batch_content(struct view_batch *b, enum view_file_id file, char **out, size_t *len)
{
	int err;

	if (file == VF_KAVA_METRICS) {
		const struct kava_figures *fig = NULL;

		free(b->runq);
		b->runq = NULL;
		/* the figures the batch's stat, uptime and loadavg are made from */
		if (with_figures(b->src, &b->c, 0, &fig) < 0)
			fig = NULL;
		err = metrics_view_files(b->src, &b->owner, 0, fig ? &b->c.slot : NULL, fig,
					 &b->metrics_inputs, out, len, &b->runq, &b->runq_len);
		b->metrics_same = err == 1;
		if (err < 0)
			b->metrics_inputs = 0;
		viewstats_render(file, err == -ENOENT || err == 1 ? 0 : err);
		return err;
	}
	if (file == VF_KAVA_RUNQ && b->metrics_same) {
		*out = NULL;
		*len = 0;
		return 1;	/* made from the same inputs as the last one */
	}
	if (file == VF_KAVA_RUNQ && b->runq) {
		*out = b->runq;
		*len = b->runq_len;
		b->runq = NULL;
		viewstats_render(file, 0);
		return 0;
	}
	if (file == VF_KAVA_RUNQ)
		return view_content(b->src, file, &b->owner, 0, out, len);
	err = container_content(b->src, &b->c, file, out, len);
	if (err == -ENOENT)
		view_paths_forget(b->src, b->owner.slot);
	viewstats_render(file, err == -ENOENT ? 0 : err);
	return err;
}

void view_batch_set_metrics_inputs(struct view_batch *b, uint64_t inputs)
{
	b->metrics_inputs = inputs;
}

uint64_t view_batch_metrics_inputs(const struct view_batch *b)
{
	return b->metrics_inputs;
}

int view_batch_visible(struct view_batch *b, struct cpuset *visible)
{
	int n;

	memset(visible, 0, sizeof(*visible));
	n = visible_cpus(&b->c, visible) == 0 ? cpuset_count(visible) : 0;

	/* as view_visible_set() when the container's limits cannot be read */
	return n > 0 ? n : view_visible_set(b->src, &(struct kava_owner){ .slot = KAVA_NO_SLOT }, 0,
					    visible);
}

/*
 * The batch's container is done: a pass (fdcache_pass_begin()) need not
 * keep the texts of its own cgroup files or its stand-in's /proc/PID
 * files, which no other container reads. The ancestors stay, and so do
 * the v1 cgroups a stand-in process named (hybrid host: often one that
 * many containers' processes share, such as the service that started
 * them), within the pass's bound on what it keeps.
 */
static void forget_own_files(const struct container *c)
{
	char proc[32];
	int i;

	if (c->paths.v2[0])
		fdcache_pass_forget_under(c->paths.v2);
	for (i = 0; i < V1_COUNT && !c->asked; i++)
		if (c->paths.v1[i][0] && strlen(c->paths.v1[i]) > c->paths.v1_mount[i])
			fdcache_pass_forget_under(c->paths.v1[i]);
	if (c->asked > 0) {
		snprintf(proc, sizeof(proc), "/proc/%d", (int)c->asked);
		fdcache_pass_forget_under(proc);
	}
}

void view_batch_close(struct view_batch *b)
{
	if (!b)
		return;
	forget_own_files(&b->c);
	free(b->runq);
	free(b->c.fig);
	free(b);
}

int view_container_limits(const struct view_source *src, const struct kava_owner *owner,
			  pid_t reader, const char *host_online, struct view_limits *out)
{
	return view_container_limits_memo(src, owner, reader, host_online, NULL, out);
}

int view_container_limits_memo(const struct view_source *src, const struct kava_owner *owner,
			       pid_t reader, const char *host_online, struct cg_memo *memo,
			       struct view_limits *out)
{
	struct cpuset visible;
	struct container *c;
	int err;

	memset(out, 0, sizeof(*out));
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = locate(src, owner, reader, c);
	if (!err) {
		snprintf(out->v2_path, sizeof(out->v2_path), "%s", c->paths.v2);
		out->provisional = c->v1_unresolved;
		if (visible_cpus_of(c, host_online, memo, &visible) == 0)
			out->visible_cpus = cpuset_count(&visible);
		/* the caller caps it at the host's MemTotal, as render_meminfo() does */
		out->mem_limit = KAVA_UNLIMITED;
		if (limits_read_mem_brief(&c->paths, memo, &out->mem_limit, &out->mem_usage) == 0)
			out->mem_known = 1;
		else
			out->mem_limit = KAVA_UNLIMITED;
	} else if (err == -ENOENT) {
		view_paths_forget(src, owner->slot);
	}
	container_free(c);
	return err;
}

int view_container_mem_usage(const struct view_source *src, const struct kava_owner *owner,
			     uint64_t *usage)
{
	struct container *c = malloc(sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = locate(src, owner, 0, c);
	if (!err)
		err = c->v1_unresolved ? -ENOENT : limits_read_mem_usage(&c->paths, usage);
	free(c);
	return err;
}

int view_topology_content(const struct view_source *src, const struct kava_owner *owner,
			  pid_t reader, int cpu, const struct topology_file *file, char **out,
			  size_t *len)
{
	char host_path[128];
	struct cpuset visible;
	struct container *c;
	int err, n;

	if (owner->slot == KAVA_NO_SLOT) {
		view_topology_host_path(cpu, file, host_path, sizeof(host_path));
		return read_file(host_path, out, len);
	}
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = locate(src, owner, reader, c);
	if (!err)
		err = visible_cpus(c, &visible);
	if (!err) {
		n = cpuset_count(&visible);
		/* a CPU the container does not see (its cpuset shrank since readdir) */
		err = cpu < n ? render_cpu_topology(file->value, cpu, n, out, len) : -ENXIO;
	}
	if (err == -ENOENT)
		view_paths_forget(src, owner->slot);
	container_free(c);
	viewstats_render(VIEWSTATS_TOPOLOGY, err == -ENOENT || err == -ENXIO ? 0 : err);
	return err;
}

int view_visible_set(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		     struct cpuset *visible)
{
	struct container *c;
	int n = 0;

	memset(visible, 0, sizeof(*visible));
	if (owner->slot != KAVA_NO_SLOT && (c = malloc(sizeof(*c))) != NULL) {
		if (locate(src, owner, reader, c) == 0 && visible_cpus(c, visible) == 0)
			n = cpuset_count(visible);
		container_free(c);
	}
	if (n <= 0) {
		char *text = NULL;

		/* the host: its possible CPUs, as the real directory lists them */
		memset(visible, 0, sizeof(*visible));
		if (read_file("/sys/devices/system/cpu/possible", &text, NULL) == 0 &&
		    cpuset_parse(text, visible) == 0)
			n = cpuset_count(visible);
		free(text);
	}
	return n > 0 ? n : 1;
}

int view_visible_cpus(const struct view_source *src, const struct kava_owner *owner, pid_t reader)
{
	struct cpuset visible;

	return view_visible_set(src, owner, reader, &visible);
}

int view_container_cpu(const struct view_source *src, const struct kava_owner *owner, pid_t reader,
		       char *path, size_t size, double *cpus)
{
	struct cpu_limits cl;
	struct container *c;
	char *online = NULL;
	const char *rel;
	int err, n;

	*cpus = 0;
	if (owner->slot == KAVA_NO_SLOT)
		return -EINVAL;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = locate(src, owner, reader, c);
	if (!err)
		err = fdcache_read("/sys/devices/system/cpu/online", FDCACHE_ONE_RECORD, &online, NULL);
	if (!err)
		err = limits_read_cpu(&c->paths, online, &cl);
	if (!err) {
		rel = c->paths.v2 + strlen(src->cgroup2_mount);
		snprintf(path, size, "%s", *rel == '/' ? rel + 1 : rel);
		if (cl.quota_us > 0 && cl.period_us) {
			/* the quota, but never more CPUs than its cpuset holds */
			n = cpuset_count(&cl.effective);
			*cpus = (double)cl.quota_us / (double)cl.period_us;
			if (n > 0 && *cpus > n)
				*cpus = n;
		}
	}
	free(online);
	if (err == -ENOENT)
		view_paths_forget(src, owner->slot);
	container_free(c);
	return err;
}

/* Inputs of a container's sysinfo(2): the figures its loadavg, meminfo, swaps and uptime show. */
static int container_sysinfo_inputs(const struct view_source *src, struct container *c,
				    struct sysinfo_inputs *in)
{
	const struct kava_figures *fig = NULL;
	struct mem_limits m;
	char *host = NULL;
	int err, i;

	err = fdcache_read("/proc/meminfo", FDCACHE_ONE_RECORD, &host, NULL);
	if (err < 0)
		return err;
	err = limits_read_mem(&c->paths, host, &m);
	if (!err)
		meminfo_summary(host, &m, &in->mem);
	free(host);
	if (!err)
		err = with_figures(src, c, FIGURES_NO_CPUTIME, &fig);
	if (err < 0 || !fig)
		return err < 0 ? err : -ENOMEM;
	for (i = 0; i < 3; i++)
		in->avenrun[i] = fig->avenrun[i];
	in->nr_threads = fig->nr_threads;
	in->uptime_s = (double)container_uptime_ns(fig) / 1e9;
	return 0;
}

int view_sysinfo_inputs(const struct view_source *src, const struct kava_owner *owner,
			pid_t reader, struct sysinfo_inputs *in)
{
	struct container *c;
	int err;

	memset(in, 0, sizeof(*in));
	if (owner->slot == KAVA_NO_SLOT)
		return -EINVAL;	/* the host's own sysinfo(2) is the kernel's answer */
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = locate(src, owner, reader, c);
	if (!err)
		err = container_sysinfo_inputs(src, c, in);
	if (err == -ENOENT)
		view_paths_forget(src, owner->slot);
	container_free(c);
	return err;
}

int view_pressure_source(const struct view_source *src, enum view_file_id file,
			 const struct kava_owner *owner, pid_t reader, char *out, size_t size)
{
	struct container *c;
	int w = -1;

	if (file != VF_PRESSURE_CPU && file != VF_PRESSURE_MEMORY && file != VF_PRESSURE_IO)
		return -EINVAL;
	if (owner->slot != KAVA_NO_SLOT && (c = malloc(sizeof(*c))) != NULL) {
		/* the file content_pressure() reads: the container's own, when it has one */
		if (locate(src, owner, reader, c) == 0) {
			w = snprintf(out, size, "%s/%s", c->paths.v2, pressure_name(file));
			if (w >= (int)size || access(out, F_OK) < 0)
				w = -1;
		}
		container_free(c);
	}
	if (w < 0)
		w = snprintf(out, size, "%s", view_files[file].host_path);
	return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
}

struct publish_ctx {
	const struct view_source *src;
};

/* registry_foreach() callback: one container's memory.stat shmem into kava_memstat. */
static int publish_one(uint32_t slot, const struct kava_slot *s, void *arg)
{
	const struct view_source *src = ((const struct publish_ctx *)arg)->src;
	struct kava_owner owner = { .slot = slot, .gen = s->gen };
	struct kava_memstat ms = { .gen = s->gen };
	struct container *c = malloc(sizeof(*c));
	struct mem_limits m;

	if (!c)
		return 0;
	if (locate(src, &owner, 0, c) == 0 && limits_read_mem(&c->paths, "", &m) == 0) {
		ms.shmem_bytes = m.stat.shmem;
		ms.published_ns = monotonic_ns();
		/* a failed update leaves the previous figure: the next tick retries */
		(void)bpf_map_update_elem(src->st->memstat_fd, &slot, &ms, BPF_ANY);
	}
	container_free(c);
	return 0;
}

int view_publish_memstat(const struct view_source *src)
{
	struct publish_ctx ctx = { .src = src };

	if (src->st->memstat_fd < 0)
		return -EBADF;
	return registry_foreach(src->st, publish_one, &ctx);
}
