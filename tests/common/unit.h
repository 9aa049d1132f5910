/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kava's cmocka unit tests (tests/unit/<subsystem>/test_*.c) share:
 * the headers cmocka needs before it, renderer fixtures and golden files
 * (tests/fixtures/render), scratch directories for fake cgroup and /var
 * trees, and reading "Key: value kB" text. Every test includes this first:
 *     #include "../../common/unit.h"
 * Paths are relative to the repository root, where tests/run.sh runs them.
 */
#ifndef KAVA_TEST_UNIT_H
#define KAVA_TEST_UNIT_H

/* cmocka.h relies on these being included before it */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"

#define MiB (1024ull * 1024)
#define UNIT_FIXTURES "tests/fixtures/render/"

/* The text of fixture NAME (tests/fixtures/render/NAME); the caller frees it. */
static inline char *unit_fixture(const char *name)
{
	char path[PATH_MAX], *text = NULL;

	snprintf(path, sizeof(path), UNIT_FIXTURES "%s", name);
	assert_int_equal(read_file(path, &text, NULL), 0);
	return text;
}

/*
 * TEXT equals the golden file NAME.golden. With REGEN=1 (make regen only:
 * tests/run.sh refuses REGEN) the golden file is written instead, and the
 * test says so on stderr: a regenerated golden file compares nothing, and
 * the change shows in `git diff tests/fixtures`.
 */
static inline void unit_golden(const char *name, const char *text)
{
	char path[PATH_MAX], *want = NULL;
	const char *regen = getenv("REGEN");
	FILE *f;

	snprintf(path, sizeof(path), UNIT_FIXTURES "%s.golden", name);
	if (regen && !strcmp(regen, "1")) {
		f = fopen(path, "w");
		assert_non_null(f);
		assert_true(fputs(text, f) >= 0);
		assert_int_equal(fclose(f), 0);
		fprintf(stderr, "# REGEN=1: wrote %s (not compared)\n", path);
		return;
	}
	assert_int_equal(read_file(path, &want, NULL), 0);
	assert_string_equal(text, want);
	free(want);
}

/* The line after P's, or NULL at the end of the text. */
static inline const char *unit_next_line(const char *p)
{
	const char *eol = strchr(p, '\n');

	return eol ? eol + 1 : NULL;
}

/* Value of "Key:" in meminfo-style text, in kB; -1 if absent. */
static inline long long unit_kb_of(const char *text, const char *key)
{
	const char *p;
	size_t k = strlen(key);

	for (p = text; p && *p; p = unit_next_line(p))
		if (!strncmp(p, key, k) && p[k] == ':')
			return atoll(p + k + 1);
	return -1;
}

/*
 * A scratch directory, /tmp/kava-unit-PROGRAM-XXXXXX, made by the cmocka
 * setup unit_scratch_setup and removed with everything in it by
 * unit_scratch_teardown; tests get it as *state.
 */
struct unit_scratch {
	char root[128];		/* short: paths built from it fit in PATH_MAX */
};

static inline int unit_scratch_setup(void **state)
{
	struct unit_scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	if ((size_t)snprintf(s->root, sizeof(s->root), "/tmp/kava-unit-%s-XXXXXX",
			     program_invocation_short_name) >= sizeof(s->root) ||
	    !mkdtemp(s->root)) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static inline int unit_rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static inline int unit_scratch_teardown(void **state)
{
	struct unit_scratch *s = *state;
	int err = nftw(s->root, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);

	free(s);
	return err;
}

/* ROOT/REL, asserted to fit. */
static inline void unit_path(char *out, size_t size, const struct unit_scratch *s, const char *rel)
{
	assert_true((size_t)snprintf(out, size, "%s/%s", s->root, rel) < size);
}

/* Write TEXT to ROOT/REL (created or truncated). */
static inline void unit_put(const struct unit_scratch *s, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	unit_path(path, sizeof(path), s, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* mkdir ROOT/REL (its parent exists). */
static inline void unit_mkdir(const struct unit_scratch *s, const char *rel)
{
	char path[PATH_MAX];

	unit_path(path, sizeof(path), s, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* Remove the file or empty directory ROOT/REL. */
static inline void unit_remove(const struct unit_scratch *s, const char *rel)
{
	char path[PATH_MAX];

	unit_path(path, sizeof(path), s, rel);
	assert_int_equal(remove(path), 0);
}

#endif
