// SPDX-License-Identifier: GPL-2.0
/* The tmpfs view's readers through fanotify (tmpfs_notify.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "kava.h"
#include "view/files.h"
#include "view/tmpfs_notify.h"

struct tn_file {
	uint64_t ino;              /* 0: not tracked */
	uint64_t marked_ino;       /* the inode its ignore mark is on; 0: none (main thread only) */
	uint32_t count;            /* open file descriptions of other processes */
	uint32_t audit_opens;      /* opens seen while an audit ran */
};

/* Processes that opened a container's files, kept to ask /proc before it goes cold. */
#define TN_OPENERS 4

struct tn_slot {
	uint32_t opens;            /* the sum of its files' counts */
	pid_t opener[TN_OPENERS];  /* live processes that opened its files since it went cold */
	uint8_t nopeners;
	uint8_t openers_lost;      /* more than TN_OPENERS at once: only an audit can tell */
	int pending;               /* opens wait for its render */
	uint64_t last_close_ns;    /* when a close made opens 0 (or an audit found none) */
	uint64_t rendered_ns;      /* the start of its last render; 0: none yet */
	uint32_t marks;            /* files with an ignore mark (main thread only) */
	struct tn_file file[VF_COUNT];
};

struct tn_held {
	int fd;                    /* the event's descriptor, answered with it */
	uint32_t slot;
	uint64_t deadline_ns;
};

struct tmpfs_notify {
	pthread_mutex_t lock;      /* everything below but the descriptors and the thread */
	uint64_t period_ns;
	int fan_fd;                /* permission events: the listener thread answers them */
	int count_fd;              /* opens and closes: read by the main thread each period */
	int wake_fd, stop_fd;
	pid_t self;
	dev_t dev;                 /* the view's filesystem (audits) */
	pthread_t thread;
	int thread_started;
	int unknown;               /* counts not known (start, overflow): all active */
	int audit_asked;           /* a container's openers could not be asked: audit next period */
	int auditing;
	unsigned int periods_since_audit;
	struct tn_slot *slot;      /* KAVA_MAX_CONTAINERS */
	uint64_t *hkey;            /* inode -> slot * VF_COUNT + file: linear probing */
	uint32_t *hval;
	size_t hmask;
	struct tn_held *held;
	size_t nheld, held_cap;
	struct tmpfs_notify_stats st;
};

/* ---- the inode table: open addressing, backward-shift deletion */

static size_t h_home(const struct tmpfs_notify *n, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & n->hmask;
}

static long h_find(const struct tmpfs_notify *n, uint64_t key)
{
	size_t i;

	for (i = h_home(n, key); n->hkey[i]; i = (i + 1) & n->hmask)
		if (n->hkey[i] == key)
			return (long)i;
	return -1;
}

static void h_put(struct tmpfs_notify *n, uint64_t key, uint32_t val)
{
	size_t i;

	for (i = h_home(n, key); n->hkey[i] && n->hkey[i] != key; i = (i + 1) & n->hmask)
		;
	n->hkey[i] = key;
	n->hval[i] = val;
}

static void h_del(struct tmpfs_notify *n, uint64_t key)
{
	long at = h_find(n, key);
	size_t i, j, k;

	if (at < 0)
		return;
	i = (size_t)at;
	for (;;) {
		n->hkey[i] = 0;
		for (j = (i + 1) & n->hmask;; j = (j + 1) & n->hmask) {
			if (!n->hkey[j])
				return;
			k = h_home(n, n->hkey[j]);
			/* an entry whose home lies cyclically in (i, j] stays */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			n->hkey[i] = n->hkey[j];
			n->hval[i] = n->hval[j];
			i = j;
			break;
		}
	}
}

/* ---- answers */

/* Allow the open behind a permission event; the event's descriptor is closed. */
static void answer(const struct tmpfs_notify *n, int fd)
{
	struct fanotify_response r = { .fd = fd, .response = FAN_ALLOW };

	if (fd < 0)
		return;
	/* an answer the kernel refuses (ENOENT: already answered) changes nothing */
	if (n->fan_fd >= 0 && write(n->fan_fd, &r, sizeof(r)) < 0)
		(void)0;
	close(fd);
}

static void wake_main(const struct tmpfs_notify *n)
{
	uint64_t one = 1;

	/* a full counter (EAGAIN) is already readable */
	if (n->wake_fd >= 0 && write(n->wake_fd, &one, sizeof(one)) < 0)
		(void)0;
}

static int hold(struct tmpfs_notify *n, int fd, uint32_t slot, uint64_t now_ns)
{
	if (n->nheld == n->held_cap) {
		size_t cap = n->held_cap ? n->held_cap * 2 : 64;
		struct tn_held *grown = realloc(n->held, cap * sizeof(*grown));

		if (!grown)
			return 0;	/* answered at once: a stale text rather than no answer */
		n->held = grown;
		n->held_cap = cap;
	}
	n->held[n->nheld++] = (struct tn_held){ fd, slot, now_ns + TMPFS_HOLD_NS };
	return 1;
}

/*
 * Remember `pid` as an opener of the slot's files. A full list first drops
 * the processes that have exited (kill(pid, 0): ESRCH), which hold nothing:
 * short-lived readers (cat, free) come and go.
 */
static void note_opener(struct tn_slot *s, pid_t pid)
{
	int i, k = 0;

	for (i = 0; i < s->nopeners; i++)
		if (s->opener[i] == pid)
			return;
	if (s->nopeners == TN_OPENERS) {
		for (i = 0; i < s->nopeners; i++)
			if (kill(s->opener[i], 0) == 0 || errno != ESRCH)
				s->opener[k++] = s->opener[i];
		s->nopeners = (uint8_t)k;
	}
	if (s->nopeners < TN_OPENERS)
		s->opener[s->nopeners++] = pid;
	else
		s->openers_lost = 1;
}

/* ---- the table's life */

struct tmpfs_notify *tmpfs_notify_new(uint64_t period_ns)
{
	struct tmpfs_notify *n = calloc(1, sizeof(*n));
	size_t cap = 1;

	if (!n)
		return NULL;
	while (cap < 2u * KAVA_MAX_CONTAINERS * VF_COUNT)
		cap <<= 1;
	n->slot = calloc(KAVA_MAX_CONTAINERS, sizeof(*n->slot));
	n->hkey = calloc(cap, sizeof(*n->hkey));
	n->hval = calloc(cap, sizeof(*n->hval));
	if (!n->slot || !n->hkey || !n->hval || pthread_mutex_init(&n->lock, NULL)) {
		free(n->slot);
		free(n->hkey);
		free(n->hval);
		free(n);
		return NULL;
	}
	n->hmask = cap - 1;
	n->period_ns = period_ns;
	n->fan_fd = n->count_fd = n->wake_fd = n->stop_fd = -1;
	n->self = getpid();
	return n;
}

static void free_table(struct tmpfs_notify *n)
{
	pthread_mutex_destroy(&n->lock);
	free(n->slot);
	free(n->hkey);
	free(n->hval);
	free(n->held);
	free(n);
}

/* ---- events */

int tmpfs_notify_event(struct tmpfs_notify *n, uint64_t mask, pid_t pid, uint64_t ino, int fd,
		       uint64_t now_ns)
{
	struct tn_slot *s;
	struct tn_file *f;
	long at;
	int closes, held = 0;

	if (pid == n->self || !ino)
		return 0;
	pthread_mutex_lock(&n->lock);
	at = h_find(n, ino);
	if (at < 0)
		goto out;	/* not a file the agent wrote (yet): nothing to count */
	s = &n->slot[n->hval[at] / VF_COUNT];
	f = &s->file[n->hval[at] % VF_COUNT];
	if (mask & FAN_OPEN_PERM) {
		/* counted by its FAN_OPEN, which follows once the open succeeded */
		n->st.checks++;
		/* older than a period (or never rendered by this agent): render first */
		if ((!s->rendered_ns || now_ns - s->rendered_ns >= n->period_ns) &&
		    hold(n, fd, n->hval[at] / VF_COUNT, now_ns)) {
			held = 1;
			n->st.held++;
			if (!s->pending) {
				s->pending = 1;
				wake_main(n);
			}
		}
		goto out;
	}
	if (mask & FAN_OPEN) {
		note_opener(s, pid);
		f->count++;
		s->opens++;
		n->st.opens++;
		if (n->auditing)
			f->audit_opens++;
	}
	/* merged close events carry both bits (fanotify_merge()): one each */
	closes = !!(mask & FAN_CLOSE_WRITE) + !!(mask & FAN_CLOSE_NOWRITE);
	for (; closes > 0 && f->count; closes--) {
		f->count--;
		s->opens--;
	}
	if (!s->opens && (mask & (FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE)))
		s->last_close_ns = now_ns;
out:
	pthread_mutex_unlock(&n->lock);
	return held;
}

int tmpfs_notify_expire(struct tmpfs_notify *n, uint64_t now_ns)
{
	size_t i = 0;
	int answered = 0;

	pthread_mutex_lock(&n->lock);
	while (i < n->nheld) {
		if (n->held[i].deadline_ns > now_ns) {
			i++;
			continue;
		}
		answer(n, n->held[i].fd);
		n->held[i] = n->held[--n->nheld];
		n->st.late++;
		answered++;
	}
	pthread_mutex_unlock(&n->lock);
	return answered;
}

/* Milliseconds until the first held open's deadline; -1: none held. */
static int next_deadline_ms(struct tmpfs_notify *n)
{
	uint64_t now = monotonic_ns(), first = UINT64_MAX;
	size_t i;

	pthread_mutex_lock(&n->lock);
	for (i = 0; i < n->nheld; i++)
		if (n->held[i].deadline_ns < first)
			first = n->held[i].deadline_ns;
	pthread_mutex_unlock(&n->lock);
	if (first == UINT64_MAX)
		return -1;
	return first <= now ? 0 : (int)((first - now + 999999) / 1000000);
}

void tmpfs_notify_overflow(struct tmpfs_notify *n)
{
	pthread_mutex_lock(&n->lock);
	n->unknown = 1;	/* closes may be lost: every container active until an audit */
	n->st.overflows++;
	pthread_mutex_unlock(&n->lock);
}

static void handle(struct tmpfs_notify *n, const struct fanotify_event_metadata *m)
{
	struct stat st;

	if (m->mask & FAN_Q_OVERFLOW) {
		tmpfs_notify_overflow(n);
		return;
	}
	if (m->fd < 0)
		return;
	/*
	 * The agent's own opens (the main thread writing the files) are
	 * answered at once, without the lock: the main thread may be waiting
	 * in open(2) for this answer.
	 */
	if (m->pid == n->self ||
	    !tmpfs_notify_event(n, m->mask, m->pid, fstat(m->fd, &st) == 0 ? st.st_ino : 0, m->fd,
				monotonic_ns())) {
		if (m->mask & FAN_OPEN_PERM)
			answer(n, m->fd);
		else
			close(m->fd);
	}
}

/* Read and handle what `fd` has queued, one buffer; the bytes read (<= 0: none). */
static ssize_t read_events(struct tmpfs_notify *n, int fd, int *errors)
{
	/* fanotify_event_metadata is 8-byte aligned */
	uint64_t buf[1024];
	const struct fanotify_event_metadata *m;
	ssize_t len = read(fd, buf, sizeof(buf)), got = len;

	if (len < 0 && errno != EAGAIN && errno != EINTR && !(*errors)++)
		fprintf(stderr, "kava: tmpfs view: reading fanotify events: %s\n", strerror(errno));
	for (m = (const void *)buf; len > 0 && FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len))
		if (m->vers == FANOTIFY_METADATA_VERSION)
			handle(n, m);
	return got;
}

void tmpfs_notify_drain(struct tmpfs_notify *n)
{
	int errors = 0, reads = 0;

	/* bounded: a reader opening faster than this drains cannot keep the period here */
	while (n->count_fd >= 0 && reads++ < 256 && read_events(n, n->count_fd, &errors) > 0)
		;
}

static void *listen_main(void *arg)
{
	struct tmpfs_notify *n = arg;
	int errors = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = n->fan_fd, .events = POLLIN },
				       { .fd = n->stop_fd, .events = POLLIN } };

		if (poll(p, 2, next_deadline_ms(n)) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			(void)read_events(n, n->fan_fd, &errors);
		tmpfs_notify_expire(n, monotonic_ns());
	}
	return NULL;
}

int tmpfs_notify_start(const char *dir, uint64_t period_ns, struct tmpfs_notify **out,
		       char *why, size_t why_size)
{
	struct tmpfs_notify *n = tmpfs_notify_new(period_ns);
	struct stat st;
	int err;

	*out = NULL;
	if (!n) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	n->unknown = 1;
	/* FAN_CLASS_CONTENT: permission events (CONFIG_FANOTIFY_ACCESS_PERMISSIONS) */
	n->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK |
				  FAN_UNLIMITED_QUEUE, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (n->fan_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "fanotify_init: %s%s", strerror(errno),
			 errno == EINVAL ? " (no CONFIG_FANOTIFY_ACCESS_PERMISSIONS?)" : "");
		goto fail;
	}
	/* the filesystem, not the mount: every bind mount of it in every namespace */
	/*
	 * Opens and closes in a group of their own that nobody polls: queuing
	 * an event wakes no thread, so an open costs its opener no switch; the
	 * main thread reads them each period (tmpfs_notify_drain()). Events of
	 * one process on one file merge there (fanotify_merge()): the counts
	 * are hints, and a container goes cold only once none of the processes
	 * that opened its files holds one (tmpfs_notify_held_by_openers()).
	 */
	n->count_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
				    FAN_UNLIMITED_QUEUE, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (n->count_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "fanotify_init: %s", strerror(errno));
		goto fail;
	}
	if (fanotify_mark(n->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_PERM, AT_FDCWD,
			  dir) < 0 ||
	    fanotify_mark(n->count_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  FAN_OPEN | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE, AT_FDCWD, dir) < 0) {
		err = -errno;
		snprintf(why, why_size, "fanotify_mark on %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (stat(dir, &st) < 0) {
		err = -errno;
		snprintf(why, why_size, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	n->dev = st.st_dev;
	n->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->wake_fd < 0 || n->stop_fd < 0) {
		err = -errno;
		snprintf(why, why_size, "eventfd: %s", strerror(errno));
		goto fail;
	}
	err = -pthread_create(&n->thread, NULL, listen_main, n);
	if (err) {
		snprintf(why, why_size, "cannot start the fanotify listener: %s", strerror(-err));
		goto fail;
	}
	n->thread_started = 1;
	*out = n;
	return 0;
fail:
	tmpfs_notify_stop(n);
	return err;
}

void tmpfs_notify_stop(struct tmpfs_notify *n)
{
	uint64_t one = 1;
	size_t i;

	if (!n)
		return;
	if (n->thread_started && write(n->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(n->thread, NULL);
	for (i = 0; i < n->nheld; i++)
		answer(n, n->held[i].fd);
	n->nheld = 0;
	/* closing the group allows whatever is still queued (fanotify_release()) */
	if (n->fan_fd >= 0)
		close(n->fan_fd);
	if (n->count_fd >= 0)
		close(n->count_fd);
	if (n->wake_fd >= 0)
		close(n->wake_fd);
	if (n->stop_fd >= 0)
		close(n->stop_fd);
	free_table(n);
}

int tmpfs_notify_fd(const struct tmpfs_notify *n)
{
	return n->wake_fd;
}

/* ---- the main thread's side */

void tmpfs_notify_track(struct tmpfs_notify *n, uint64_t ino, uint32_t slot, int file)
{
	struct tn_file *f;

	if (!ino || slot >= KAVA_MAX_CONTAINERS || file < 0 || file >= VF_COUNT)
		return;
	pthread_mutex_lock(&n->lock);
	f = &n->slot[slot].file[file];
	if (f->ino != ino) {
		if (f->ino)
			h_del(n, f->ino);
		n->slot[slot].opens -= f->count;
		/* a new inode has no mark; the old one's went with it */
		n->slot[slot].marks -= f->marked_ino != 0;
		*f = (struct tn_file){ .ino = ino };
		h_put(n, ino, slot * VF_COUNT + (uint32_t)file);
	}
	pthread_mutex_unlock(&n->lock);
}

/* Answer the opens held for SLOT's render (under the lock). */
static void answer_held(struct tmpfs_notify *n, uint32_t slot)
{
	size_t i;

	for (i = 0; i < n->nheld;) {
		if (n->held[i].slot == slot) {
			answer(n, n->held[i].fd);
			n->held[i] = n->held[--n->nheld];
		} else {
			i++;
		}
	}
}

void tmpfs_notify_forget(struct tmpfs_notify *n, uint32_t slot)
{
	struct tn_slot *s;
	int f;

	if (slot >= KAVA_MAX_CONTAINERS)
		return;
	pthread_mutex_lock(&n->lock);
	s = &n->slot[slot];
	for (f = 0; f < VF_COUNT; f++)
		if (s->file[f].ino)
			h_del(n, s->file[f].ino);
	answer_held(n, slot);	/* its held opens: nothing will render it */
	memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&n->lock);
}

int tmpfs_notify_wanted(struct tmpfs_notify *n, uint32_t slot, uint64_t now_ns)
{
	const struct tn_slot *s;
	int want;

	if (slot >= KAVA_MAX_CONTAINERS)
		return 1;
	pthread_mutex_lock(&n->lock);
	s = &n->slot[slot];
	want = n->unknown || s->opens || s->pending ||
	       (s->last_close_ns && now_ns - s->last_close_ns < n->period_ns);
	pthread_mutex_unlock(&n->lock);
	return want;
}

void tmpfs_notify_rendered(struct tmpfs_notify *n, uint32_t slot, uint64_t started_ns,
			   int on_open)
{
	if (slot >= KAVA_MAX_CONTAINERS)
		return;
	pthread_mutex_lock(&n->lock);
	n->slot[slot].rendered_ns = started_ns;
	n->slot[slot].pending = 0;
	if (on_open)
		n->st.renders_on_open++;
	answer_held(n, slot);
	pthread_mutex_unlock(&n->lock);
}

/*
 * An ignore mark for FAN_OPEN_PERM on a file (inode mark, beside the
 * filesystem mark): its opens are not held, nor even asked about, so they
 * cost the opener no wait on the agent; FAN_OPEN still counts them. It
 * survives the agent's rewrites (FAN_MARK_IGNORED_SURV_MODIFY: without it a
 * modification clears an ignore mask, fanotify_handle_event()).
 */
static int ignore_path(const struct tmpfs_notify *n, const char *path, int add)
{
	unsigned int flags = FAN_MARK_IGNORED_MASK |
			     (add ? FAN_MARK_ADD | FAN_MARK_IGNORED_SURV_MODIFY : FAN_MARK_REMOVE);

	if (n->fan_fd < 0)
		return 0;	/* the unit tests' table: no group */
	return fanotify_mark(n->fan_fd, flags, FAN_OPEN_PERM, AT_FDCWD, path) < 0 ? -errno : 0;
}

static int ignore_mark(const struct tmpfs_notify *n, const char *cdir, int file, int add)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", cdir, view_files[file].path) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return ignore_path(n, path, add);
}

int tmpfs_notify_ignore(struct tmpfs_notify *n, const char *path)
{
	return ignore_path(n, path, 1);
}

void tmpfs_notify_fresh(struct tmpfs_notify *n, uint32_t slot, const char *cdir)
{
	struct tn_slot *s;
	int i;

	if (slot >= KAVA_MAX_CONTAINERS)
		return;
	s = &n->slot[slot];
	for (i = 0; i < VF_COUNT; i++) {
		struct tn_file *f = &s->file[i];

		/* ino is written by this thread only (tmpfs_notify_track()) */
		if (!f->ino || f->marked_ino == f->ino)
			continue;
		if (ignore_mark(n, cdir, i, 1) == 0) {
			s->marks += !f->marked_ino;
			f->marked_ino = f->ino;
			n->st.marks++;
		}
	}
}

void tmpfs_notify_stale(struct tmpfs_notify *n, uint32_t slot, const char *cdir)
{
	struct tn_slot *s;
	int i;

	if (slot >= KAVA_MAX_CONTAINERS)
		return;
	s = &n->slot[slot];
	/* openers change on this thread only (FAN_OPEN is drained here): read unlocked */
	if (!s->marks && !s->nopeners && !s->openers_lost)
		return;
	for (i = 0; i < VF_COUNT; i++) {
		struct tn_file *f = &s->file[i];

		if (!f->marked_ino)
			continue;
		/* ENOENT: the mark or the file is gone already; either way no mark */
		if (f->marked_ino == f->ino)
			(void)ignore_mark(n, cdir, i, 0);
		f->marked_ino = 0;
	}
	s->marks = 0;
	pthread_mutex_lock(&n->lock);
	s->nopeners = 0;	/* cold: whoever opens it now is noted afresh */
	s->openers_lost = 0;
	pthread_mutex_unlock(&n->lock);
}

int tmpfs_notify_marked(const struct tmpfs_notify *n, uint32_t slot)
{
	return slot < KAVA_MAX_CONTAINERS && n->slot[slot].marks > 0;
}

int tmpfs_notify_pending(struct tmpfs_notify *n, uint32_t *slots, int max)
{
	uint64_t count;
	uint32_t i;
	int k = 0;

	if (n->wake_fd >= 0 && read(n->wake_fd, &count, sizeof(count)) < 0)
		(void)0;	/* EAGAIN: nothing signalled, the table still says */
	pthread_mutex_lock(&n->lock);
	for (i = 0; i < KAVA_MAX_CONTAINERS && k < max; i++)
		if (n->slot[i].pending)
			slots[k++] = i;
	pthread_mutex_unlock(&n->lock);
	return k;
}

int tmpfs_notify_audit_due(struct tmpfs_notify *n)
{
	int due = 0;
	uint32_t i;

	pthread_mutex_lock(&n->lock);
	if (n->periods_since_audit < UINT32_MAX)
		n->periods_since_audit++;
	if (n->unknown || n->audit_asked)
		due = 1;
	else if (n->periods_since_audit >= TMPFS_AUDIT_PERIODS)
		for (i = 0; i < KAVA_MAX_CONTAINERS && !due; i++)
			due = n->slot[i].opens > 0;
	pthread_mutex_unlock(&n->lock);
	return due;
}

/* Append the view's inodes that process `pid` holds open to *inos. */
static void audit_pid(const struct tmpfs_notify *n, const char *proc, const char *pid,
		      uint64_t **inos, size_t *len, size_t *cap)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/%s/fd", proc, pid) >= (int)sizeof(path))
		return;
	d = opendir(path);
	if (!d)
		return;	/* gone, or a kernel thread */
	while ((de = readdir(d)) != NULL) {
		/* through the magic link: the open file itself, whatever its mount namespace */
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    st.st_dev != n->dev || !S_ISREG(st.st_mode))
			continue;
		if (*len == *cap) {
			size_t c = *cap ? *cap * 2 : 256;
			uint64_t *grown = realloc(*inos, c * sizeof(*grown));

			if (!grown)
				break;
			*inos = grown;
			*cap = c;
		}
		(*inos)[(*len)++] = st.st_ino;
	}
	closedir(d);
}

int tmpfs_notify_audit(struct tmpfs_notify *n, const char *proc)
{
	uint64_t *inos = NULL, now;
	size_t len = 0, cap = 0, i;
	struct dirent *de;
	char self[32];
	uint32_t s;
	DIR *d;
	int f;

	d = opendir(proc);
	if (!d)
		return -errno;
	pthread_mutex_lock(&n->lock);
	n->auditing = 1;
	for (s = 0; s < KAVA_MAX_CONTAINERS; s++)
		for (f = 0; f < VF_COUNT; f++)
			n->slot[s].file[f].audit_opens = 0;
	pthread_mutex_unlock(&n->lock);
	snprintf(self, sizeof(self), "%d", (int)n->self);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && strcmp(de->d_name, self))
			audit_pid(n, proc, de->d_name, &inos, &len, &cap);
	closedir(d);
	now = monotonic_ns();
	pthread_mutex_lock(&n->lock);
	for (s = 0; s < KAVA_MAX_CONTAINERS; s++) {
		uint32_t was = n->slot[s].opens;

		n->slot[s].opens = 0;
		for (f = 0; f < VF_COUNT; f++) {
			/* opens during the scan count whether or not it saw them: too high at worst */
			n->slot[s].file[f].count = n->slot[s].file[f].audit_opens;
			n->slot[s].opens += n->slot[s].file[f].audit_opens;
		}
		if (was)
			n->slot[s].last_close_ns = now;
	}
	for (i = 0; i < len; i++) {
		long at = h_find(n, inos[i]);

		if (at >= 0) {
			n->slot[n->hval[at] / VF_COUNT].file[n->hval[at] % VF_COUNT].count++;
			n->slot[n->hval[at] / VF_COUNT].opens++;
		}
	}
	n->auditing = 0;
	n->unknown = 0;
	n->audit_asked = 0;
	n->periods_since_audit = 0;
	n->st.audits++;
	pthread_mutex_unlock(&n->lock);
	free(inos);
	return 0;
}

int tmpfs_notify_held_by_openers(struct tmpfs_notify *n, uint32_t slot, const char *proc)
{
	pid_t pids[TN_OPENERS];
	uint64_t *inos = NULL;
	size_t len = 0, cap = 0, i;
	char pid[24];
	int k, held = 0;

	if (slot >= KAVA_MAX_CONTAINERS)
		return 0;
	pthread_mutex_lock(&n->lock);
	if (n->slot[slot].openers_lost) {
		n->audit_asked = 1;
		pthread_mutex_unlock(&n->lock);
		return 1;
	}
	k = n->slot[slot].nopeners;
	memcpy(pids, n->slot[slot].opener, sizeof(pids));
	pthread_mutex_unlock(&n->lock);
	for (i = 0; i < (size_t)k; i++) {
		snprintf(pid, sizeof(pid), "%d", (int)pids[i]);
		audit_pid(n, proc, pid, &inos, &len, &cap);
	}
	pthread_mutex_lock(&n->lock);
	for (i = 0; i < len && !held; i++) {
		long at = h_find(n, inos[i]);

		held = at >= 0 && n->hval[at] / VF_COUNT == slot;
	}
	pthread_mutex_unlock(&n->lock);
	free(inos);
	return held;
}

void tmpfs_notify_get_stats(struct tmpfs_notify *n, struct tmpfs_notify_stats *out)
{
	uint32_t i;

	pthread_mutex_lock(&n->lock);
	*out = n->st;
	out->active = 0;
	for (i = 0; i < KAVA_MAX_CONTAINERS; i++)
		out->active += n->slot[i].opens > 0;
	pthread_mutex_unlock(&n->lock);
}
