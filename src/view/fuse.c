// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE view, on libfuse's low-level API. Each open() resolves the reader
 * to its container and renders the whole file once: every read() and seek
 * on that open file then sees one consistent snapshot. Files are direct_io,
 * so the page cache never hands one container's text to another. Inode
 * numbers are a pure function of the path (view_ino_of()), so a restarted
 * agent that takes over the same connection (view_fuse_handoff.c) answers
 * for the node ids the kernel already holds.
 */
#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "view/fuse.h"
#include "view/fuse_handoff.h"
#include "view/handles.h"
#include "view/reader.h"

/* The kernel re-asks after this long: cpuN directories differ per reader. */
#define VIEW_TIMEOUT_S 1.0

struct view_fuse {
	struct view_source *src;
	struct fuse_session *se;
	pthread_t thread;
	int mounted;      /* this agent mounted it (and unmounts it unless handed on) */
	int handed_on;    /* systemd holds the connection for the next agent */
	struct handle_table handles;   /* open files and directories */
	char mountpoint[4096];
};

struct snapshot {
	char *text;
	size_t len;
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

/* The attributes of the view's node `ino` at `path`; -ENOENT if none. */
static int attr_of(const char *path, fuse_ino_t ino, struct stat *st)
{
	const struct topology_file *tf;
	const struct view_file *vf;
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
	if (kind == CPU_PATH_TOPOLOGY_FILE) {
		st->st_size = 4096;	/* as sysfs reports every attribute */
		return 0;
	}
	if ((vf = view_file_by_path(path)) != NULL) {
		struct stat host;

		/* the size the real file reports: 0 in procfs, 4096 in sysfs (read until EOF) */
		if (stat(vf->host_path, &host) == 0)
			st->st_size = host.st_size;
		return 0;
	}
	return -ENOENT;
}

/*
 * Reply with a private copy of the bytes: the kernel completes the request
 * inside writev(), so the reader may close and its RELEASE free the snapshot
 * on another thread before writev() returns (sanitizers then read freed memory).
 */
static void reply_copy(fuse_req_t req, const char *data, size_t size)
{
	char *copy = size ? malloc(size) : NULL;

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
		err = attr_of(path, e.ino, &e.attr);
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
		err = attr_of(path, ino, &st);
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
		err = attr_of(path, ino, &st);
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

static void snapshot_free(struct snapshot *snap)
{
	if (snap) {
		free(snap->text);
		free(snap);
	}
}

/* Render file `ino` for the reader of `req`: the snapshot its reads will see. */
static int take_snapshot(fuse_req_t req, fuse_ino_t ino, struct snapshot **out)
{
	struct kava_owner owner;
	struct snapshot *snap;
	char path[256];
	int err;

	err = view_path_of(ino, path, sizeof(path));
	if (err < 0)
		return err;
	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return -ENOMEM;
	err = reader_owner(req, &owner);
	if (!err)
		err = content_for(req, path, &owner, &snap->text, &snap->len);
	if (err == -ENOENT && owner.slot != KAVA_NO_SLOT) {
		/* the container went away while we looked: the host's view, never an error */
		owner.slot = KAVA_NO_SLOT;
		err = content_for(req, path, &owner, &snap->text, &snap->len);
	}
	if (err == -ENXIO)
		err = -ENOENT;	/* a CPU this container does not see */
	if (err < 0) {
		free(snap);
		return err;
	}
	*out = snap;
	return 0;
}

static void view_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct snapshot *snap = NULL;
	int err;

	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	err = take_snapshot(req, ino, &snap);
	if (!err) {
		fi->fh = handles_put(handles(req), snap);
		err = fi->fh ? 0 : -ENOMEM;
	}
	if (err < 0) {
		snapshot_free(snap);
		fuse_reply_err(req, -err);
		return;
	}
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) != 0)	/* the opener was interrupted: no release will come */
		snapshot_free(handles_take(handles(req), fi->fh));
}

static void view_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct snapshot *snap = handles_get(handles(req), fi->fh), *fresh = NULL;
	int err;

	if (!snap) {
		/* opened under an earlier agent, whose snapshot is gone: render anew */
		err = take_snapshot(req, ino, &fresh);
		if (err < 0) {
			fuse_reply_err(req, -err);
			return;
		}
		snap = fresh;
	}
	if (off < 0)
		fuse_reply_err(req, EINVAL);
	else if ((size_t)off >= snap->len)
		fuse_reply_buf(req, NULL, 0);
	else
		reply_copy(req, snap->text + off,
			   size < snap->len - (size_t)off ? size : snap->len - (size_t)off);
	snapshot_free(fresh);
}

static void view_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	snapshot_free(handles_take(handles(req), fi->fh));	/* NULL for an earlier agent's */
	fuse_reply_err(req, 0);
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
	char *argv[] = { "kava", "-o", "allow_other,ro,default_permissions,fsname=kava,subtype=kava",
			 NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct view_fuse *vf;
	char devfd[32];
	int err, stored;

	vf = calloc(1, sizeof(*vf));
	if (!vf)
		return -ENOMEM;
	vf->src = src;
	err = handles_init(&vf->handles, 0);
	if (err < 0) {
		snprintf(why, why_size, "cannot set up file handles: %s", strerror(-err));
		free(vf);
		return err;
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
	handles_destroy(&vf->handles);
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
	fuse_session_destroy(vf->se);
	handles_destroy(&vf->handles);
	free(vf);
	return 0;
}
