/* SPDX-License-Identifier: GPL-2.0 */
/* A growable text buffer for renderers: printf into it, check `failed` once. */
#ifndef KAVA_KBUF_H
#define KAVA_KBUF_H

#include <stddef.h>

struct kbuf {
	char *data;
	size_t len;
	size_t cap;
	int failed;     /* an allocation failed: the text is incomplete */
};

void kbuf_printf(struct kbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kbuf_append(struct kbuf *b, const char *s, size_t n);
/* printf("%llu", v) appended, without printf (renderers write a few dozen a file) */
void kbuf_dec(struct kbuf *b, unsigned long long v);

/* Hand the text to the caller (NUL-terminated); -ENOMEM if anything failed. */
int kbuf_finish(struct kbuf *b, char **out, size_t *len);
void kbuf_free(struct kbuf *b);

#endif
