// SPDX-License-Identifier: GPL-2.0
/*
 * Matching cgroup paths against patterns (see glob.h). Components are
 * matched with the classic single-backtrack wildcard loop (linear in
 * practice, at worst length x length); '**' by dynamic programming over
 * components, so no input makes it exponential and nothing recurses.
 */
#include <stdbool.h>
#include <string.h>

#include "deploy/glob.h"

struct comp {
	const char *s;
	size_t len;
};

/* Split into components, skipping empty ones; -1 when there are too many. */
static int split(const char *p, struct comp *out)
{
	int n = 0;

	while (*p) {
		const char *e;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		if (n == GLOB_MAX_COMPONENTS)
			return -1;
		out[n].s = p;
		out[n].len = (size_t)(e - p);
		n++;
		p = e;
	}
	return n;
}

static bool is_globstar(const struct comp *c)
{
	return c->len == 2 && c->s[0] == '*' && c->s[1] == '*';
}

/* '*' and '?' within one component. */
static bool comp_match(const struct comp *pat, const struct comp *str)
{
	size_t p = 0, s = 0, star_p = (size_t)-1, star_s = 0;

	while (s < str->len) {
		if (p < pat->len && (pat->s[p] == '?' || pat->s[p] == str->s[s])) {
			p++;
			s++;
		} else if (p < pat->len && pat->s[p] == '*') {
			star_p = p++;
			star_s = s;
		} else if (star_p != (size_t)-1) {
			p = star_p + 1;
			s = ++star_s;
		} else {
			return false;
		}
	}
	while (p < pat->len && pat->s[p] == '*')
		p++;
	return p == pat->len;
}

int glob_match(const char *pattern, const char *path)
{
	struct comp pc[GLOB_MAX_COMPONENTS], sc[GLOB_MAX_COMPONENTS];
	bool next[GLOB_MAX_COMPONENTS + 1], cur[GLOB_MAX_COMPONENTS + 1];
	int np, ns, i, j;

	if (!pattern || !path)
		return 0;
	np = split(pattern, pc);
	ns = split(path, sc);
	if (np < 0 || ns < 0)
		return 0;
	/* next[j]: pattern components i+1.. match path components j.. */
	for (j = 0; j <= ns; j++)
		next[j] = j == ns;
	for (i = np - 1; i >= 0; i--) {
		for (j = ns; j >= 0; j--) {
			if (is_globstar(&pc[i]))
				cur[j] = next[j] || (j < ns && cur[j + 1]);
			else
				cur[j] = j < ns && next[j + 1] && comp_match(&pc[i], &sc[j]);
		}
		memcpy(next, cur, sizeof(bool) * (size_t)(ns + 1));
	}
	return next[0];
}

const char *glob_check(const char *pattern)
{
	struct comp pc[GLOB_MAX_COMPONENTS];
	int n, i;

	if (!pattern || !*pattern)
		return "empty pattern";
	n = split(pattern, pc);
	if (n < 0)
		return "too many path components";
	if (n == 0)
		return "the pattern names the root cgroup, which cannot be enabled";
	for (i = 0; i < n; i++) {
		if ((pc[i].len == 1 && pc[i].s[0] == '.') ||
		    (pc[i].len == 2 && pc[i].s[0] == '.' && pc[i].s[1] == '.'))
			return "'.' and '..' are not allowed in a pattern";
		if (!is_globstar(&pc[i]) && memmem(pc[i].s, pc[i].len, "**", 2))
			return "'**' must be a whole path component";
	}
	if (n == 1 && is_globstar(&pc[0]))
		return "'**' alone would enable every cgroup";
	return NULL;
}
