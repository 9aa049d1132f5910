// SPDX-License-Identifier: GPL-2.0
/* A growable text buffer for renderers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kbuf.h"

static int reserve(struct kbuf *b, size_t more)
{
	size_t want = b->len + more + 1, cap = b->cap ? b->cap : 1024;
	char *bigger;

	if (b->failed)
		return -1;
	if (want <= b->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	bigger = realloc(b->data, cap);
	if (!bigger) {
		b->failed = 1;
		return -1;
	}
	b->data = bigger;
	b->cap = cap;
	b->data[b->len] = '\0';	/* an empty buffer is "" too */
	return 0;
}

void kbuf_append(struct kbuf *b, const char *s, size_t n)
{
	if (reserve(b, n) < 0)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void kbuf_dec(struct kbuf *b, unsigned long long v)
{
	char digits[24];
	size_t d = sizeof(digits);

	do {
		digits[--d] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	kbuf_append(b, digits + d, sizeof(digits) - d);
}

/* One formatting pass when the text fits the room left, a second after growing. */
void kbuf_printf(struct kbuf *b, const char *fmt, ...)
{
	va_list ap, again;
	size_t room;
	int n;

	if (reserve(b, 64) < 0)
		return;
	room = b->cap - b->len;
	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room && reserve(b, (size_t)n) == 0)
		n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	va_end(again);
	va_end(ap);
	if (n < 0 || b->failed || b->len + (size_t)n >= b->cap) {
		b->failed = 1;
		if (b->data)
			b->data[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

int kbuf_finish(struct kbuf *b, char **out, size_t *len)
{
	if (reserve(b, 0) < 0) {
		kbuf_free(b);
		return -ENOMEM;
	}
	*out = b->data;
	*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return 0;
}

void kbuf_free(struct kbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
