// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE view, on libfuse's low-level API. Each open() resolves the reader
 * to its container and renders the file; reads follow the kernel's seq_file
 * rules (readrule.h): a read from offset 0 renders afresh, later offsets
 * continue that text. Files are direct_io, so read(), pread() and readv()
 * never go through the page cache; splice/sendfile and mmap do (the kernel
 * reads those through the page cache even for direct_io files), so the view
 * reports a generous size and tells the kernel the real end with a short
 * read (see grow_size()). The pressure files take PSI triggers (see
 * view_write()); everything else is read-only. Inode
 * numbers are a pure function of the path (view_ino_of()), so a restarted
 * agent that takes over the same connection (view_fuse_handoff.c) answers
 * for the node ids the kernel already holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/util.h"
#include "metrics/viewstats.h"
#include "view/fuse.h"
#include "view/fuse_handoff.h"
#include "view/handles.h"
#include "view/reader.h"
#include "view/psi_trigger.h"
#include "view/readrule.h"

/* The kernel re-asks after this long: cpuN directories differ per reader. */
#define VIEW_TIMEOUT_S 1.0

struct view_fuse {
	struct view_source *src;
	struct fuse_session *se;
	pthread_t thread;
	int mounted;      /* this agent mounted it (and unmounts it unless handed on) */
	int handed_on;    /* systemd holds the connection for the next agent */
	struct handle_table handles;   /* open files and directories */
	/*
	 * Per inode: the longest text rendered so far (the size reported is
	 * view_size_bound() of it), and the size the kernel was last told or
	 * worked out itself from a short page-cache read (0: unknown).
	 */
	_Atomic uint64_t *longest, *told;
	uint64_t ninodes;
	/* PSI triggers: their kernel files in one epoll set, watched by psi_thread */
	pthread_mutex_t trig_lock;     /* trigger fields of every open file; releases */
	int epfd, stopfd;
	pthread_t psi_thread;
	int psi_running;
	uint32_t trig_serial;
	char mountpoint[4096];
};

/* An open file: the text its reads are answered from (readrule.h). */
struct open_file {
	pthread_mutex_t lock;      /* reads of one open file may run on several threads */
	char *text;
	size_t len;
	int open_text_unread;      /* text is open()'s, not yet read from offset 0 */
	uint64_t rendered_ns;
	/* a pressure file: its PSI trigger, under view_fuse.trig_lock */
	int pressure;              /* proc/pressure/{cpu,memory,io} */
	int trig_fd;               /* the kernel file the trigger is registered on; -1: none */
	uint32_t trig_serial;      /* tells this trigger's epoll events from a reused handle's */
	int trig_fired, trig_error;
	struct fuse_pollhandle *ph;   /* the reader's latest poll, to notify */
};

static struct view_source *source(fuse_req_t req)
{
	return ((struct view_fuse *)fuse_req_userdata(req))->src;
}

/* The container of the process making the request (view_reader_resolve()). */
static int reader_owner(fuse_req_t req, struct kava_owner *owner)
{
	struct view_source *src = source(req);

	return view_reader_resolve(src->st, src->cgroup2_mount, fuse_req_ctx(req)->pid, owner);
}

/*
 * Only what a read-only, direct_io view needs, whatever else the kernel
 * offers: the same set in every agent, so a restarted one agrees with what
 * the first one negotiated on the connection.
 */
static void view_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want &= FUSE_CAP_ASYNC_READ | FUSE_CAP_PARALLEL_DIROPS;
}

static struct view_fuse *view_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static int render_path(fuse_req_t req, const char *path, char **text, size_t *len);

/* Remember a text's length: the size reported grows with the longest one. */
static void note_length(fuse_req_t req, fuse_ino_t ino, size_t len)
{
	struct view_fuse *vf = view_of(req);
	uint64_t seen;

	if (ino >= vf->ninodes)
		return;
	seen = vf->longest[ino];
	while (seen < len && !atomic_compare_exchange_weak_explicit(&vf->longest[ino], &seen,
								      (uint64_t)len,
								      memory_order_relaxed,
								      memory_order_relaxed))
		;
}

/* The size to report for file `ino` at `path`: a bound over its texts (readrule.h). */
static uint64_t size_of(fuse_req_t req, const char *path, fuse_ino_t ino)
{
	struct view_fuse *vf = view_of(req);
	uint64_t bound;

	if (ino < vf->ninodes && !vf->longest[ino]) {
		char *text = NULL;
		size_t len = 0;

		/* nothing rendered yet: render once for this reader to learn a length */
		if (render_path(req, path, &text, &len) == 0)
			note_length(req, ino, len);
		free(text);
	}
	bound = view_size_bound(ino < vf->ninodes ? vf->longest[ino] : 0);
	if (ino < vf->ninodes)
		vf->told[ino] = bound;
	return bound;
}

static int is_pressure(enum view_file_id id)
{
	return id == VF_PRESSURE_CPU || id == VF_PRESSURE_MEMORY || id == VF_PRESSURE_IO;
}

/* The view file at inode `ino`, or NULL (a directory, a topology file, nothing). */
static const struct view_file *file_of(fuse_ino_t ino)
{
	char path[256];

	return view_path_of(ino, path, sizeof(path)) == 0 ? view_file_by_path(path) : NULL;
}

/* The attributes of the view's node `ino` at `path`; -ENOENT if none. */
static int attr_of(fuse_req_t req, const char *path, fuse_ino_t ino, struct stat *st)
{
	const struct view_file *vf = NULL;
	const struct topology_file *tf;
	enum cpu_path_kind kind;
	int cpu;

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	kind = view_cpu_path(path, &cpu, &tf);
	if (view_is_dir(path) || kind == CPU_PATH_DIR || kind == CPU_PATH_TOPOLOGY_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	}
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	if (kind != CPU_PATH_TOPOLOGY_FILE && !(vf = view_file_by_path(path)))
		return -ENOENT;
	if (vf && is_pressure(vf->id))
		st->st_mode = S_IFREG | 0666;	/* as the kernel's: anyone may set a trigger */
	/*
	 * Not procfs's 0: sendfile/splice (busybox cat and cp) and mmap read
	 * through the page cache, which ends at the inode's size.
	 */
	st->st_size = (off_t)size_of(req, path, ino);
	return 0;
}

/*
 * Reply with a private copy of the bytes: the kernel completes the request
 * inside writev(), so the reader may close and its RELEASE free the snapshot
 * on another thread before writev() returns (sanitizers then read freed memory).
 */
static void reply_copy(fuse_req_t req, const char *data, size_t size)
{
	char *copy;

	if (!data)
		size = 0;
	copy = size ? malloc(size) : NULL;

	if (size && !copy) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (size)
		memcpy(copy, data, size);
	fuse_reply_buf(req, copy, size);
	free(copy);
}

static void view_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	char dir[256], path[512];
	int err;

	memset(&e, 0, sizeof(e));
	err = view_path_of(parent, dir, sizeof(dir));
	if (!err && snprintf(path, sizeof(path), "%s%s%s", dir, dir[0] ? "/" : "", name) >=
			    (int)sizeof(path))
		err = -ENOENT;
	if (!err)
		e.ino = view_ino_of(path);
	if (!err && !e.ino)
		err = -ENOENT;
	if (!err)
		err = attr_of(req, path, e.ino, &e.attr);
	if (err < 0) {
		fuse_reply_err(req, -err);
		return;
	}
	e.attr_timeout = VIEW_TIMEOUT_S;
	e.entry_timeout = VIEW_TIMEOUT_S;
	fuse_reply_entry(req, &e);
}

static void view_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	char path[256];
	struct stat st;
	int err;

	(void)fi;
	err = view_path_of(ino, path, sizeof(path));
	if (!err)
		err = attr_of(req, path, ino, &st);
	if (err < 0)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, VIEW_TIMEOUT_S);
}

/* A directory listing, built at opendir so one readdir stream sees one list. */
struct listing {
	char *buf;          /* fuse_add_direntry() records, back to back */
	size_t len, cap;
	size_t *ends;       /* where entry i ends (and i + 1 starts) */
	size_t count, ends_cap;
};

static void listing_free(struct listing *l)
{
	if (l) {
		free(l->buf);
		free(l->ends);
		free(l);
	}
}

/* Append one entry; on allocation failure the listing stays shorter but whole. */
static void list_add(fuse_req_t req, struct listing *l, const char *name, uint64_t ino)
{
	struct stat st = { .st_ino = ino };
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);

	if (l->len + need > l->cap) {
		size_t cap = l->cap * 2 + need + 1024;
		char *grown = realloc(l->buf, cap);

		if (!grown)
			return;
		l->buf = grown;
		l->cap = cap;
	}
	if (l->count == l->ends_cap) {
		size_t cap = l->ends_cap * 2 + 16;
		size_t *grown = realloc(l->ends, cap * sizeof(*grown));

		if (!grown)
			return;
		l->ends = grown;
		l->ends_cap = cap;
	}
	/* an entry's offset is where the next one starts: readdir resumes there */
	fuse_add_direntry(req, l->buf + l->len, need, name, &st, (off_t)(l->len + need));
	l->len += need;
	l->ends[l->count++] = l->len;
}

static void list_dir(fuse_req_t req, const char *path, fuse_ino_t ino, struct listing *l)
{
	const struct topology_file *tf;
	size_t plen = strlen(path);
	char child[512];
	int i, cpu, n;

	list_add(req, l, ".", ino);
	list_add(req, l, "..", 1);
	switch (view_cpu_path(path, &cpu, &tf)) {
	case CPU_PATH_DIR:
		snprintf(child, sizeof(child), "%s/topology", path);
		list_add(req, l, "topology", view_ino_of(child));
		return;
	case CPU_PATH_TOPOLOGY_DIR:
		for (i = 0; i < TOPOLOGY_FILE_COUNT; i++) {
			snprintf(child, sizeof(child), "%s/%s", path, topology_files[i].name);
			list_add(req, l, topology_files[i].name, view_ino_of(child));
		}
		return;
	default:
		break;
	}
	/* direct children: sub-directories, then files */
	for (i = 1; view_dirs[i]; i++) {
		const char *d = view_dirs[i];

		if (plen ? (!strncmp(d, path, plen) && d[plen] == '/' && !strchr(d + plen + 1, '/'))
			 : !strchr(d, '/'))
			list_add(req, l, plen ? d + plen + 1 : d, view_ino_of(d));
	}
	for (i = 0; i < VF_COUNT; i++) {
		const char *f = view_files[i].path;

		if (!strncmp(f, path, plen) && f[plen] == '/' && !strchr(f + plen + 1, '/'))
			list_add(req, l, f + plen + 1, view_ino_of(f));
	}
	if (!strcmp(path, VIEW_CPU_DIR)) {
		struct kava_owner owner;

		if (reader_owner(req, &owner) < 0)
			owner.slot = KAVA_NO_SLOT;
		n = view_visible_cpus(source(req), &owner, fuse_req_ctx(req)->pid);
		for (i = 0; i < n; i++) {
			char name[32];

			snprintf(name, sizeof(name), "cpu%d", i);
			snprintf(child, sizeof(child), "%s/%s", path, name);
			list_add(req, l, name, view_ino_of(child));
		}
	}
}

static struct handle_table *handles(fuse_req_t req)
{
	return &((struct view_fuse *)fuse_req_userdata(req))->handles;
}

/* The listing of directory `ino` as this reader sees it; -errno if it is none. */
static int make_listing(fuse_req_t req, fuse_ino_t ino, struct listing **out)
{
	struct listing *l;
	char path[256];
	struct stat st;
	int err;

	err = view_path_of(ino, path, sizeof(path));
	if (!err)
		err = attr_of(req, path, ino, &st);
	if (!err && !S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	if (err < 0)
		return err;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	list_dir(req, path, ino, l);
	*out = l;
	return 0;
}

static void view_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct listing *l = NULL;
	int err = make_listing(req, ino, &l);

	if (!err) {
		fi->fh = handles_put(handles(req), l);
		err = fi->fh ? 0 : -ENOMEM;
	}
	if (err < 0) {
		listing_free(l);
		fuse_reply_err(req, -err);
		return;
	}
	if (fuse_reply_open(req, fi) != 0)	/* the opener was interrupted: no releasedir will come */
		listing_free(handles_take(handles(req), fi->fh));
}

static void view_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			 struct fuse_file_info *fi)
{
	struct listing *l = handles_get(handles(req), fi->fh), *fresh = NULL;
	size_t end, i;
	int err;

	if (!l) {
		/* opened under an earlier agent: list the directory anew */
		err = make_listing(req, ino, &fresh);
		if (err < 0) {
			fuse_reply_err(req, -err);
			return;
		}
		l = fresh;
	}
	if (off < 0 || (size_t)off >= l->len) {
		fuse_reply_buf(req, NULL, 0);
		listing_free(fresh);
		return;
	}
	/* whole entries only, from the one starting at off, while they fit */
	end = (size_t)off;
	for (i = 0; i < l->count; i++)
		if (l->ends[i] > (size_t)off && l->ends[i] - (size_t)off <= size)
			end = l->ends[i];
	reply_copy(req, l->buf + off, end - (size_t)off);
	listing_free(fresh);
}

static void view_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	listing_free(handles_take(handles(req), fi->fh));	/* NULL for an earlier agent's */
	fuse_reply_err(req, 0);
}

/* The text of the view's file at `path` for `owner`. */
static int content_for(fuse_req_t req, const char *path, const struct kava_owner *owner,
		       char **text, size_t *len)
{
	const struct view_file *vf = view_file_by_path(path);
	const struct topology_file *tf;
	pid_t reader = fuse_req_ctx(req)->pid;
	int cpu;

	if (vf)
		return view_content(source(req), vf->id, owner, reader, text, len);
	if (view_cpu_path(path, &cpu, &tf) == CPU_PATH_TOPOLOGY_FILE)
		return view_topology_content(source(req), owner, reader, cpu, tf, text, len);
	return -EISDIR;
}

/* Render the file at `path` for the reader of `req`. */
static int render_path(fuse_req_t req, const char *path, char **text, size_t *len)
{
	struct kava_owner owner;
	int err;

	*text = NULL;
	*len = 0;
	err = reader_owner(req, &owner);
	if (!err)
		err = content_for(req, path, &owner, text, len);
	if (err == -ENOENT && owner.slot != KAVA_NO_SLOT) {
		/* the container went away while we looked: the host's view, never an error */
		owner.slot = KAVA_NO_SLOT;
		err = content_for(req, path, &owner, text, len);
	}
	if (err == -ENXIO)
		err = -ENOENT;	/* a CPU this container does not see */
	return err;
}

/* Render file `ino` for the reader of `req`, and remember its length. */
static int render_ino(fuse_req_t req, fuse_ino_t ino, char **text, size_t *len)
{
	char path[256];
	int err;

	err = view_path_of(ino, path, sizeof(path));
	if (!err)
		err = render_path(req, path, text, len);
	if (!err)
		note_length(req, ino, *len);
	return err;
}

static void open_file_free(struct open_file *of)
{
	if (of) {
		if (of->trig_fd >= 0)
			close(of->trig_fd);	/* the kernel removes the trigger (and its epoll entry) */
		if (of->ph)
			fuse_pollhandle_destroy(of->ph);
		pthread_mutex_destroy(&of->lock);
		free(of->text);
		free(of);
	}
}

/*
 * Make sure the kernel's idea of the file's size covers this text, however
 * it grows until the reader is done: sendfile/splice and mmap read through
 * the page cache up to the inode's size only, and a short page-cache read
 * by an earlier reader shrank that size to its text's length (the kernel's
 * fuse_short_read()). Storing one byte at the bound's last offset grows the
 * size (fuse_notify_store()); the page it lands in is not marked up to date
 * and open() drops the file's cached pages anyway (no FOPEN_KEEP_CACHE).
 */
static void grow_size(fuse_req_t req, fuse_ino_t ino, size_t len)
{
	struct view_fuse *vf = view_of(req);
	uint64_t bound = view_size_bound(len);
	char zero = 0;
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(1);

	if (ino >= vf->ninodes || vf->told[ino] >= bound)
		return;
	buf.buf[0].mem = &zero;
	if (fuse_lowlevel_notify_store(vf->se, ino, (off_t)bound - 1, &buf, 0) == 0)
		vf->told[ino] = bound;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Release an open file: under trig_lock, so psi_thread never holds one being freed. */
static void release_handle(fuse_req_t req, uint64_t fh)
{
	struct view_fuse *vfu = view_of(req);
	struct open_file *of;

	pthread_mutex_lock(&vfu->trig_lock);
	of = handles_take(&vfu->handles, fh);
	pthread_mutex_unlock(&vfu->trig_lock);
	open_file_free(of);
}

static void view_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct view_file *vf = file_of(ino);
	uint64_t t0 = monotonic_ns();
	struct open_file *of;
	int err;

	/* written to: only the pressure files, which take PSI triggers */
	if ((fi->flags & O_ACCMODE) != O_RDONLY && !(vf && is_pressure(vf->id))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	of = calloc(1, sizeof(*of));
	if (!of || pthread_mutex_init(&of->lock, NULL) != 0) {
		free(of);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	of->trig_fd = -1;
	of->pressure = vf && is_pressure(vf->id);
	err = render_ino(req, ino, &of->text, &of->len);
	of->open_text_unread = 1;
	of->rendered_ns = now_ns();
	if (!err) {
		fi->fh = handles_put(handles(req), of);
		err = fi->fh ? 0 : -ENOMEM;
	}
	if (err < 0) {
		open_file_free(of);
		fuse_reply_err(req, -err);
		return;
	}
	grow_size(req, ino, of->len);
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) != 0)	/* the opener was interrupted: no release will come */
		release_handle(req, fi->fh);
	viewstats_fuse(VS_OP_OPEN, monotonic_ns() - t0);
}

/*
 * Answer a read from `text`. A read without a lock owner comes from the
 * page cache (readahead for splice/sendfile or mmap; direct_io reads always
 * carry one, fuse_send_read()): a short answer there makes the kernel cut
 * the inode's size to where the text ended.
 */
static void note_page_read(fuse_req_t req, fuse_ino_t ino, const struct fuse_file_info *fi,
			   off_t off, size_t size, size_t n)
{
	struct view_fuse *vf = view_of(req);

	if (!fi->lock_owner && n < size && ino < vf->ninodes)
		vf->told[ino] = (uint64_t)off + n;
}

static void reply_slice(fuse_req_t req, fuse_ino_t ino, const struct fuse_file_info *fi,
			const char *text, size_t len, off_t off, size_t size)
{
	size_t start, n = view_read_slice(len, off, size, &start);

	note_page_read(req, ino, fi, off, size, n);
	reply_copy(req, text + start, n);
}

static void view_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct open_file *of = handles_get(handles(req), fi->fh);
	uint64_t t0 = monotonic_ns();
	char *text = NULL;
	size_t len = 0;
	int err = 0;

	if (!of) {
		/* opened under an earlier agent, whose text is gone: render anew */
		err = off < 0 ? -EINVAL : render_ino(req, ino, &text, &len);
		if (err < 0)
			fuse_reply_err(req, -err);
		else
			reply_slice(req, ino, fi, text, len, off, size);
		free(text);
		return;
	}
	pthread_mutex_lock(&of->lock);
	switch (view_read_step(off, 1, of->open_text_unread, now_ns() - of->rendered_ns)) {
	case VIEW_READ_INVALID:
		err = -EINVAL;
		break;
	case VIEW_READ_RENDER:
		err = render_ino(req, ino, &text, &len);
		if (!err) {
			free(of->text);
			of->text = text;
			of->len = len;
			of->rendered_ns = now_ns();
		}
		break;
	case VIEW_READ_CONTINUE:
		break;
	}
	if (!err && off == 0)
		of->open_text_unread = 0;
	if (!err) {
		/* a copy, taken under the lock: once we reply, a RELEASE may free `of` */
		size_t start;

		len = view_read_slice(of->len, off, size, &start);
		text = len ? malloc(len) : NULL;
		if (len && !text)
			err = -ENOMEM;
		else if (len)
			memcpy(text, of->text + start, len);
	}
	pthread_mutex_unlock(&of->lock);
	if (err < 0) {
		fuse_reply_err(req, -err);
		return;
	}
	note_page_read(req, ino, fi, off, size, len);
	fuse_reply_buf(req, text, len);
	free(text);
	viewstats_fuse(VS_OP_READ, monotonic_ns() - t0);
}

static void view_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	release_handle(req, fi->fh);	/* nothing for an earlier agent's */
	fuse_reply_err(req, 0);
}

/* Does `pid` hold CAP_SYS_RESOURCE (psi_trigger_create()'s "privileged")? */
static int has_sys_resource(pid_t pid)
{
	char path[64], *status = NULL, *cap;
	unsigned long long eff = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, &status, NULL) == 0 && (cap = strstr(status, "\nCapEff:")) != NULL)
		eff = strtoull(cap + 9, NULL, 16);
	free(status);
	return (eff >> 24) & 1;	/* CAP_SYS_RESOURCE */
}

/*
 * A PSI trigger written to a pressure file (kernel/sched/psi.c psi_write():
 * one per open file, EBUSY for a second). It is checked as the kernel
 * checks it, then registered on the kernel file this reader's text comes
 * from (the container's cgroup <res>.pressure, the host's /proc/pressure
 * for readers outside containers), whose events psi_thread forwards as
 * POLLPRI (view_poll()). Closing the file removes it.
 */
static void view_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct view_fuse *vfu = view_of(req);
	const struct view_file *vf = file_of(ino);
	struct open_file *of = handles_get(handles(req), fi->fh);
	pid_t pid = fuse_req_ctx(req)->pid;
	struct kava_owner owner;
	struct psi_trigger trig;
	struct epoll_event ev = { .events = EPOLLPRI };
	char path[4096 + 32];
	int err, fd = -1;

	(void)off;
	if (!vf || !is_pressure(vf->id) || !of) {
		/* an earlier agent's file: its trigger went with that agent */
		fuse_reply_err(req, of ? EROFS : EBADF);
		return;
	}
	err = psi_trigger_parse(buf, size, has_sys_resource(pid), &trig);
	if (!err && reader_owner(req, &owner) < 0)
		owner.slot = KAVA_NO_SLOT;
	if (!err)
		err = view_pressure_source(vfu->src, vf->id, &owner, pid, path, sizeof(path));
	pthread_mutex_lock(&vfu->trig_lock);
	if (!err && (of->trig_fd >= 0 || of->trig_error))
		err = -EBUSY;
	if (!err) {
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		/* with its NUL: /proc/pressure drops the last byte written, cgroup files strip */
		if (fd < 0 || write(fd, trig.text, strlen(trig.text) + 1) < 0)
			err = -errno;
	}
	if (!err) {
		of->trig_serial = ++vfu->trig_serial;
		ev.data.u64 = (uint64_t)of->trig_serial << 32 | (uint32_t)fi->fh;
		if (epoll_ctl(vfu->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			err = -errno;
	}
	if (!err) {
		of->trig_fd = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&vfu->trig_lock);
	if (fd >= 0)
		close(fd);
	if (err < 0)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

/*
 * poll() of a view file. Pressure files answer as psi_trigger_poll() does:
 * POLLPRI once per trigger event, POLLERR|POLLPRI without a trigger; every
 * other file is always ready (DEFAULT_POLLMASK), as procfs and sysfs files.
 */
static void view_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		      struct fuse_pollhandle *ph)
{
	struct view_fuse *vfu = view_of(req);
	const struct view_file *vf = file_of(ino);
	unsigned int revents = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	struct open_file *of;

	if (vf && is_pressure(vf->id)) {
		pthread_mutex_lock(&vfu->trig_lock);
		of = handles_get(handles(req), fi->fh);
		if (!of || (of->trig_fd < 0 && !of->trig_error)) {
			revents |= POLLERR | POLLPRI;
		} else {
			if (of->trig_fired)
				revents |= POLLPRI;
			if (of->trig_error)
				revents |= POLLERR | POLLPRI;
			of->trig_fired = 0;
		}
		if (of && ph) {
			/* the kernel waits on the latest one: keep it for psi_thread */
			if (of->ph)
				fuse_pollhandle_destroy(of->ph);
			of->ph = ph;
			ph = NULL;
		}
		pthread_mutex_unlock(&vfu->trig_lock);
	}
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, revents);
}

/*
 * Forward trigger events: the kernel marks a trigger's file POLLPRI when the
 * stall crosses its threshold (psi_schedule_rtpoll_work()/window_update());
 * the reader waiting on the view's file is told through FUSE poll
 * notification, and its next poll sees POLLPRI.
 */
static void *psi_loop(void *arg)
{
	struct view_fuse *vfu = arg;
	struct epoll_event ev[16];
	int i, n;

	for (;;) {
		n = epoll_wait(vfu->epfd, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (i = 0; i < n; i++) {
			uint64_t fh = (uint64_t)vfu->handles.tag << 32 | (uint32_t)ev[i].data.u64;
			struct open_file *of;

			if (ev[i].data.u64 == UINT64_MAX)
				return NULL;	/* view_fuse_stop() */
			pthread_mutex_lock(&vfu->trig_lock);
			of = handles_get(&vfu->handles, fh);
			if (of && of->trig_fd >= 0 && of->trig_serial == ev[i].data.u64 >> 32) {
				of->trig_fired = 1;
				if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
					/* the cgroup went away: the trigger with it */
					of->trig_error = 1;
					epoll_ctl(vfu->epfd, EPOLL_CTL_DEL, of->trig_fd, NULL);
					close(of->trig_fd);
					of->trig_fd = -1;
				}
				if (of->ph)
					fuse_lowlevel_notify_poll(of->ph);
			}
			pthread_mutex_unlock(&vfu->trig_lock);
		}
	}
}

/* Everything but reading and PSI triggers: the view is read-only. */
static void deny_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			 struct fuse_file_info *fi)
{
	const struct view_file *vf = file_of(ino);
	char path[256];
	struct stat st;

	(void)attr;
	(void)fi;
	/*
	 * open(O_TRUNC) of a pressure file (a shell's "echo some ... > FILE"):
	 * procfs ignores the truncation, and so does the view
	 */
	if (vf && is_pressure(vf->id) && !(to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MTIME |
						      FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) &&
	    view_path_of(ino, path, sizeof(path)) == 0 && attr_of(req, path, ino, &st) == 0) {
		fuse_reply_attr(req, &st, VIEW_TIMEOUT_S);
		return;
	}
	fuse_reply_err(req, EROFS);
}

static void deny_entry(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent;
	(void)name;
	(void)mode;
	fuse_reply_err(req, EROFS);
}

static void deny_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       dev_t rdev)
{
	(void)rdev;
	deny_entry(req, parent, name, mode);
}

static void deny_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	deny_entry(req, parent, name, 0);
}

static void deny_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link;
	deny_entry(req, parent, name, 0);
}

static void deny_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
			const char *newname, unsigned int flags)
{
	(void)newparent;
	(void)newname;
	(void)flags;
	deny_entry(req, parent, name, 0);
}

static void deny_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino;
	deny_entry(req, newparent, newname, 0);
}

static void deny_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			struct fuse_file_info *fi)
{
	(void)fi;
	deny_entry(req, parent, name, mode);
}

static const struct fuse_lowlevel_ops view_ops = {
	.init = view_init,
	.lookup = view_lookup,
	.getattr = view_getattr,
	.opendir = view_opendir,
	.readdir = view_readdir,
	.releasedir = view_releasedir,
	.open = view_open,
	.read = view_read,
	.release = view_release,
	.write = view_write,
	.poll = view_poll,
	.setattr = deny_setattr,
	.mknod = deny_mknod,
	.mkdir = deny_entry,
	.unlink = deny_unlink,
	.rmdir = deny_unlink,
	.symlink = deny_symlink,
	.rename = deny_rename,
	.link = deny_link,
	.create = deny_create,
};

/*
 * A pool of threads serves the requests: with readers on several CPUs an
 * idle thread near the reader answers sooner than one loop that every
 * request must wake (measured by `make bench`). Renders share only the
 * path cache, which has its own lock.
 */
static void *serve(void *arg)
{
	struct view_fuse *vf = arg;
	struct fuse_loop_config cfg = { .clone_fd = 0, .max_idle_threads = 8 };

	fuse_session_loop_mt(vf->se, &cfg);
	return NULL;
}

static int psi_start(struct view_fuse *vf)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	int err = -pthread_mutex_init(&vf->trig_lock, NULL);

	if (err < 0)
		return err;
	vf->epfd = epoll_create1(EPOLL_CLOEXEC);
	vf->stopfd = eventfd(0, EFD_CLOEXEC);
	if (vf->epfd < 0 || vf->stopfd < 0 ||
	    epoll_ctl(vf->epfd, EPOLL_CTL_ADD, vf->stopfd, &ev) < 0)
		err = -errno;
	if (!err)
		err = -pthread_create(&vf->psi_thread, NULL, psi_loop, vf);
	vf->psi_running = !err;
	return err;
}

/* Stop the PSI thread; its epoll set and the lock go too. */
static void psi_stop(struct view_fuse *vf)
{
	uint64_t one = 1;

	if (vf->psi_running && write(vf->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(vf->psi_thread, NULL);
	vf->psi_running = 0;
	if (vf->epfd >= 0)
		close(vf->epfd);
	if (vf->stopfd >= 0)
		close(vf->stopfd);
	vf->epfd = vf->stopfd = -1;
	pthread_mutex_destroy(&vf->trig_lock);
}

/* A mount left by a dead agent answers ENOTCONN: detach it before mounting anew. */
static void detach_dead_mount(const char *mountpoint)
{
	struct stat st;

	if (stat(mountpoint, &st) < 0 && errno == ENOTCONN)
		umount2(mountpoint, MNT_DETACH);
}

/* A stored connection whose mount is still at `mountpoint`, or -1 (a stale one is closed). */
static int stored_connection(const char *mountpoint)
{
	char *mountinfo = NULL;
	int fd = fuse_handoff_take();

	if (fd < 0)
		return -1;
	/* mountinfo, never stat(): the view would ask us, and we do not serve yet */
	if (read_file("/proc/self/mountinfo", &mountinfo, NULL) < 0 ||
	    !fuse_handoff_is_view_mount(mountinfo, mountpoint)) {
		/* not ours any more (--mount changed, or unmounted): let the connection end */
		fprintf(stderr, "kava: run: the stored FUSE connection is not mounted at %s; "
			"mounting a new one\n", mountpoint);
		fuse_handoff_forget();
		close(fd);
		fd = -1;
	}
	free(mountinfo);
	return fd;
}

int view_fuse_start(struct view_source *src, const char *mountpoint, struct view_fuse **out,
		    char *why, size_t why_size)
{
	/*
	 * Not "ro": a read-only mount refuses O_RDWR opens before we see them,
	 * and the pressure files take PSI triggers. Every other write is
	 * refused here (EROFS), as it was by the mount.
	 */
	char *argv[] = { "kava", "-o", "allow_other,default_permissions,fsname=kava,subtype=kava",
			 NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct view_fuse *vf;
	char devfd[32];
	int err, stored = -1;

	vf = calloc(1, sizeof(*vf));
	if (!vf)
		return -ENOMEM;
	vf->src = src;
	vf->ninodes = view_ino_count();
	vf->longest = calloc(vf->ninodes, sizeof(*vf->longest));
	vf->told = calloc(vf->ninodes, sizeof(*vf->told));
	if (!vf->longest || !vf->told) {
		free(vf->longest);
		free(vf->told);
		free(vf);
		return -ENOMEM;
	}
	vf->epfd = vf->stopfd = -1;
	err = handles_init(&vf->handles, 0);
	if (err < 0) {
		snprintf(why, why_size, "cannot set up file handles: %s", strerror(-err));
		free(vf->longest);
		free(vf->told);
		free(vf);
		return err;
	}
	err = psi_start(vf);
	if (err < 0) {
		snprintf(why, why_size, "cannot start the PSI trigger thread: %s", strerror(-err));
		goto fail;
	}
	snprintf(vf->mountpoint, sizeof(vf->mountpoint), "%s", mountpoint);
	stored = stored_connection(mountpoint);
	if (stored < 0) {
		detach_dead_mount(mountpoint);
		err = make_dirs(mountpoint, 0755);
		if (err < 0) {
			snprintf(why, why_size, "cannot create %s: %s", mountpoint, strerror(-err));
			goto fail;
		}
	}
	vf->se = fuse_session_new(&args, &view_ops, sizeof(view_ops), vf);
	if (!vf->se) {
		err = -EIO;
		snprintf(why, why_size, "cannot set up FUSE (is /dev/fuse there?)");
		goto fail;
	}
	if (stored >= 0) {
		/* libfuse takes a descriptor as the mount point "/dev/fd/N" */
		snprintf(devfd, sizeof(devfd), "/dev/fd/%d", stored);
		if (fuse_session_mount(vf->se, devfd) != 0) {
			err = -EIO;
			snprintf(why, why_size, "cannot take over the stored FUSE connection");
			goto fail;
		}
		stored = -1;	/* the session owns it now */
		fuse_handoff_adopt(vf->se);
		vf->handed_on = 1;	/* it came from the store, and stays there */
		fprintf(stderr, "kava: run: took over the FUSE view at %s from the previous agent\n",
			mountpoint);
	} else {
		if (fuse_session_mount(vf->se, mountpoint) != 0) {
			err = -EIO;
			snprintf(why, why_size, "cannot mount the FUSE view on %s", mountpoint);
			goto fail;
		}
		vf->mounted = 1;
		vf->handed_on = fuse_handoff_store(fuse_session_fd(vf->se));
	}
	err = -pthread_create(&vf->thread, NULL, serve, vf);
	if (err < 0) {
		snprintf(why, why_size, "cannot start the FUSE thread: %s", strerror(-err));
		goto fail;
	}
	fuse_opt_free_args(&args);
	*out = vf;
	return 0;
fail:
	if (stored >= 0)
		close(stored);
	if (vf->mounted)
		fuse_session_unmount(vf->se);
	if (vf->se)
		fuse_session_destroy(vf->se);
	fuse_opt_free_args(&args);
	psi_stop(vf);
	handles_destroy(&vf->handles);
	free(vf->longest);
	free(vf->told);
	free(vf);
	return err;
}

int view_fuse_stop(struct view_fuse *vf)
{
	struct timespec deadline;

	if (!vf)
		return 0;
	fuse_session_exit(vf->se);
	if (vf->handed_on) {
		/*
		 * systemd holds the connection: leave the mount for the next
		 * agent. Readers wait for it; a request this agent read but
		 * does not answer before it exits is resent to the next one
		 * (fuse_handoff_adopt()).
		 */
		return 1;
	}
	fuse_session_unmount(vf->se);	/* wakes the loop, unless the view is still mounted elsewhere */
	/*
	 * Bind mounts of the view inside containers keep the FUSE connection
	 * alive, so the serving threads may never see the unmount. Wait a
	 * moment, then leave them: the kernel ends the connection when this
	 * process exits and closes /dev/fuse (those containers then read
	 * ENOTCONN until 'kava mount' again; the tmpfs view does not have this).
	 */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 1;
	if (pthread_timedjoin_np(vf->thread, NULL, &deadline) != 0)
		return 1;
	psi_stop(vf);
	fuse_session_destroy(vf->se);
	handles_destroy(&vf->handles);
	free(vf->longest);
	free(vf->told);
	free(vf);
	return 0;
}
