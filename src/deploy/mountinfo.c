// SPDX-License-Identifier: GPL-2.0
/*
 * View mounts stacked on a target, from mountinfo text read with the one
 * mountinfo parser (common/mountinfo.c). A mount stacked on another at the
 * same mount point has the lower one's id as its parent id
 * (fs/proc_namespace.c, show_mountinfo()).
 */
#include <stdlib.h>
#include <string.h>

#include "common/mountinfo.h"
#include "deploy/mountinfo.h"

#define MAX_AT 64                 /* mounts stacked on one path that are looked at */

struct at {
	unsigned long id, parent;
	int view;
};

static int is_view(const struct mountinfo_entry *e)
{
	return !strcmp(e->fstype, "fuse.kava") ||
	       (!strcmp(e->fstype, "tmpfs") && !strcmp(e->source, "kava"));
}

/* The mounts at target, in file order; how many. */
static int collect(const char *mountinfo, const char *target, struct at *out)
{
	struct mountinfo_entry *e = malloc(sizeof(*e));
	const char *cur = mountinfo;
	int n = 0;

	if (!e)
		return 0;
	while (n < MAX_AT && mountinfo_next(&cur, e)) {
		if (!mountinfo_same_path(e->mountpoint, target))
			continue;
		out[n].id = e->id;
		out[n].parent = e->parent;
		out[n].view = is_view(e);
		n++;
	}
	free(e);
	return n;
}

int mountinfo_view_layers(const char *mountinfo, const char *target)
{
	struct at at[MAX_AT];
	int n, i, j, top = -1, layers = 0;

	if (!mountinfo || !target)
		return 0;
	n = collect(mountinfo, target, at);
	/* the topmost: the one no other mount at target sits on */
	for (i = 0; i < n && top < 0; i++) {
		for (j = 0; j < n && at[j].parent != at[i].id; j++)
			;
		if (j == n)
			top = i;
	}
	/* down the stack while the mounts are views */
	while (top >= 0 && at[top].view && layers < MAX_AT) {
		layers++;
		for (j = 0; j < n && at[j].id != at[top].parent; j++)
			;
		top = j < n ? j : -1;
	}
	return layers;
}

int mountinfo_has_mount(const char *mountinfo, const char *target)
{
	struct at at[MAX_AT];

	return mountinfo && target && collect(mountinfo, target, at) > 0;
}
