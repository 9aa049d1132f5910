// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/mountinfo parsing: see mountinfo.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/mountinfo.h"

int unescape_octal(const char *in, char *out, size_t size)
{
	size_t o = 0;

	while (*in) {
		char c = *in;

		if (c == '\\' && in[1] >= '0' && in[1] <= '7' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			c = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 4;
		} else {
			in++;
		}
		if (o + 1 >= size)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* One line (NUL-terminated copy) into *e; 0 when it is not a mountinfo line. */
static int parse_line(const char *line, struct mountinfo_entry *e)
{
	char root[PATH_MAX], point[PATH_MAX];
	const char *sep = strstr(line, " - ");

	if (!sep || sscanf(line, "%lu %lu %*s %4095s %4095s", &e->id, &e->parent, root, point) != 4)
		return 0;
	e->super_options[0] = '\0';
	e->source[0] = '\0';
	if (sscanf(sep + 3, "%63s %255s %511s", e->fstype, e->source, e->super_options) < 1)
		return 0;
	return unescape_octal(root, e->root, sizeof(e->root)) == 0 &&
	       unescape_octal(point, e->mountpoint, sizeof(e->mountpoint)) == 0;
}

int mountinfo_next(const char **cursor, struct mountinfo_entry *e)
{
	char line[2 * PATH_MAX + 1024];

	while (*cursor && **cursor) {
		const char *eol = strchr(*cursor, '\n');
		size_t n = eol ? (size_t)(eol - *cursor) : strlen(*cursor);
		int ok = 0;

		if (n < sizeof(line)) {
			memcpy(line, *cursor, n);
			line[n] = '\0';
			ok = parse_line(line, e);
		}
		*cursor = eol ? eol + 1 : *cursor + n;
		if (ok)
			return 1;
	}
	return 0;
}

int mountinfo_same_path(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && !strncmp(a, b, la);
}
