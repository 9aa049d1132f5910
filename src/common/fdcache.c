// SPDX-License-Identifier: GPL-2.0
/* Kernel pseudo-files read through descriptors kept open (see fdcache.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/fdcache.h"

#define NBUCKETS 16384   /* a power of two, at least twice FDCACHE_MAX */

struct fde {
	char *path;
	int fd;
	unsigned int refs;      /* callers reading through fd now */
	int dead;               /* out of the table: its last reader frees it */
	int recent;             /* read since the clock hand last passed */
	unsigned int slot;      /* its place in cache.all */
	size_t hint;            /* the length of its last text */
	pthread_mutex_t lock;   /* one read (pread at 0, then on) at a time */
	struct fde *next;       /* hash chain */
};

static struct {
	pthread_mutex_t lock;   /* the table, refs, dead, recent */
	struct fde *bucket[NBUCKETS];
	struct fde *all[FDCACHE_MAX];
	unsigned int capacity, count, hand;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint32_t hash_path(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (NBUCKETS - 1);
}

/* A quarter of the soft descriptor limit: the agent's other descriptors keep the rest. */
static unsigned int default_capacity(void)
{
	struct rlimit rl;
	rlim_t n = FDCACHE_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = rl.rlim_cur / 4;
	if (n < 16)
		n = 16;
	return n > FDCACHE_MAX ? FDCACHE_MAX : (unsigned int)n;
}

long fdcache_raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)FDCACHE_MAX * 4;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -errno;
	}
	return rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;
}

static void fde_free(struct fde *e)
{
	close(e->fd);
	pthread_mutex_destroy(&e->lock);
	free(e->path);
	free(e);
}

/* Take e out of the table; freed now, or by its last reader. Under cache.lock. */
static void unlink_entry(struct fde *e)
{
	struct fde **p = &cache.bucket[hash_path(e->path)];

	while (*p && *p != e)
		p = &(*p)->next;
	if (*p)
		*p = e->next;
	cache.all[e->slot] = NULL;
	cache.count--;
	if (e->refs)
		e->dead = 1;
	else
		fde_free(e);
}

static struct fde *find(const char *path, uint32_t h)
{
	struct fde *e;

	for (e = cache.bucket[h]; e; e = e->next)
		if (!strcmp(e->path, path))
			return e;
	return NULL;
}

/* A free place in cache.all, making one by the clock if full; -1: every entry in use. */
static int free_slot(void)
{
	unsigned int i;

	if (!cache.capacity)
		cache.capacity = default_capacity();
	if (cache.count < cache.capacity) {
		for (i = 0; i < cache.capacity; i++)
			if (!cache.all[i])
				return (int)i;
	}
	/* second chance: an entry read since the hand's last pass keeps its place once */
	for (i = 0; i < 2 * cache.capacity; i++) {
		struct fde *e = cache.all[cache.hand];
		unsigned int at = cache.hand;

		cache.hand = (cache.hand + 1) % cache.capacity;
		if (!e || e->refs)
			continue;
		if (e->recent) {
			e->recent = 0;
			continue;
		}
		unlink_entry(e);
		return (int)at;
	}
	return -1;
}

/* Keep fd for path; NULL when it cannot be kept (the caller closes it). Under cache.lock. */
static struct fde *insert(const char *path, uint32_t h, int fd)
{
	struct fde *e;
	int slot = free_slot();

	if (slot < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->path = strdup(path);
	if (!e->path || pthread_mutex_init(&e->lock, NULL) != 0) {
		free(e->path);
		free(e);
		return NULL;
	}
	e->fd = fd;
	e->slot = (unsigned int)slot;
	e->next = cache.bucket[h];
	cache.bucket[h] = e;
	cache.all[slot] = e;
	cache.count++;
	return e;
}

/*
 * The whole text from offset 0. One read when the kernel makes the text in
 * one record and it fits (FDCACHE_ONE_RECORD); otherwise on until a read
 * returns 0. Later reads continue the text the first one made: seq_file
 * keeps it (m->buf, read_pos) for the next read at that position.
 */
struct until {
	fdcache_enough_fn enough;	/* NULL: to the end */
	void *arg;
};

static int read_at0(int fd, int flags, size_t hint, const struct until *u, char **out,
		    size_t *len)
{
	size_t cap = 4096, used = 0;
	char *buf, *bigger;
	ssize_t n;

	while (cap < hint + hint / 2 + 64)
		cap *= 2;	/* room for the text to grow a little before a second read */
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = pread(fd, buf + used, cap - used - 1, (off_t)used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if ((flags & FDCACHE_ONE_RECORD) && used + 1 < cap)
			break;
		if (u && u->enough) {
			buf[used] = '\0';
			if (u->enough(buf, used, u->arg))
				break;	/* what the caller needs is in: no read to find the end */
		}
		if (used + 1 >= cap) {
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	buf[used] = '\0';
	*out = buf;
	if (len)
		*len = used;
	return 0;
}

/*
 * Is fd on a kernel pseudo-filesystem, whose files are never replaced
 * under their names (fdcache.h)? Anything else is read once and closed.
 */
static int pseudo_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return 0;
	return sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC ||
	       sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Done reading through e; drop it from the table too when `drop`. */
static void release(struct fde *e, int drop)
{
	pthread_mutex_lock(&cache.lock);
	e->refs--;
	if (drop && !e->dead)
		unlink_entry(e);
	else if (e->dead && !e->refs)
		fde_free(e);
	pthread_mutex_unlock(&cache.lock);
}

/* The entry for path, counted as read; NULL when not kept. Takes cache.lock. */
static struct fde *lookup(const char *path, uint32_t h, int fd)
{
	struct fde *e;

	pthread_mutex_lock(&cache.lock);
	e = find(path, h);
	if (!e && fd >= 0)
		e = insert(path, h, fd);
	if (e) {
		e->refs++;
		e->recent = 1;
	}
	pthread_mutex_unlock(&cache.lock);
	return e;
}

/*
 * The calling thread's pass (fdcache.h): the texts read since it began, by
 * path. Thread-local: only the thread that opened it sees or frees it.
 */
#define PASS_BUCKETS 256
#define PASS_BYTES (1u << 20)	/* texts kept at most; past it, read as without a pass */
struct pass_text {
	char *path, *text;
	size_t len;
	struct pass_text *next;
};
static _Thread_local struct {
	int open;
	unsigned long long id;	/* passes begun on this thread */
	unsigned int count;
	size_t bytes;		/* of the texts kept */
	struct pass_text *bucket[PASS_BUCKETS];
} pass;

void fdcache_pass_begin(void)
{
	fdcache_pass_end();
	pass.open = 1;
	pass.id++;
}

unsigned long long fdcache_pass_id(void)
{
	return pass.open ? pass.id : 0;
}

static void pass_text_free(struct pass_text *t)
{
	pass.bytes -= t->len;
	free(t->path);
	free(t->text);
	free(t);
	pass.count--;
}

void fdcache_pass_end(void)
{
	for (unsigned int i = 0; i < PASS_BUCKETS; i++) {
		while (pass.bucket[i]) {
			struct pass_text *t = pass.bucket[i];

			pass.bucket[i] = t->next;
			pass_text_free(t);
		}
	}
	pass.open = 0;
}

void fdcache_pass_forget_under(const char *dir)
{
	size_t n = strlen(dir);

	if (!n)
		return;
	for (unsigned int i = 0; i < PASS_BUCKETS; i++) {
		struct pass_text **pp = &pass.bucket[i];

		while (*pp) {
			struct pass_text *t = *pp;

			if (!strncmp(t->path, dir, n) && t->path[n] == '/') {
				*pp = t->next;
				pass_text_free(t);
			} else {
				pp = &t->next;
			}
		}
	}
}

unsigned int fdcache_pass_count(void)
{
	return pass.count;
}

/* The pass's copy of path's text into *out; 0 when the pass has none. */
static int pass_get(const char *path, uint32_t h, char **out, size_t *len)
{
	struct pass_text *t;

	for (t = pass.bucket[h & (PASS_BUCKETS - 1)]; t; t = t->next) {
		if (strcmp(t->path, path))
			continue;
		*out = malloc(t->len + 1);
		if (!*out)
			return -ENOMEM;
		memcpy(*out, t->text, t->len + 1);
		if (len)
			*len = t->len;
		return 1;
	}
	return 0;
}

/* Keep a copy of text for the rest of the pass; without memory, it is read again. */
static void pass_put(const char *path, uint32_t h, const char *text, size_t len)
{
	struct pass_text *t;

	if (!text || pass.bytes + len > PASS_BYTES)
		return;
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	t->path = strdup(path);
	t->text = malloc(len + 1);
	if (!t->path || !t->text) {
		free(t->path);
		free(t->text);
		free(t);
		return;
	}
	memcpy(t->text, text, len + 1);
	t->len = len;
	pass.bytes += len;
	t->next = pass.bucket[h & (PASS_BUCKETS - 1)];
	pass.bucket[h & (PASS_BUCKETS - 1)] = t;
	pass.count++;
}

static int read_kept(const char *path, uint32_t h, int flags, const struct until *u, char **out,
		     size_t *len);

int fdcache_read(const char *path, int flags, char **out, size_t *len)
{
	uint32_t h = hash_path(path);
	size_t n = 0;
	int err;

	*out = NULL;
	if (!pass.open)
		return read_kept(path, h, flags, NULL, out, len);
	err = pass_get(path, h, out, len);
	if (err)
		return err < 0 ? err : 0;
	err = read_kept(path, h, flags, NULL, out, &n);
	if (err < 0)
		return err;
	pass_put(path, h, *out, n);
	if (len)
		*len = n;
	return 0;
}

int fdcache_read_until(const char *path, fdcache_enough_fn enough, void *arg, char **out,
		       size_t *len)
{
	struct until u = { enough, arg };

	/* a pass keeps whole texts only: the next container may need more of it */
	if (pass.open)
		return fdcache_read(path, 0, out, len);
	*out = NULL;
	return read_kept(path, hash_path(path), 0, &u, out, len);
}

/* fdcache_read() without the pass: through the kept descriptor. */
static int read_kept(const char *path, uint32_t h, int flags, const struct until *u, char **out,
		     size_t *len)
{
	int attempt, err = -EIO;

	for (attempt = 0; attempt < 2; attempt++) {
		struct fde *e = lookup(path, h, -1);
		int opened_now = 0;
		size_t n = 0;

		if (!e) {
			/* opened outside the lock: an open can take a while */
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return -errno;
			e = pseudo_fs(fd) ? lookup(path, h, fd) : NULL;
			if (!e || e->fd != fd) {
				/* not kept (another file system, or no room), or kept by another thread meanwhile */
				if (!e) {
					err = read_at0(fd, 0, 0, u, out, len);
					close(fd);
					return err;
				}
				close(fd);
			} else {
				opened_now = 1;
			}
		}
		pthread_mutex_lock(&e->lock);
		err = read_at0(e->fd, flags, e->hint, u, out, &n);
		if (!err)
			e->hint = n;
		pthread_mutex_unlock(&e->lock);
		/* a failed read drops the descriptor: the object went (ENODEV, ESRCH), or worse */
		release(e, err < 0);
		if (!err) {
			if (len)
				*len = n;
			return 0;
		}
		if (opened_now)
			break;	/* a descriptor opened just now failed: that is the answer */
	}
	return err;
}

void fdcache_forget_under(const char *dir)
{
	size_t n = strlen(dir);
	unsigned int i;

	if (!n)
		return;
	pthread_mutex_lock(&cache.lock);
	for (i = 0; i < cache.capacity; i++) {
		struct fde *e = cache.all[i];

		if (e && !strncmp(e->path, dir, n) && e->path[n] == '/')
			unlink_entry(e);
	}
	pthread_mutex_unlock(&cache.lock);
}

void fdcache_reset(unsigned int capacity)
{
	unsigned int i;

	pthread_mutex_lock(&cache.lock);
	for (i = 0; i < FDCACHE_MAX; i++)
		if (cache.all[i])
			unlink_entry(cache.all[i]);
	cache.hand = 0;
	cache.capacity = capacity > FDCACHE_MAX ? FDCACHE_MAX : capacity;
	pthread_mutex_unlock(&cache.lock);
}

unsigned int fdcache_count(void)
{
	unsigned int n;

	pthread_mutex_lock(&cache.lock);
	n = cache.count;
	pthread_mutex_unlock(&cache.lock);
	return n;
}
