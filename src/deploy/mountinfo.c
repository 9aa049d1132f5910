// SPDX-License-Identifier: GPL-2.0
/*
 * Mounts on a target path, from mountinfo text (fs/proc_namespace.c,
 * show_mountinfo(): "id parent maj:min root mountpoint options [tags] -
 * fstype source superopts", with space, tab, newline and backslash written
 * as \ooo). No allocation and no stdio: kava's agent runs this in a child
 * forked from a multi-threaded process.
 */
#include <string.h>

#include "deploy/mountinfo.h"

struct mi_line {
	unsigned long id, parent;
	const char *point, *type, *source;
	size_t point_len, type_len, source_len;
};

/* The next space-separated field of [*p, end): its start and length. */
static const char *field(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *e;

	while (s < end && *s == ' ')
		s++;
	e = s;
	while (e < end && *e != ' ')
		e++;
	*len = (size_t)(e - s);
	*p = e;
	return s;
}

static int number(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!len)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Parse one line [s, end); 0 or -1 when it is not a mountinfo line. */
static int parse_line(const char *s, const char *end, struct mi_line *l)
{
	const char *p = s, *f;
	size_t len;

	f = field(&p, end, &len);
	if (number(f, len, &l->id) < 0)
		return -1;
	f = field(&p, end, &len);
	if (number(f, len, &l->parent) < 0)
		return -1;
	field(&p, end, &len);	/* maj:min */
	field(&p, end, &len);	/* root */
	l->point = field(&p, end, &l->point_len);
	for (;;) {	/* options, then optional tags up to the lone "-" */
		f = field(&p, end, &len);
		if (!len)
			return -1;
		if (len == 1 && *f == '-')
			break;
	}
	l->type = field(&p, end, &l->type_len);
	l->source = field(&p, end, &l->source_len);
	return l->point_len && l->type_len ? 0 : -1;
}

/* Does the escaped mount point equal the plain path (trailing slashes aside)? */
static int point_is(const struct mi_line *l, const char *path)
{
	const char *s = l->point, *end = l->point + l->point_len;
	size_t plen = strlen(path);

	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	while (s < end) {
		char c = *s;

		if (c == '\\' && end - s >= 4 && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			c = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			s++;
		}
		if (!plen || *path != c)
			return 0;
		path++;
		plen--;
	}
	return plen == 0;
}

static int is_view(const struct mi_line *l)
{
	if (l->type_len == 9 && !memcmp(l->type, "fuse.kava", 9))
		return 1;
	return l->type_len == 5 && !memcmp(l->type, "tmpfs", 5) && l->source_len == 4 &&
	       !memcmp(l->source, "kava", 4);
}

/*
 * Call fn for each line mounted at `target`, in file order; stop when it
 * returns non-zero and return that.
 */
static int each_at(const char *text, const char *target,
		   int (*fn)(const struct mi_line *l, const void *arg), const void *arg)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		struct mi_line l;
		int r;

		if (parse_line(line, end, &l) == 0 && point_is(&l, target)) {
			r = fn(&l, arg);
			if (r)
				return r;
		}
		line = eol ? eol + 1 : NULL;
	}
	return 0;
}

struct find {
	const char *text, *target;
	unsigned long id;          /* looking for: a mount with this parent / this id */
	struct mi_line found;
	int hit;
};

static int has_parent(const struct mi_line *l, const void *arg)
{
	const struct find *f = arg;

	return l->parent == f->id;
}

/* The topmost mount at target: the one no other mount at target sits on. */
static int top_candidate(const struct mi_line *l, const void *arg)
{
	struct find *f = (struct find *)arg;
	struct find child = { .id = l->id };

	if (each_at(f->text, f->target, has_parent, &child))
		return 0;
	f->found = *l;
	f->hit = 1;
	return 1;
}

static int with_id(const struct mi_line *l, const void *arg)
{
	struct find *f = (struct find *)arg;

	if (l->id != f->id)
		return 0;
	f->found = *l;
	f->hit = 1;
	return 1;
}

int mountinfo_view_layers(const char *mountinfo, const char *target)
{
	struct find f = { .text = mountinfo, .target = target };
	int layers = 0;

	if (!mountinfo || !target)
		return 0;
	each_at(mountinfo, target, top_candidate, &f);
	/* walk down the stack while the mounts are views; a loop cannot pass 64 */
	while (f.hit && is_view(&f.found) && layers < 64) {
		layers++;
		f.id = f.found.parent;
		f.hit = 0;
		each_at(mountinfo, target, with_id, &f);
	}
	return layers;
}

static int any(const struct mi_line *l, const void *arg)
{
	(void)l;
	(void)arg;
	return 1;
}

int mountinfo_has_mount(const char *mountinfo, const char *target)
{
	return mountinfo && target && each_at(mountinfo, target, any, NULL);
}
