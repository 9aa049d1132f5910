// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE view. Each open() resolves the reader to its container and
 * renders the whole file once: every read() and seek on that open file
 * then sees one consistent snapshot. Files are direct_io, so the page cache
 * never hands one container's text to another.
 */
#include <errno.h>
#include <fuse.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "view_fuse.h"
#include "view_reader.h"

struct view_fuse {
	struct view_source *src;
	struct fuse *fuse;
	pthread_t thread;
	int mounted;
	char mountpoint[4096];
};

struct snapshot {
	char *text;
	size_t len;
};

static struct view_source *source(void)
{
	return ((struct view_fuse *)fuse_get_context()->private_data)->src;
}

static void *view_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->entry_timeout = 1.0;
	cfg->attr_timeout = 1.0;
	cfg->negative_timeout = 0;	/* cpuN directories differ per reader */
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	return fuse_get_context()->private_data;
}

static int reader_owner(struct kava_owner *owner)
{
	struct view_source *src = source();

	return view_reader_resolve(src->st, src->cgroup2_mount, fuse_get_context()->pid, owner);
}

static int view_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	const struct topology_file *tf;
	const struct view_file *vf;
	enum cpu_path_kind kind;
	int cpu;

	(void)fi;
	memset(st, 0, sizeof(*st));
	path++;	/* skip the leading '/' */
	kind = view_cpu_path(path, &cpu, &tf);
	if (view_is_dir(path) || kind == CPU_PATH_DIR || kind == CPU_PATH_TOPOLOGY_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	}
	if (kind == CPU_PATH_TOPOLOGY_FILE) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = 4096;	/* as sysfs reports every attribute */
		return 0;
	}
	if ((vf = view_file_by_path(path)) != NULL) {
		struct stat host;

		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		/* the size the real file reports: 0 in procfs, 4096 in sysfs (read until EOF) */
		if (stat(vf->host_path, &host) == 0)
			st->st_size = host.st_size;
		return 0;
	}
	return -ENOENT;
}

static int fill_cpu_dirs(void *buf, fuse_fill_dir_t filler)
{
	struct view_source *src = source();
	struct kava_owner owner;
	char name[32];
	int n, i;

	if (reader_owner(&owner) < 0)
		owner.slot = KAVA_NO_SLOT;
	n = view_visible_cpus(src, &owner, fuse_get_context()->pid);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "cpu%d", i);
		if (filler(buf, name, NULL, 0, 0))
			break;
	}
	return 0;
}

/* cpuN holds topology/, which holds the topology files. */
static int fill_cpu_path(const char *path, void *buf, fuse_fill_dir_t filler)
{
	const struct topology_file *tf;
	int cpu, i;

	switch (view_cpu_path(path, &cpu, &tf)) {
	case CPU_PATH_DIR:
		filler(buf, ".", NULL, 0, 0);
		filler(buf, "..", NULL, 0, 0);
		filler(buf, "topology", NULL, 0, 0);
		return 0;
	case CPU_PATH_TOPOLOGY_DIR:
		filler(buf, ".", NULL, 0, 0);
		filler(buf, "..", NULL, 0, 0);
		for (i = 0; i < TOPOLOGY_FILE_COUNT; i++)
			filler(buf, topology_files[i].name, NULL, 0, 0);
		return 0;
	case CPU_PATH_TOPOLOGY_FILE:
		return -ENOTDIR;
	default:
		return -ENOENT;
	}
}

static int view_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
			struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	size_t plen;
	int i;

	(void)off;
	(void)fi;
	(void)flags;
	path++;
	if (!view_is_dir(path))
		return fill_cpu_path(path, buf, filler);
	plen = strlen(path);
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	/* direct children: sub-directories, then files */
	for (i = 1; view_dirs[i]; i++) {
		const char *d = view_dirs[i];

		if (plen ? (!strncmp(d, path, plen) && d[plen] == '/' && !strchr(d + plen + 1, '/'))
			 : !strchr(d, '/'))
			filler(buf, plen ? d + plen + 1 : d, NULL, 0, 0);
	}
	for (i = 0; i < VF_COUNT; i++) {
		const char *f = view_files[i].path;

		if (!strncmp(f, path, plen) && f[plen] == '/' && !strchr(f + plen + 1, '/'))
			filler(buf, f + plen + 1, NULL, 0, 0);
	}
	if (!strcmp(path, VIEW_CPU_DIR))
		fill_cpu_dirs(buf, filler);
	return 0;
}

/* The text of the view's file at `path` (no leading slash) for `owner`. */
static int content_for(const char *path, const struct kava_owner *owner, char **text, size_t *len)
{
	const struct view_file *vf = view_file_by_path(path);
	const struct topology_file *tf;
	pid_t reader = fuse_get_context()->pid;
	int cpu;

	if (vf)
		return view_content(source(), vf->id, owner, reader, text, len);
	if (view_cpu_path(path, &cpu, &tf) == CPU_PATH_TOPOLOGY_FILE)
		return view_topology_content(source(), owner, reader, cpu, tf, text, len);
	return -ENOENT;
}

static int view_open(const char *path, struct fuse_file_info *fi)
{
	struct kava_owner owner;
	struct snapshot *snap;
	int err;

	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return -ENOMEM;
	err = reader_owner(&owner);
	if (err < 0)
		goto fail;
	path++;
	err = content_for(path, &owner, &snap->text, &snap->len);
	if (err == -ENOENT && owner.slot != KAVA_NO_SLOT) {
		/* the container went away while we looked: the host's view, never an error */
		owner.slot = KAVA_NO_SLOT;
		err = content_for(path, &owner, &snap->text, &snap->len);
	}
	if (err == -ENXIO)
		err = -ENOENT;	/* a CPU this container does not see */
	if (err < 0)
		goto fail;
	fi->fh = (uint64_t)(uintptr_t)snap;
	fi->direct_io = 1;
	return 0;
fail:
	free(snap);
	return err;
}

static int view_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct snapshot *snap = (struct snapshot *)(uintptr_t)fi->fh;

	(void)path;
	if (!snap || off < 0)
		return -EINVAL;
	if ((size_t)off >= snap->len)
		return 0;
	if (size > snap->len - (size_t)off)
		size = snap->len - (size_t)off;
	memcpy(buf, snap->text + off, size);
	return (int)size;
}

static int view_release(const char *path, struct fuse_file_info *fi)
{
	struct snapshot *snap = (struct snapshot *)(uintptr_t)fi->fh;

	(void)path;
	if (snap) {
		free(snap->text);
		free(snap);
	}
	return 0;
}

static const struct fuse_operations view_ops = {
	.init = view_init,
	.getattr = view_getattr,
	.readdir = view_readdir,
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

	fuse_loop_mt(vf->fuse, &cfg);
	return NULL;
}

/* A mount left by a dead agent answers ENOTCONN: detach it before mounting anew. */
static void detach_dead_mount(const char *mountpoint)
{
	struct stat st;

	if (stat(mountpoint, &st) < 0 && errno == ENOTCONN)
		umount2(mountpoint, MNT_DETACH);
}

int view_fuse_start(struct view_source *src, const char *mountpoint, struct view_fuse **out,
		    char *why, size_t why_size)
{
	char *argv[] = { "kava", "-o", "allow_other,ro,default_permissions,fsname=kava,subtype=kava",
			 NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct view_fuse *vf;
	int err;

	vf = calloc(1, sizeof(*vf));
	if (!vf)
		return -ENOMEM;
	vf->src = src;
	snprintf(vf->mountpoint, sizeof(vf->mountpoint), "%s", mountpoint);
	detach_dead_mount(mountpoint);
	err = make_dirs(mountpoint, 0755);
	if (err < 0) {
		snprintf(why, why_size, "cannot create %s: %s", mountpoint, strerror(-err));
		goto fail;
	}
	vf->fuse = fuse_new(&args, &view_ops, sizeof(view_ops), vf);
	if (!vf->fuse) {
		err = -EIO;
		snprintf(why, why_size, "cannot set up FUSE (is /dev/fuse there?)");
		goto fail;
	}
	if (fuse_mount(vf->fuse, mountpoint) != 0) {
		err = -EIO;
		snprintf(why, why_size, "cannot mount the FUSE view on %s", mountpoint);
		goto fail;
	}
	vf->mounted = 1;
	err = -pthread_create(&vf->thread, NULL, serve, vf);
	if (err < 0) {
		snprintf(why, why_size, "cannot start the FUSE thread: %s", strerror(-err));
		goto fail;
	}
	fuse_opt_free_args(&args);
	*out = vf;
	return 0;
fail:
	if (vf->mounted)
		fuse_unmount(vf->fuse);
	if (vf->fuse)
		fuse_destroy(vf->fuse);
	fuse_opt_free_args(&args);
	free(vf);
	return err;
}

void view_fuse_stop(struct view_fuse *vf)
{
	struct timespec deadline;

	if (!vf)
		return;
	fuse_exit(vf->fuse);
	fuse_unmount(vf->fuse);	/* wakes the loop, unless the view is still mounted elsewhere */
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
		return;
	fuse_destroy(vf->fuse);
	free(vf);
}
