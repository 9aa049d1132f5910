// SPDX-License-Identifier: GPL-2.0
/* The tmpfs view: rendered files, rewritten in place on a period. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "cgroup/path.h"
#include "sched/registry.h"
#include "common/fdcache.h"
#include "common/util.h"
#include "view/tmpfs.h"
#include "view/tmpfs_file.h"
#include "view/tmpfs_notify.h"

/*
 * Room for a full table of containers: a tmpfs file takes a page at least,
 * kava/metrics a few, and each visible CPU has TOPOLOGY_FILE_COUNT files.
 * A size is only a bound (tmpfs uses what its files hold); 64 MiB, the
 * bound before, held ~390 containers of a 2-CPU host.
 */
static unsigned long long view_tmpfs_bytes(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF), page = sysconf(_SC_PAGESIZE);
	unsigned long long pages_each;

	if (cpus < 1)
		cpus = 1;
	if (page < 4096)
		page = 4096;
	/* every file, 8 pages more for kava/metrics and runq, the topology files */
	pages_each = VF_COUNT + 8 + (unsigned long long)TOPOLOGY_FILE_COUNT * (unsigned long)cpus;
	return KAVA_MAX_CONTAINERS * pages_each * (unsigned long)page;
}

/*
 * Whether a tmpfs is mounted on DIR itself, not DIR a directory inside one
 * (/run, a VM's root): only such a mount is the view's to reuse and grow.
 * statx's mount-root attribute (Linux 5.8); before it, DIR's device differs
 * from its parent's.
 */
static int own_tmpfs(const char *dir)
{
	char parent[PATH_MAX];
	struct statx stx;
	struct statfs sfs;
	struct stat a, b;

	if (statfs(dir, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC)
		return 0;
	if (statx(AT_FDCWD, dir, 0, STATX_BASIC_STATS, &stx) == 0 &&
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return !!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	if (snprintf(parent, sizeof(parent), "%s/..", dir) >= (int)sizeof(parent))
		return 0;
	return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

int view_tmpfs_prepare(const char *dir, char *why, size_t why_size)
{
	unsigned long long want = view_tmpfs_bytes();
	char opts[64];
	struct statfs sfs;
	int err = make_dirs(dir, 0755);

	if (err < 0) {
		snprintf(why, why_size, "cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	snprintf(opts, sizeof(opts), "mode=0755,size=%llu", want);
	if (own_tmpfs(dir) && statfs(dir, &sfs) == 0) {
		/* reuse: bind mounts into containers keep working; a smaller one grows */
		if ((unsigned long long)sfs.f_blocks * (unsigned long long)sfs.f_bsize < want &&
		    mount(NULL, dir, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  opts + strlen("mode=0755,")) < 0)
			fprintf(stderr, "kava: cannot grow the tmpfs on %s to %llu bytes: %s\n", dir,
				want, strerror(errno));
		return 0;
	}
	if (mount("kava", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
		snprintf(why, why_size, "cannot mount a tmpfs on %s: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

void view_tmpfs_container_dir(const char *dir, uint64_t cgroup_id, char *out, size_t size)
{
	snprintf(out, size, "%s/%" PRIu64, dir, cgroup_id);
}

/* base/rel and any missing directory on the way (make_dirs()). */
static int mkdirs(const char *base, const char *rel)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", base, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return make_dirs(path, 0755);
}

/* Overwrite a file in place: same inode, new bytes, then the new length. */
static int write_in_place(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = pwrite(fd, text, len, 0);
	if (n < 0 || (size_t)n != len)
		err = n < 0 ? -errno : -EIO;
	else if (ftruncate(fd, (off_t)len) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int remove_tree(int parent, const char *name);

/*
 * Refresh on open (tmpfs_notify.h): the period renders only containers
 * with a view file open (or closed within a period), an open of an older
 * file waits for its container's render. NULL: every container every period.
 */
static struct tmpfs_notify *notify;

static int write_topology(const char *cdir, int cpu, int ncpus)
{
	char path[PATH_MAX];
	int f, err;

	snprintf(path, sizeof(path), VIEW_CPU_DIR "/cpu%d/topology", cpu);
	err = mkdirs(cdir, path);
	for (f = 0; f < TOPOLOGY_FILE_COUNT && !err; f++) {
		char *text = NULL;
		size_t len = 0;

		err = render_cpu_topology(topology_files[f].value, cpu, ncpus, &text, &len);
		if (!err && snprintf(path, sizeof(path), "%s/" VIEW_CPU_DIR "/cpu%d/topology/%s", cdir,
				     cpu, topology_files[f].name) >= (int)sizeof(path))
			err = -ENAMETOOLONG;
		if (!err)
			err = write_in_place(path, text, len);
		/* untracked (no container's render makes it fresher): its opens never ask */
		if (!err && notify)
			(void)tmpfs_notify_ignore(notify, path);
		free(text);
	}
	return err;
}

/*
 * Does cpu0's last topology file already say ncpus? cpu0 is written last, so
 * then every cpuN/topology is current and the period needs no writes.
 */
static int topology_current(const char *cdir, int ncpus)
{
	const struct topology_file *last = &topology_files[TOPOLOGY_FILE_COUNT - 1];
	char path[PATH_MAX], *want = NULL, *have = NULL;
	size_t want_len = 0, have_len = 0;
	int same;

	if (snprintf(path, sizeof(path), "%s/" VIEW_CPU_DIR "/cpu0/topology/%s", cdir,
		     last->name) >= (int)sizeof(path) ||
	    render_cpu_topology(last->value, 0, ncpus, &want, &want_len) < 0)
		return 0;
	same = read_file(path, &have, &have_len) == 0 && have_len == want_len &&
	       !memcmp(have, want, want_len);
	free(want);
	free(have);
	return same;
}

/* cpu0..cpuN-1 with their topology files; directories past N go. */
static int sync_cpu_dirs(const char *cdir, int ncpus)
{
	char path[PATH_MAX];
	struct dirent *de;
	int i, err;
	DIR *d;

	if (!topology_current(cdir, ncpus)) {
		for (i = ncpus - 1; i >= 0; i--) {
			err = write_topology(cdir, i, ncpus);
			if (err < 0)
				return err;
		}
	}
	if (snprintf(path, sizeof(path), "%s/" VIEW_CPU_DIR, cdir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		int n;

		if (sscanf(de->d_name, "cpu%d", &n) == 1 && n >= ncpus)
			remove_tree(dirfd(d), de->d_name);
	}
	closedir(d);
	return 0;
}

/*
 * What the last periods wrote for each slot, so a period writes only what
 * changed: 1,000 containers x 15 files every second is most of the agent's
 * work otherwise. Only the refresh loop (the agent's main thread) uses it.
 */
struct written {
	uint64_t cgroup_id;        /* the container these records are about ... */
	uint32_t gen;              /* ... in this slot generation */
	int dirs_made;             /* its directories exist */
	int cpu_files;             /* cpuinfo, cpu/{online,possible,present}, topology are of: */
	struct cpuset visible;     /*   this CPU set */
	uint64_t cpuinfo_hash;     /*   and this host /proc/cpuinfo */
	uint64_t period;           /* the last period (refresh count) that rendered it */
	uint64_t hash[VF_COUNT];   /* each file's last text (text_hash()), when file[i] knows its length */
	uint64_t metrics_inputs;   /* what kava/metrics and kava/runq were made from (view_batch) */
	uint64_t metrics_period;   /* the period that made kava/metrics and kava/runq last */
	int complete;              /* the last render wrote every file it had to */
	struct tmpfs_file file[VF_COUNT];
};
static struct written *written;	/* KAVA_MAX_CONTAINERS of them, allocated at first use */
static uint64_t periods;	/* refreshes so far */
static uint64_t period_cpuinfo_hash;	/* the host's /proc/cpuinfo at the last period */
static unsigned int kept, keep_max;	/* write descriptors kept open (tmpfs_file), and the bound */

/*
 * Descriptors for files rewritten period after period: half the soft
 * RLIMIT_NOFILE (the descriptor cache, fdcache.c, takes a quarter); past
 * that, files are opened for each write as before.
 */
static unsigned int keep_bound(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 2u * KAVA_MAX_CONTAINERS * VF_COUNT)
		return KAVA_MAX_CONTAINERS * VF_COUNT;
	return (unsigned int)(rl.rlim_cur / 2);
}

/* Forget what was written for a slot, closing its kept descriptors. */
static void written_reset(struct written *w)
{
	for (int i = 0; i < VF_COUNT; i++) {
		kept -= tmpfs_file_kept(&w->file[i]);
		tmpfs_file_close(&w->file[i]);
	}
	if (notify && w->cgroup_id)
		tmpfs_notify_forget(notify, (uint32_t)(w - written));
	memset(w, 0, sizeof(*w));
}

/* A file's text, hashed (hash64()). */
static uint64_t text_hash(const char *text, size_t len)
{
	return hash64(0xcbf29ce484222325ull, text, len);
}

/*
 * kava/metrics and kava/runq are kava's own exposition, not files /proc
 * shows: a container's are made again every TMPFS_METRICS_EVERY periods
 * (5 s at the default 1 s, the cadence of the load averages they carry,
 * LOAD_FREQ in the kernel's calc_global_load()), each container on its own
 * turn so that a period makes a fifth of them. Collecting and formatting
 * them (~8.7 KB) was ~20 % of a period's CPU at 1,000 containers.
 */
#define TMPFS_METRICS_EVERY 5

static int metrics_file(enum view_file_id id)
{
	return id == VF_KAVA_METRICS || id == VF_KAVA_RUNQ;
}

/* Made from the visible CPUs alone (cpuinfo: and the host's /proc/cpuinfo). */
static int cpu_derived(enum view_file_id id)
{
	return id == VF_CPUINFO || id == VF_CPU_ONLINE || id == VF_CPU_POSSIBLE ||
	       id == VF_CPU_PRESENT;
}

static int make_container_dirs(const char *cdir)
{
	int i, err;

	if (mkdir(cdir, 0755) < 0 && errno != EEXIST)
		return -errno;
	for (i = 0; view_dirs[i]; i++) {
		if (!view_dirs[i][0])
			continue;
		err = mkdirs(cdir, view_dirs[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * One container's files: every file rendered each period except those made
 * from its visible CPUs, which wait for that set (or the host's cpuinfo) to
 * change; a file whose text is what was written last is not written again.
 * Its inputs are located and read once for all its files (view_batch). No
 * reader is passed: the content layer finds a process of the container
 * itself when a hybrid host's v1 layout needs one.
 */
static int render_files(const struct view_source *src, const char *dir, uint32_t slot,
			const struct kava_slot *s, uint64_t cpuinfo_hash)
{
	struct kava_owner owner = { .slot = slot, .gen = s->gen }, host = { .slot = KAVA_NO_SLOT };
	struct written *w = &written[slot % KAVA_MAX_CONTAINERS];
	char cdir[PATH_MAX], path[PATH_MAX];
	struct view_batch *b = NULL;
	struct cpuset visible;
	int i, n, err = 0, cpu_same, metrics_due;

	if (w->cgroup_id != s->cgroup_id || w->gen != s->gen) {
		written_reset(w);
		w->cgroup_id = s->cgroup_id;
		w->gen = s->gen;
	}
	w->period = periods;
	view_tmpfs_container_dir(dir, s->cgroup_id, cdir, sizeof(cdir));
	if (!w->dirs_made) {
		err = make_container_dirs(cdir);
		if (err < 0)
			return err;
		w->dirs_made = 1;
	}
	/* -ENOENT: no cgroup files for it (going away): the host's files, as below */
	err = view_batch_open(src, &owner, s, &b);
	if (err < 0 && err != -ENOENT)
		return err;
	n = b ? view_batch_visible(b, &visible) : view_visible_set(src, &host, 0, &visible);
	if (b) {
		const struct tmpfs_file *m = &w->file[VF_KAVA_METRICS], *r = &w->file[VF_KAVA_RUNQ];

		/* made from the same figures as the texts both files hold: not made again */
		view_batch_set_metrics_inputs(b, m->known && r->known ? w->metrics_inputs : 0);
	}
	cpu_same = w->cpu_files && !memcmp(&visible, &w->visible, sizeof(visible)) &&
		   w->cpuinfo_hash == cpuinfo_hash;
	/* not written yet (a new container, a failed write): made now */
	metrics_due = !w->file[VF_KAVA_METRICS].known || !w->file[VF_KAVA_RUNQ].known ||
		      (periods + slot) % TMPFS_METRICS_EVERY == 0 ||
		      /* its turns passed while nobody read it (refresh on open) */
		      periods - w->metrics_period >= TMPFS_METRICS_EVERY;
	if (metrics_due)
		w->metrics_period = periods;
	for (i = 0, err = 0; i < VF_COUNT && !err; i++) {
		struct tmpfs_file *f;
		char *text = NULL;
		size_t len = 0;
		uint64_t h;

		if (cpu_same && cpu_derived(view_files[i].id))
			continue;
		if (!metrics_due && metrics_file(view_files[i].id))
			continue;
		err = b ? view_batch_content(b, view_files[i].id, &text, &len) : -ENOENT;
		if (err == 1) {
			err = 0;
			continue;	/* its inputs, and so its text, are those of the last period */
		}
		if (err == -ENOENT && access(cdir, F_OK) == 0)
			/* limits unreadable (no cgroup files for it): the host's file */
			err = view_content(src, view_files[i].id, &host, 0, &text, &len);
		if (err < 0)
			break;
		h = text_hash(text, len);
		f = &w->file[i];
		if (f->known && w->hash[i] == h && f->len == len) {
			free(text);
			continue;
		}
		if (snprintf(path, sizeof(path), "%s/%s", cdir, view_files[i].path) >= (int)sizeof(path)) {
			err = -ENAMETOOLONG;
		} else {
			/* written before and changed since: likely to change every period */
			int was = tmpfs_file_kept(f), keep = f->known && kept < keep_max;

			err = tmpfs_file_write(f, path, text, len, keep);
			kept += tmpfs_file_kept(f) - was;
		}
		free(text);
		w->hash[i] = h;
		if (notify && f->ino)
			tmpfs_notify_track(notify, f->ino, slot, i);
	}
	w->metrics_inputs = b ? view_batch_metrics_inputs(b) : 0;
	view_batch_close(b);
	if (err < 0 || cpu_same)
		return err;
	err = sync_cpu_dirs(cdir, n);
	if (!err) {
		w->cpu_files = 1;
		w->visible = visible;
		w->cpuinfo_hash = cpuinfo_hash;
	}
	return err;
}

/*
 * render_files(), and what it wrote told to the fanotify side: opens held
 * for this container are answered (on_open: the render was made for them).
 */
static int render_container(const struct view_source *src, const char *dir, uint32_t slot,
			    const struct kava_slot *s, uint64_t cpuinfo_hash, int on_open)
{
	struct written *w = &written[slot % KAVA_MAX_CONTAINERS];
	uint64_t started = monotonic_ns();
	int err = render_files(src, dir, slot, s, cpuinfo_hash);

	w->complete = !err;
	if (notify && !err) {
		char cdir[PATH_MAX];

		view_tmpfs_container_dir(dir, s->cgroup_id, cdir, sizeof(cdir));
		tmpfs_notify_fresh(notify, slot, cdir);
	}
	if (notify)
		tmpfs_notify_rendered(notify, slot, started, on_open);
	return err;
}

struct refresh_ctx {
	const struct view_source *src;
	const char *dir;
	uint64_t cpuinfo_hash;
	uint64_t now;
	uint64_t live[KAVA_MAX_CONTAINERS];
	unsigned int nlive;
};

static int refresh_one(uint32_t slot, const struct kava_slot *s, void *arg)
{
	struct refresh_ctx *c = arg;
	struct written *w = &written[slot % KAVA_MAX_CONTAINERS];

	c->live[c->nlive++] = s->cgroup_id;
	/* nobody reads it: its files stay as they are (rendered in full once) */
	if (notify && w->complete && w->cgroup_id == s->cgroup_id && w->gen == s->gen &&
	    !tmpfs_notify_wanted(notify, slot, c->now)) {
		char cdir[PATH_MAX];

		view_tmpfs_container_dir(c->dir, s->cgroup_id, cdir, sizeof(cdir));
		/*
		 * Unless a file is open after all (two opens of one process merged
		 * in fanotify's queue count once): going cold, its marks go, and
		 * its next open waits for a render again.
		 */
		if (!tmpfs_notify_marked(notify, slot) ||
		    !tmpfs_notify_held_by_openers(notify, slot, "/proc")) {
			tmpfs_notify_stale(notify, slot, cdir);
			w->period = periods;
			return 0;
		}
	}
	render_container(c->src, c->dir, slot, s, c->cpuinfo_hash, 0);
	return 0;
}

static int remove_tree(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return unlinkat(parent, name, 0) < 0 ? -errno : 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		remove_tree(dirfd(d), de->d_name);
	}
	closedir(d);
	return unlinkat(parent, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int written_alloc(void)
{
	if (written)
		return 0;
	written = calloc(KAVA_MAX_CONTAINERS, sizeof(*written));
	if (!written)
		return -ENOMEM;
	keep_max = keep_bound();
	return 0;
}

int view_tmpfs_refresh(const struct view_source *src, const char *dir)
{
	struct refresh_ctx *c = calloc(1, sizeof(*c));
	struct dirent *de;
	unsigned int i;
	DIR *d;
	int err;

	if (!c)
		return -ENOMEM;
	if (written_alloc() < 0) {
		free(c);
		return -ENOMEM;
	}
	periods++;
	/* the host's files and shared ancestors' read once for all containers */
	fdcache_pass_begin();
	c->src = src;
	c->dir = dir;
	c->now = monotonic_ns();
	{	/* read once per period, not once per container */
		char *text = NULL;
		size_t len = 0;

		if (read_file("/proc/cpuinfo", &text, &len) == 0)
			c->cpuinfo_hash = text_hash(text, len);
		free(text);
	}
	period_cpuinfo_hash = c->cpuinfo_hash;
	if (notify)
		tmpfs_notify_drain(notify);	/* the period's opens and closes, before it decides */
	err = registry_foreach(src->st, refresh_one, c);
	/* slots not rendered this period (disabled): their descriptors go */
	for (i = 0; i < KAVA_MAX_CONTAINERS && err == 0; i++)
		if (written[i].cgroup_id && written[i].period != periods)
			written_reset(&written[i]);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			char *end;
			uint64_t id = strtoull(de->d_name, &end, 10);
			int live = 0;

			if (*end || de->d_name[0] == '.')
				continue;
			for (i = 0; i < c->nlive; i++)
				live |= c->live[i] == id;
			/* a disabled container: files still bind-mounted stay readable (unlinked inodes) */
			if (!live)
				remove_tree(dirfd(d), de->d_name);
		}
		closedir(d);
	}
	fdcache_pass_end();
	free(c);
	/* after the pass: every live container's files are tracked by then */
	if (notify && tmpfs_notify_audit_due(notify))
		(void)tmpfs_notify_audit(notify, "/proc");
	return err;
}

int view_tmpfs_on_open(const char *dir, unsigned int period_ms, char *why, size_t why_size)
{
	if (notify)
		return 0;
	return tmpfs_notify_start(dir, (uint64_t)period_ms * 1000000ull, &notify, why, why_size);
}

int view_tmpfs_notify_fd(void)
{
	return notify ? tmpfs_notify_fd(notify) : -1;
}

/* Containers taken from the pending table at a time (until it has fewer). */
#define SERVE_BATCH 64

int view_tmpfs_serve(const struct view_source *src, const char *dir)
{
	uint32_t slots[SERVE_BATCH];
	int i, k, served = 0;

	if (!notify || written_alloc() < 0)
		return 0;
	fdcache_pass_begin();
	do {
		k = tmpfs_notify_pending(notify, slots, SERVE_BATCH);
		for (i = 0; i < k; i++) {
			struct kava_slot s;

			/* the slot as the period would see it (a new container is rendered anew) */
			if (bpf_map_lookup_elem(src->st->slots_fd, &slots[i], &s) == 0 && s.cgroup_id) {
				render_container(src, dir, slots[i], &s, period_cpuinfo_hash, 1);
				served++;
			} else {
				/* disabled meanwhile: nothing to render, its opens go on */
				tmpfs_notify_rendered(notify, slots[i], 0, 0);
			}
		}
	} while (k == SERVE_BATCH);
	fdcache_pass_end();
	return served;
}

void view_tmpfs_stop(void)
{
	tmpfs_notify_stop(notify);
	notify = NULL;
}

int view_tmpfs_notify_stats(struct tmpfs_notify_stats *out)
{
	if (!notify)
		return -ENOENT;
	tmpfs_notify_get_stats(notify, out);
	return 0;
}
