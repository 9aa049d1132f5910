/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy file parser: pure (text in, struct policy out; device paths go
 * through a resolver the caller passes), so it is unit-tested and fuzzed.
 *
 * Format, one setting per line, '#' starts a comment, blank lines ignored:
 *
 *   mode = audit | enforce          required, once
 *   devices.base = safe | none      optional, once; default safe
 *   devices.allow = TYPE MAJ:MIN ACCESS
 *   devices.allow = /dev/PATH ACCESS
 *   caps.drop = NAME...             or caps.keep = NAME..., never both;
 *                                   may repeat (the names add up)
 *
 * TYPE is a (any), b (block) or c (char); MAJ and MIN are decimal numbers
 * or '*'; ACCESS is one or more of r (read), w (write), m (mknod). A /dev
 * path is resolved when the file is parsed to its type and major:minor.
 * Devices are an allowlist: anything no rule allows is denied. The safe
 * base set (policy_base_set()) is allowed unless `devices.base = none`:
 *   c 1:3 null, c 1:5 zero, c 1:7 full, c 1:8 random, c 1:9 urandom,
 *   c 5:0 tty, c 5:2 ptmx, c 136:* pts    (all rwm)
 * Capability names are the kernel's, with or without CAP_, in any case
 * (sys_admin, CAP_SYS_ADMIN, Sys_Admin). caps.keep denies every other one.
 * Every error names file:line:column and the reason; keys are
 * case-sensitive and unknown keys are errors.
 */
#ifndef KAVA_POLICY_PARSE_H
#define KAVA_POLICY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "kava_policy.h"

#define POLICY_CAPS_NONE 0
#define POLICY_CAPS_DROP 1
#define POLICY_CAPS_KEEP 2

#define POLICY_BASE_SAFE_RULES 8

struct policy {
	int mode;                      /* KAVA_POL_AUDIT or KAVA_POL_ENFORCE */
	int base_safe;                 /* include the base set */
	unsigned int nr_rules;         /* the file's own rules, base set excluded */
	struct kava_pol_dev_rule rules[KAVA_POL_MAX_RULES];
	int caps_kind;                 /* POLICY_CAPS_* */
	uint64_t caps;                 /* the capabilities named */
	unsigned int caps_line;        /* first caps.* line */
};

struct policy_error {
	unsigned int line;             /* 1-based */
	unsigned int col;              /* 1-based byte column */
	char msg[200];
};

/*
 * Resolve a device path to its type (KAVA_DEV_CHAR/BLOCK) and numbers.
 * Returns 0, or a negative errno (-ENODEV: exists but not a device node).
 */
typedef int (*policy_resolver)(const char *path, unsigned int *type, unsigned int *major,
			       unsigned int *minor, void *ctx);

/* stat(2)-based resolver. */
int policy_resolve_stat(const char *path, unsigned int *type, unsigned int *major,
			unsigned int *minor, void *ctx);

/*
 * Parse `len` bytes of policy text. Returns 0 and fills `out`, or -EINVAL
 * and fills `err` (out is then unspecified).
 */
int policy_parse(const char *text, size_t len, policy_resolver resolve, void *ctx,
		 struct policy *out, struct policy_error *err);

/*
 * Read and parse a file with the stat resolver. On failure writes
 * "FILE:LINE:COL: reason" into `why` (an unreadable file is FILE:1:1).
 */
int policy_parse_file(const char *path, struct policy *out, char *why, size_t why_size);

/* Format "FILE:LINE:COL: reason". */
void policy_format_error(const char *file, const struct policy_error *err, char *buf,
			 size_t size);

/* The capabilities a policy denies: caps.drop as given, caps.keep inverted. */
uint64_t policy_caps_deny(const struct policy *p);

/* Build the kpol_policies value (base set first when included). */
void policy_compile(const struct policy *p, struct kava_pol_policy *out);

/* The safe base set. */
const struct kava_pol_dev_rule *policy_base_set(unsigned int *count);

/* Capability number from a name (with or without CAP_, any case), or -1. */
int policy_cap_from_name(const char *name, size_t len);

/* Lower-case name without CAP_ ("sys_admin"), or NULL for an unknown number. */
const char *policy_cap_name(int cap);

/* "c 1:3 rwm" / "a *:* m"; returns the snprintf length. */
int policy_format_rule(const struct kava_pol_dev_rule *r, char *buf, size_t size);

/* "rwm" subset for an access mask. */
void policy_format_access(unsigned int access, char out[4]);

#endif
