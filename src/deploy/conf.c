// SPDX-License-Identifier: GPL-2.0
/* kava.conf and --auto rules (see conf.h). Pure: no file access but conf_parse_file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "deploy/conf.h"
#include "deploy/glob.h"

void conf_init(struct kava_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->auto_mount = CONF_UNSET;
	c->log_events = CONF_UNSET;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Copy [s, s+n) into out (NUL-terminated); -1 when it does not fit. */
static int copy_span(char *out, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* What may follow a rule's pattern. */
struct rule_opts {
	const char *policy;        /* NULL: none */
	size_t polen;
	unsigned int view_files, view_rate;   /* 0: unset */
};

int conf_number(const char *v, size_t n, unsigned long max, unsigned int *out)
{
	unsigned long x = 0;
	size_t i;

	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9' && x <= max; i++)
		x = x * 10 + (unsigned long)(v[i] - '0');
	if (!n || i != n || x < 1 || x > max)
		return -1;
	*out = (unsigned int)x;
	return 0;
}

static int add_rule(struct kava_conf *c, const char *pattern, size_t plen,
		    const struct rule_opts *o, const char *origin, char *why, size_t why_size)
{
	const char *policy = o ? o->policy : NULL;
	size_t polen = o ? o->polen : 0;
	struct auto_rule *r;
	const char *bad;

	if (c->nr_rules == CONF_MAX_RULES) {
		snprintf(why, why_size, "too many auto rules (at most %d)", CONF_MAX_RULES);
		return -EINVAL;
	}
	r = &c->rules[c->nr_rules];
	memset(r, 0, sizeof(*r));
	if (plen && *pattern == '!') {
		r->exclude = 1;
		pattern++;
		plen--;
	}
	while (plen && *pattern == '/') {	/* relative to the cgroup2 mount either way */
		pattern++;
		plen--;
	}
	if (copy_span(r->pattern, sizeof(r->pattern), pattern, plen) < 0) {
		snprintf(why, why_size, "pattern longer than %d bytes", CONF_PATTERN_MAX - 1);
		return -EINVAL;
	}
	bad = glob_check(r->pattern);
	if (bad) {
		snprintf(why, why_size, "bad pattern '%.200s': %s", r->pattern, bad);
		return -EINVAL;
	}
	if (o && (policy || o->view_files || o->view_rate) && r->exclude) {
		snprintf(why, why_size, "an exclusion ('!%.200s') takes no options", r->pattern);
		return -EINVAL;
	}
	if (o) {
		r->view_files = o->view_files;
		r->view_rate = o->view_rate;
	}
	if (policy && (copy_span(r->policy, sizeof(r->policy), policy, polen) < 0 || !polen)) {
		snprintf(why, why_size, "policy=FILE needs a file name shorter than %d bytes",
			 CONF_PATH_MAX);
		return -EINVAL;
	}
	snprintf(r->origin, sizeof(r->origin), "%s", origin);
	c->nr_rules++;
	return 0;
}

static const struct conf_preset *find_preset(const char *name, size_t len)
{
	const struct conf_preset *p;

	for (p = conf_presets; p->name; p++)
		if (strlen(p->name) == len && !memcmp(p->name, name, len))
			return p;
	return NULL;
}

/* "preset:a,b": every pattern of each named preset. */
static int add_presets(struct kava_conf *c, const char *list, size_t len, char *why,
		       size_t why_size)
{
	const char *s = list, *end = list + len;

	if (!len) {
		snprintf(why, why_size, "preset: needs a name (docker, podman, containerd, crio, "
			 "kubernetes, lxc, nspawn)");
		return -EINVAL;
	}
	while (s <= end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		size_t n = comma ? (size_t)(comma - s) : (size_t)(end - s);
		const struct conf_preset *p = find_preset(s, n);
		char origin[64];
		int i, err;

		if (!p) {
			snprintf(why, why_size, "unknown preset '%.*s' (docker, podman, containerd, "
				 "crio, kubernetes, lxc, nspawn)", (int)(n > 64 ? 64 : n), s);
			return -EINVAL;
		}
		snprintf(origin, sizeof(origin), "preset %s", p->name);
		for (i = 0; p->patterns[i]; i++) {
			const char *pat = p->patterns[i];
			int inner = *pat == '>';

			err = add_rule(c, pat + inner, strlen(pat + inner), NULL, origin, why,
				       why_size);
			if (err)
				return err;
			c->rules[c->nr_rules - 1].inner = inner;
		}
		s += n + 1;
	}
	return 0;
}

/* One "NAME=VALUE" option after a pattern, [tok, e). */
static int parse_rule_opt(const char *tok, const char *e, struct rule_opts *o, char *why,
			  size_t why_size)
{
	size_t n = (size_t)(e - tok);
	const char *eq = memchr(tok, '=', n);
	size_t klen = eq ? (size_t)(eq - tok) : n, vlen = eq ? (size_t)(e - eq - 1) : 0;
	unsigned int *num = NULL;
	unsigned long max = 0;

#define OPT(k) (eq && klen == sizeof(k) - 1 && !memcmp(tok, k, klen))
	if (OPT("policy")) {
		if (o->policy) {
			snprintf(why, why_size, "policy= given twice");
			return -EINVAL;
		}
		o->policy = eq + 1;
		o->polen = vlen;
		return 0;
	}
	if (OPT("view-files")) {
		num = &o->view_files;
		max = CONF_VIEW_FILES_MAX;
	} else if (OPT("view-rate")) {
		num = &o->view_rate;
		max = CONF_VIEW_RATE_MAX;
	}
#undef OPT
	if (!num) {
		snprintf(why, why_size, "unexpected '%.*s' after the pattern (policy=FILE, "
			 "view-files=N, view-rate=N)", (int)(n > 64 ? 64 : n), tok);
		return -EINVAL;
	}
	if (*num || conf_number(eq + 1, vlen, max, num) < 0) {
		snprintf(why, why_size, "%.*s= takes a number from 1 to %lu, once", (int)klen, tok,
			 max);
		return -EINVAL;
	}
	return 0;
}

/* The value of one auto rule: [s, s+len), already trimmed. */
static int parse_auto(struct kava_conf *c, const char *s, size_t len, const char *origin,
		      char *why, size_t why_size)
{
	const char *end = s + len, *tok = s;
	struct rule_opts o = { 0 };
	size_t plen;
	int any = 0;

	while (tok < end && !is_space(*tok))
		tok++;
	plen = (size_t)(tok - s);
	for (;;) {
		const char *e;

		while (tok < end && is_space(*tok))
			tok++;
		if (tok >= end)
			break;
		e = tok;
		while (e < end && !is_space(*e))
			e++;
		if (parse_rule_opt(tok, e, &o, why, why_size) < 0)
			return -EINVAL;
		any = 1;
		tok = e;
	}
	if (plen >= 7 && !memcmp(s, "preset:", 7)) {
		if (any) {
			snprintf(why, why_size, "a preset takes no options: name its patterns one by one");
			return -EINVAL;
		}
		return add_presets(c, s + 7, plen - 7, why, why_size);
	}
	if (!plen) {
		snprintf(why, why_size, "auto needs a PATTERN");
		return -EINVAL;
	}
	return add_rule(c, s, plen, &o, origin, why, why_size);
}

int conf_add_auto(struct kava_conf *c, const char *value, const char *origin, char *why,
		  size_t why_size)
{
	size_t len = strlen(value);

	while (len && is_space(*value)) {
		value++;
		len--;
	}
	while (len && is_space(value[len - 1]))
		len--;
	return parse_auto(c, value, len, origin, why, why_size);
}

static int parse_bool(const char *v, size_t n, int *out)
{
	if ((n == 3 && !memcmp(v, "yes", 3)) || (n == 4 && !memcmp(v, "true", 4)) ||
	    (n == 1 && *v == '1'))
		*out = CONF_YES;
	else if ((n == 2 && !memcmp(v, "no", 2)) || (n == 5 && !memcmp(v, "false", 5)) ||
		 (n == 1 && *v == '0'))
		*out = CONF_NO;
	else
		return -1;
	return 0;
}

/* One "key = value" with both sides trimmed; the reason in why. */
static int parse_setting(struct kava_conf *c, const char *key, size_t klen, const char *v,
			 size_t vlen, const char *origin, char *why, size_t why_size)
{
#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(key, k, klen))
	if (KEY("auto"))
		return parse_auto(c, v, vlen, origin, why, why_size);
	if (KEY("auto-mount") || KEY("log-events")) {
		if (parse_bool(v, vlen, KEY("auto-mount") ? &c->auto_mount : &c->log_events) < 0) {
			snprintf(why, why_size, "%.*s takes yes or no", (int)klen, key);
			return -EINVAL;
		}
		return 0;
	}
	if (KEY("view")) {
		if ((vlen == 4 && (!memcmp(v, "fuse", 4) || !memcmp(v, "none", 4))) ||
		    (vlen == 5 && !memcmp(v, "tmpfs", 5)))
			return copy_span(c->view, sizeof(c->view), v, vlen);
		snprintf(why, why_size, "view takes fuse, tmpfs or none");
		return -EINVAL;
	}
	if (KEY("mount")) {
		if (!vlen || *v != '/' || copy_span(c->mount, sizeof(c->mount), v, vlen) < 0) {
			snprintf(why, why_size, "mount takes an absolute directory");
			return -EINVAL;
		}
		return 0;
	}
	if (KEY("view-files") || KEY("view-rate")) {
		int files = KEY("view-files");
		unsigned long max = files ? CONF_VIEW_FILES_MAX : CONF_VIEW_RATE_MAX;

		if (conf_number(v, vlen, max, files ? &c->view_files : &c->view_rate) < 0) {
			snprintf(why, why_size, "%.*s takes a number from 1 to %lu", (int)klen, key, max);
			return -EINVAL;
		}
		return 0;
	}
	if (KEY("tmpfs-refresh")) {
		if ((vlen == 7 && !memcmp(v, "on-open", 7)) || (vlen == 8 && !memcmp(v, "periodic", 8)))
			return copy_span(c->tmpfs_refresh, sizeof(c->tmpfs_refresh), v, vlen);
		snprintf(why, why_size, "tmpfs-refresh takes on-open or periodic");
		return -EINVAL;
	}
	if (KEY("period")) {
		unsigned long ms = 0;
		size_t i;

		for (i = 0; i < vlen && v[i] >= '0' && v[i] <= '9' && ms <= 3600000; i++)
			ms = ms * 10 + (unsigned long)(v[i] - '0');
		if (!vlen || i != vlen || ms < 10 || ms > 3600000) {
			snprintf(why, why_size, "period takes milliseconds from 10 to 3600000");
			return -EINVAL;
		}
		c->period_ms = (unsigned int)ms;
		return 0;
	}
#undef KEY
	snprintf(why, why_size, "unknown key '%.*s' (auto, auto-mount, view, mount, period, "
		 "tmpfs-refresh, log-events, view-files, view-rate)", (int)(klen > 64 ? 64 : klen),
		 key);
	return -EINVAL;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

int conf_parse(const char *text, size_t len, const char *file, struct kava_conf *c, char *why,
	       size_t why_size)
{
	const char *p = text, *end = text + len;
	unsigned int line = 0;
	char reason[512], origin[64];

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *e, *hash, *eq, *k, *ke;

		line++;
		e = eol ? eol : end;
		if (memchr(p, '\0', (size_t)(e - p))) {
			snprintf(why, why_size, "%s:%u: NUL byte in the file", file, line);
			return -EINVAL;
		}
		hash = memchr(p, '#', (size_t)(e - p));
		if (hash)
			e = hash;
		trim(&p, &e);
		if (p < e) {
			eq = memchr(p, '=', (size_t)(e - p));
			if (!eq) {
				snprintf(why, why_size, "%s:%u: expected 'key = value'", file, line);
				return -EINVAL;
			}
			k = p;
			ke = eq;
			trim(&k, &ke);
			eq++;
			trim(&eq, &e);
			snprintf(origin, sizeof(origin), "%.40s:%u", file, line);
			if (parse_setting(c, k, (size_t)(ke - k), eq, (size_t)(e - eq), origin, reason,
					  sizeof(reason)) < 0) {
				snprintf(why, why_size, "%s:%u: %s", file, line, reason);
				return -EINVAL;
			}
		}
		p = eol ? eol + 1 : end;
	}
	return 0;
}

int conf_parse_file(const char *path, struct kava_conf *c, char *why, size_t why_size)
{
	char *text = NULL;
	size_t len = 0;
	int err = read_file(path, &text, &len);

	if (err < 0) {
		snprintf(why, why_size, "%s:0: cannot read: %s", path, strerror(-err));
		return err;
	}
	if (len > CONF_MAX_TEXT) {
		free(text);
		snprintf(why, why_size, "%s:0: larger than %d bytes", path, CONF_MAX_TEXT);
		return -EFBIG;
	}
	err = conf_parse(text, len, path, c, why, why_size);
	free(text);
	return err;
}

int conf_match(const struct kava_conf *c, const char *path)
{
	unsigned int i;
	int first = -1;

	for (i = 0; i < c->nr_rules; i++) {
		if (!glob_match(c->rules[i].pattern, path))
			continue;
		if (c->rules[i].exclude)
			return -1;
		if (first < 0)
			first = (int)i;
	}
	return first;
}

int conf_outer(const struct kava_conf *c, int rule, const char *path, char *parent,
	       size_t size)
{
	const char *slash;
	size_t n;
	int outer;

	if (rule < 0 || (unsigned int)rule >= c->nr_rules || !c->rules[rule].inner)
		return -1;
	while (*path == '/')
		path++;
	slash = strrchr(path, '/');
	if (!slash || slash == path)
		return -1;
	n = (size_t)(slash - path);
	while (n && path[n - 1] == '/')
		n--;
	if (!n || copy_span(parent, size, path, n) < 0)
		return -1;
	outer = conf_match(c, parent);
	if (outer < 0 || c->rules[outer].inner)
		return -1;
	return outer;
}
