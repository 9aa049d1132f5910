// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE view: names, attributes and directory listings. Inode numbers are a
 * pure function of the path (view_ino_of()), so a restarted agent answers
 * for the node ids the kernel already holds; sizes follow the longest text
 * rendered (see vf_note_length()).
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
#include "view/fuse_internal.h"

/* Remember a text's length: the size reported grows with the longest one. */
void vf_note_length(fuse_req_t req, fuse_ino_t ino, size_t len)
{
	struct view_fuse *vf = vf_of(req);
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
	struct view_fuse *vf = vf_of(req);
	uint64_t bound;

	if (ino < vf->ninodes && !vf->longest[ino]) {
		char *text = NULL;
		size_t len = 0;

		/* nothing rendered yet: render once for this reader to learn a length */
		if (vf_render_path(req, path, &text, &len) == 0)
			vf_note_length(req, ino, len);
		free(text);
	}
	bound = view_size_bound(ino < vf->ninodes ? vf->longest[ino] : 0);
	if (ino < vf->ninodes)
		vf->told[ino] = bound;
	return bound;
}

int vf_is_pressure(enum view_file_id id)
{
	return id == VF_PRESSURE_CPU || id == VF_PRESSURE_MEMORY || id == VF_PRESSURE_IO;
}

/* The view file at inode `ino`, or NULL (a directory, a topology file, nothing). */
const struct view_file *vf_file_of(fuse_ino_t ino)
{
	char path[256];

	return view_path_of(ino, path, sizeof(path)) == 0 ? view_file_by_path(path) : NULL;
}

/* The attributes of the view's node `ino` at `path`; -ENOENT if none. */
int vf_attr_of(fuse_req_t req, const char *path, fuse_ino_t ino, struct stat *st)
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
	if (vf && vf_is_pressure(vf->id))
		st->st_mode = S_IFREG | 0666;	/* as the kernel's: anyone may set a trigger */
	/*
	 * Not procfs's 0: sendfile/splice (busybox cat and cp) and mmap read
	 * through the page cache, which ends at the inode's size.
	 */
	st->st_size = (off_t)size_of(req, path, ino);
	return 0;
}

void vf_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
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
		err = vf_attr_of(req, path, e.ino, &e.attr);
	if (err < 0) {
		fuse_reply_err(req, -err);
		return;
	}
	e.attr_timeout = VIEW_TIMEOUT_S;
	e.entry_timeout = VIEW_TIMEOUT_S;
	fuse_reply_entry(req, &e);
}

void vf_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	char path[256];
	struct stat st;
	int err;

	(void)fi;
	err = view_path_of(ino, path, sizeof(path));
	if (!err)
		err = vf_attr_of(req, path, ino, &st);
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
	uint32_t bidx;      /* the budget it is charged to */
	size_t charged;     /* 0: none */
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

		if (vf_reader_owner(req, &owner) < 0)
			owner.slot = KAVA_NO_SLOT;
		n = view_visible_cpus(vf_source(req), &owner, fuse_req_ctx(req)->pid);
		for (i = 0; i < n; i++) {
			char name[32];

			snprintf(name, sizeof(name), "cpu%d", i);
			snprintf(child, sizeof(child), "%s/%s", path, name);
			list_add(req, l, name, view_ino_of(child));
		}
	}
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
		err = vf_attr_of(req, path, ino, &st);
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

/* Free a listing and give its bytes back to its container's budget. */
static void listing_release(fuse_req_t req, struct listing *l)
{
	if (l && l->charged)
		budget_uncharge(vf_of(req)->budgets, l->bidx, l->charged);
	listing_free(l);
}

void vf_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct listing *l = NULL;
	struct kava_owner owner;
	int err = make_listing(req, ino, &l);

	if (!err) {
		/* a listing is held like an open file's text: the same budget */
		size_t bytes = l->cap + l->ends_cap * sizeof(*l->ends) + BUDGET_FILE_OVERHEAD;

		l->bidx = vf_reader_budget(req, &owner);
		err = budget_charge(vf_of(req)->budgets, l->bidx, bytes);
		if (!err)
			l->charged = bytes;
	}
	if (!err) {
		fi->fh = handles_put(vf_handles(req), l);
		err = fi->fh ? 0 : -ENOMEM;
	}
	if (err) {
		listing_release(req, l);
		fuse_reply_err(req, -err);
		return;
	}
	if (fuse_reply_open(req, fi) != 0)	/* the opener was interrupted: no releasedir will come */
		listing_release(req, handles_take(vf_handles(req), fi->fh));
}

void vf_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			 struct fuse_file_info *fi)
{
	struct listing *l = handles_get(vf_handles(req), fi->fh), *fresh = NULL;
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
	vf_reply_copy(req, l->buf + off, end - (size_t)off);
	listing_free(fresh);
}

void vf_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	listing_release(req, handles_take(vf_handles(req), fi->fh));	/* NULL for an earlier agent's */
	fuse_reply_err(req, 0);
}
