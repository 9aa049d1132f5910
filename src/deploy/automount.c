// SPDX-License-Identifier: GPL-2.0
/* Attaching the view in automatically enabled containers when they are ready (automount.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/path.h"
#include "deploy/attach.h"
#include "deploy/automount.h"
#include "view/tmpfs.h"

struct waiting {
	uint64_t id;
	char *path;                 /* absolute cgroup directory, for logs and pids */
	struct waiting *next;
};

struct automount {
	struct auto_bpf *bpf;
	const char *view_dir;
	const struct view_source *tmpfs_src;
	struct waiting *list;
	unsigned int n;
};

struct automount *automount_new(struct auto_bpf *bpf, const char *view_dir,
				const struct view_source *tmpfs_src)
{
	struct automount *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->bpf = bpf;
	m->view_dir = view_dir;
	m->tmpfs_src = tmpfs_src;
	return m;
}

static struct waiting **find(struct automount *m, uint64_t id)
{
	struct waiting **w;

	for (w = &m->list; *w; w = &(*w)->next)
		if ((*w)->id == id)
			return w;
	return NULL;
}

static void drop(struct automount *m, struct waiting **w)
{
	struct waiting *gone = *w;

	*w = gone->next;
	auto_bpf_watch(m->bpf, gone->id, 0);
	free(gone->path);
	free(gone);
	m->n--;
}

/* "8 mounted, 3 missing" and any failures, for the log line. */
static void summarize(const struct attach_report *rep, char *out, size_t size)
{
	int count[ATTACH_NOT_MOUNTED + 1] = { 0 };
	size_t i, o;

	for (i = 0; i < ATTACH_NTARGETS; i++)
		count[rep->result[i]]++;
	o = (size_t)snprintf(out, size, "%d mounted, %d replaced, %d current, %d missing",
			     count[ATTACH_MOUNTED], count[ATTACH_REPLACED], count[ATTACH_CURRENT],
			     count[ATTACH_MISSING]);
	for (i = 0; i < ATTACH_NTARGETS && o < size; i++)
		if (rep->result[i] == ATTACH_FAILED)
			o += (size_t)snprintf(out + o, size - o, "; failed %s: %s",
					      attach_targets[i].target, strerror(rep->err[i]));
}

/* Attach in pid's namespace; the container stops waiting either way. */
static void attach(struct automount *m, struct waiting **w, pid_t pid)
{
	struct attach_report rep;
	char root[PATH_MAX], why[PATH_MAX + 256], sum[1024];

	if (m->tmpfs_src)
		view_tmpfs_refresh(m->tmpfs_src, m->view_dir);
	if (attach_view_root(m->view_dir, pid, root, sizeof(root), why, sizeof(why)) < 0 ||
	    attach_view(root, pid, &rep, why, sizeof(why)) < 0) {
		fprintf(stderr, "kava: auto-mount: %s: %s\n", (*w)->path, why);
	} else {
		summarize(&rep, sum, sizeof(sum));
		fprintf(stderr, "kava: auto-mount: view attached in %s (pid %d): %s\n", (*w)->path,
			(int)pid, sum);
	}
	drop(m, w);
}

/* A process in the cgroup or, when it has none itself, in a descendant. */
static pid_t some_pid(const char *dir, int depth)
{
	char path[PATH_MAX + 32];
	struct dirent *d;
	pid_t pid;
	DIR *dh;

	pid = cgroup_first_pid(dir);
	if (pid || depth >= 4)
		return pid;
	dh = opendir(dir);
	while (dh && !pid && (d = readdir(dh))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		pid = some_pid(path, depth + 1);
	}
	if (dh)
		closedir(dh);
	return pid;
}

void automount_add(struct automount *m, uint64_t id, const char *abs_path)
{
	struct waiting *w, **at;
	pid_t pid;
	int err;

	if (find(m, id))
		return;
	w = calloc(1, sizeof(*w));
	if (w)
		w->path = strdup(abs_path);
	if (!w || !w->path) {
		free(w);
		fprintf(stderr, "kava: auto-mount: %s: out of memory\n", abs_path);
		return;
	}
	/* watch first, then look: an exec after the look is then never missed */
	err = auto_bpf_watch(m->bpf, id, 1);
	if (err < 0) {
		fprintf(stderr, "kava: auto-mount: %s: cannot watch it (%s); 'kava mount' it by "
			"hand\n", abs_path, strerror(-err));
		free(w->path);
		free(w);
		return;
	}
	w->id = id;
	w->next = m->list;
	m->list = w;
	m->n++;
	pid = some_pid(abs_path, 0);
	if (pid > 0 && attach_target_ready(pid) == 1) {
		at = find(m, id);
		if (at)
			attach(m, at, pid);
	}
}

void automount_exec(struct automount *m, uint64_t id, pid_t pid)
{
	struct waiting **w = find(m, id);

	if (w && attach_target_ready(pid) == 1)
		attach(m, w, pid);
}

void automount_remove(struct automount *m, uint64_t id)
{
	struct waiting **w = find(m, id);

	if (w)
		drop(m, w);
}

unsigned int automount_waiting(const struct automount *m)
{
	return m ? m->n : 0;
}

void automount_free(struct automount *m)
{
	if (!m)
		return;
	while (m->list)
		drop(m, &m->list);
	free(m);
}
