// SPDX-License-Identifier: GPL-2.0
/* Cgroup files read once per pass (memo.h): an open-addressing table by path. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/memo.h"
#include "common/fdcache.h"

struct memo_entry {
	char *path;                    /* NULL: empty */
	char *text;                    /* NULL: no such file */
};

struct cg_memo {
	struct memo_entry e[MEMO_SLOTS];
	size_t used, reads, hits;
};

struct cg_memo *cg_memo_new(void)
{
	return calloc(1, sizeof(struct cg_memo));
}

void cg_memo_free(struct cg_memo *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < MEMO_SLOTS; i++) {
		free(m->e[i].path);
		free(m->e[i].text);
	}
	free(m);
}

/* A cgroup file, through a kept descriptor (fdcache.h); a removed one is not there. */
static int read_kernfs(const char *path, char **out)
{
	int err = fdcache_read(path, FDCACHE_ONE_RECORD, out, NULL);

	return err == -ENODEV ? -ENOENT : err;
}

/* FNV-1a */
static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)(h % MEMO_SLOTS);
}

static int copy_out(const char *text, char **out)
{
	if (!text)
		return -ENOENT;
	*out = strdup(text);
	return *out ? 0 : -ENOMEM;
}

int cg_memo_read(struct cg_memo *m, const char *dir, const char *name, char **out)
{
	char path[PATH_MAX + 64];
	struct memo_entry *e = NULL;
	char *text = NULL;
	size_t i, h;
	int err;

	*out = NULL;
	if (!dir[0])
		return -ENOENT;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (!m)
		return read_kernfs(path, out);
	h = hash(path);
	for (i = 0; i < MEMO_SLOTS; i++) {
		e = &m->e[(h + i) % MEMO_SLOTS];
		if (!e->path || !strcmp(e->path, path))
			break;
	}
	if (i < MEMO_SLOTS && e->path) {
		m->hits++;
		return copy_out(e->text, out);
	}
	m->reads++;
	err = read_kernfs(path, &text);
	if (err < 0 && err != -ENOENT)
		return err;	/* not remembered: another error may pass */
	/* keep it while there is room (3/4 full at most: probes stay short) */
	if (i < MEMO_SLOTS && m->used < MEMO_SLOTS * 3 / 4 && (e->path = strdup(path)) != NULL) {
		e->text = text;
		m->used++;
		return copy_out(text, out);
	}
	*out = text;
	return err;
}

void cg_memo_stats(const struct cg_memo *m, size_t *reads, size_t *hits)
{
	*reads = m ? m->reads : 0;
	*hits = m ? m->hits : 0;
}
