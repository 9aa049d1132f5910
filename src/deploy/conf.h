/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kava.conf, the agent's configuration file (/etc/kava/kava.conf), and the
 * automatic-enablement rules it shares with `kava run --auto`. The parser is
 * pure (text in, struct out), bounded, and fuzzed.
 *
 * Format: one "key = value" per line; '#' starts a comment (to the end of
 * the line); blank lines are ignored; keys are case-sensitive.
 *
 *   auto = PATTERN [policy=FILE] [view-files=N] [view-rate=N]
 *                                   enable cgroups whose path matches PATTERN
 *                                   (see glob.h), applying FILE's policy and
 *                                   these view budgets; may repeat.
 *                                   "!PATTERN" excludes: a cgroup that
 *                                   matches any exclusion is never enabled.
 *   auto = preset:NAME[,NAME...]    the patterns of a runtime (conf_presets)
 *   auto-mount = yes | no           attach the view in each matched container
 *   view = fuse | tmpfs | none
 *   mount = DIR                     where the view lives (absolute path)
 *   period = MS                     tmpfs refresh period, 10..3600000
 *   tmpfs-refresh = on-open | periodic
 *                                   tmpfs view: rewrite the files of containers
 *                                   someone reads (fanotify), or of all, every period
 *   log-events = yes | no
 *   view-files = N                  FUSE view: open files per container (1..1048576)
 *   view-rate = N                   FUSE view: requests/s per CPU of a container's
 *                                   limit (1..10000000); see view/budget.h
 *
 * Every error is "FILE:LINE: reason" in one line.
 */
#ifndef KAVA_DEPLOY_CONF_H
#define KAVA_DEPLOY_CONF_H

#include <stddef.h>

#define CONF_MAX_RULES     256
#define CONF_PATTERN_MAX   512
#define CONF_PATH_MAX      1024
#define CONF_MAX_TEXT      (1 << 20)   /* a bigger file is refused */
#define CONF_VIEW_FILES_MAX 1048576    /* view-files (BUDGET_FILES_MAX) */
#define CONF_VIEW_RATE_MAX  10000000   /* view-rate (BUDGET_RATE_MAX) */

struct auto_rule {
	char pattern[CONF_PATTERN_MAX];
	char policy[CONF_PATH_MAX];        /* "" when none */
	int exclude;                       /* "!PATTERN" */
	int inner;                         /* a runtime's subgroup of an outer match (presets
					      only, ">PATTERN" there): see conf_outer() */
	unsigned int view_files;           /* view-files=N; 0 unset */
	unsigned int view_rate;            /* view-rate=N; 0 unset */
	char origin[64];                   /* "preset docker", "kava.conf:3", "--auto" */
};

enum conf_bool { CONF_UNSET = -1, CONF_NO = 0, CONF_YES = 1 };

/* About 400 KiB: allocate it, do not put it on the stack. */
struct kava_conf {
	unsigned int nr_rules;
	struct auto_rule rules[CONF_MAX_RULES];
	int auto_mount;                    /* enum conf_bool */
	int log_events;                    /* enum conf_bool */
	char view[8];                      /* "" unset, else fuse | tmpfs | none */
	char mount[CONF_PATH_MAX];         /* "" unset */
	unsigned int period_ms;            /* 0 unset */
	char tmpfs_refresh[16];            /* "" unset, else on-open | periodic */
	unsigned int view_files;           /* 0 unset */
	unsigned int view_rate;            /* 0 unset */
};

struct conf_preset {
	const char *name;
	const char *summary;
	const char *const *patterns;       /* NULL-terminated; "!..." excludes */
};

extern const struct conf_preset conf_presets[];   /* ends with { NULL } */

/* Empty configuration: nothing set. */
void conf_init(struct kava_conf *c);

/*
 * Parse `len` bytes of kava.conf text (NUL bytes are errors) into `c`,
 * adding to what it holds. `file` names the text in errors. Returns 0, or
 * -EINVAL with "FILE:LINE: reason" in `why`.
 */
int conf_parse(const char *text, size_t len, const char *file, struct kava_conf *c, char *why,
	       size_t why_size);

/* Read and parse a file; an unreadable or oversized one is "FILE:0: reason". */
int conf_parse_file(const char *path, struct kava_conf *c, char *why, size_t why_size);

/*
 * Add one rule as `auto = VALUE` would ("PATTERN [OPTION=VALUE]...", "!PATTERN"
 * or "preset:NAME[,NAME]"); `origin` is recorded on the rule. -EINVAL with
 * the reason (no file:line) in `why`.
 */
int conf_add_auto(struct kava_conf *c, const char *value, const char *origin, char *why,
		  size_t why_size);

/*
 * Which rule decides for a cgroup path: the first including rule that
 * matches, unless an excluding rule matches. Returns its index, or -1.
 */
int conf_match(const struct kava_conf *c, const char *path);

/*
 * Some runtimes put a container's tasks and limits not in the cgroup they
 * create for it but in a subgroup of it: crun (systemd driver) runs them in
 * machine.slice/libpod-ID.scope/container, a moment after the scope was
 * created (and matched). A preset marks such a pattern inner; the container
 * is then the inner cgroup, and the outer one is given back.
 *
 * When rule `rule` (which matched `path`) is inner: the path of the parent
 * directory in `parent`, and the index of the (not inner) rule that matches
 * it. -1 otherwise: not inner, no parent, or no rule enables the parent.
 */
int conf_outer(const struct kava_conf *c, int rule, const char *path, char *parent,
	       size_t size);

/*
 * A number setting "1..max" in [v, v+n): 0 and the value, or -1. Shared by
 * kava.conf and kava run's options.
 */
int conf_number(const char *v, size_t n, unsigned long max, unsigned int *out);

#endif
