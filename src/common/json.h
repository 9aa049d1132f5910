/* SPDX-License-Identifier: GPL-2.0 */
/* JSON output: the one string escaper every --json printer uses. */
#ifndef KAVA_JSON_H
#define KAVA_JSON_H

#include <stdio.h>

/*
 * `s` as a quoted JSON string (RFC 8259): quote and backslash escaped,
 * control characters and DEL as \u00XX; other bytes as they are.
 */
void json_write_string(FILE *out, const char *s);

#endif /* KAVA_JSON_H */
