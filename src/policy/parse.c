// SPDX-License-Identifier: GPL-2.0
/* The policy file parser (format: policy_parse.h). Pure but for the resolver. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "policy/parse.h"
#include "common/util.h"

/* Largest numbers the kernel's dev_t holds: MINORBITS is 20, majors 12 bits. */
#define MAJOR_MAX 4095u
#define MINOR_MAX 1048575u

static const char *const cap_names[KAVA_POL_CAP_LAST + 1] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

static const struct kava_pol_dev_rule base_set[POLICY_BASE_SAFE_RULES] = {
	{ .type = KAVA_DEV_CHAR, .major = 1, .minor = 3, .access = KAVA_ACC_ALL },   /* null */
	{ .type = KAVA_DEV_CHAR, .major = 1, .minor = 5, .access = KAVA_ACC_ALL },   /* zero */
	{ .type = KAVA_DEV_CHAR, .major = 1, .minor = 7, .access = KAVA_ACC_ALL },   /* full */
	{ .type = KAVA_DEV_CHAR, .major = 1, .minor = 8, .access = KAVA_ACC_ALL },   /* random */
	{ .type = KAVA_DEV_CHAR, .major = 1, .minor = 9, .access = KAVA_ACC_ALL },   /* urandom */
	{ .type = KAVA_DEV_CHAR, .major = 5, .minor = 0, .access = KAVA_ACC_ALL },   /* tty */
	{ .type = KAVA_DEV_CHAR, .major = 5, .minor = 2, .access = KAVA_ACC_ALL },   /* ptmx */
	{ .type = KAVA_DEV_CHAR, .major = 136, .minor = KAVA_DEV_WILDCARD,
	  .access = KAVA_ACC_ALL },                                                 /* pts/N */
};

/* A word of a line: where it starts and how long it is. */
struct tok {
	const char *s;
	size_t n;
	unsigned int col;
};

/* Parser state for one line. */
struct line_ctx {
	const char *start;           /* first byte of the line */
	const char *end;             /* end of the line, comment excluded */
	const char *pos;             /* next byte to read */
	unsigned int line;
	struct policy_error *err;
};

/* What the whole-file checks need to remember. */
struct seen {
	unsigned int mode_line;
	unsigned int base_line;
	unsigned int drop_line;
	unsigned int keep_line;
};

struct parse_ctx {
	struct policy *p;
	struct seen seen;
	policy_resolver resolve;
	void *resolve_ctx;
};

static int fail(struct policy_error *err, unsigned int line, unsigned int col,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct policy_error *err, unsigned int line, unsigned int col,
		const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static unsigned int col_of(const struct line_ctx *lc, const char *p)
{
	return (unsigned int)(p - lc->start) + 1;
}

/* Next whitespace-separated word; n == 0 at the end of the line. */
static struct tok next_tok(struct line_ctx *lc)
{
	struct tok t;

	while (lc->pos < lc->end && is_space(*lc->pos))
		lc->pos++;
	t.s = lc->pos;
	t.col = col_of(lc, lc->pos);
	while (lc->pos < lc->end && !is_space(*lc->pos))
		lc->pos++;
	t.n = (size_t)(lc->pos - t.s);
	return t;
}

static int tok_is(const struct tok *t, const char *word)
{
	return t->n == strlen(word) && !memcmp(t->s, word, t->n);
}

/* Quote at most 40 bytes of a word in an error message. */
static int qlen(const struct tok *t)
{
	return t->n > 40 ? 40 : (int)t->n;
}

int policy_cap_from_name(const char *name, size_t len)
{
	size_t i;

	if (len > 4 && !strncasecmp(name, "cap_", 4)) {
		name += 4;
		len -= 4;
	}
	for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (strlen(cap_names[i]) == len && !strncasecmp(name, cap_names[i], len))
			return (int)i;
	return -1;
}

const char *policy_cap_name(int cap)
{
	if (cap < 0 || cap > KAVA_POL_CAP_LAST)
		return NULL;
	return cap_names[cap];
}

const struct kava_pol_dev_rule *policy_base_set(unsigned int *count)
{
	*count = POLICY_BASE_SAFE_RULES;
	return base_set;
}

/* A decimal number no larger than `max`, or '*'. */
static int parse_num(struct line_ctx *lc, const char *s, size_t n, unsigned int max,
		     const char *what, unsigned int *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 1 && s[0] == '*') {
		*out = KAVA_DEV_WILDCARD;
		return 0;
	}
	if (n == 0)
		return fail(lc->err, lc->line, col_of(lc, s), "missing %s number", what);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(lc->err, lc->line, col_of(lc, s),
				    "bad %s '%.*s' (expected a number or *)", what,
				    n > 40 ? 40 : (int)n, s);
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return fail(lc->err, lc->line, col_of(lc, s),
				    "%s %.*s out of range (at most %u)", what,
				    n > 40 ? 40 : (int)n, s, max);
	}
	*out = (unsigned int)v;
	return 0;
}

static int parse_type(struct line_ctx *lc, const struct tok *t, __u8 *type)
{
	if (t->n == 1 && t->s[0] == 'a')
		*type = KAVA_DEV_ANY;
	else if (t->n == 1 && t->s[0] == 'b')
		*type = KAVA_DEV_BLOCK;
	else if (t->n == 1 && t->s[0] == 'c')
		*type = KAVA_DEV_CHAR;
	else
		return fail(lc->err, lc->line, t->col,
			    "bad device type '%.*s' (expected a, b, c or a /dev path)",
			    qlen(t), t->s);
	return 0;
}

static int parse_majmin(struct line_ctx *lc, const struct tok *t, struct kava_pol_dev_rule *r)
{
	const char *colon = memchr(t->s, ':', t->n);
	int err;

	if (!t->n)
		return fail(lc->err, lc->line, t->col, "missing MAJOR:MINOR after the device type");
	if (!colon)
		return fail(lc->err, lc->line, t->col, "expected MAJOR:MINOR, not '%.*s'",
			    qlen(t), t->s);
	err = parse_num(lc, t->s, (size_t)(colon - t->s), MAJOR_MAX, "major", &r->major);
	if (err)
		return err;
	return parse_num(lc, colon + 1, t->n - (size_t)(colon + 1 - t->s), MINOR_MAX,
			 "minor", &r->minor);
}

static int parse_access(struct line_ctx *lc, const struct tok *t, __u8 *access)
{
	size_t i;
	unsigned int bit;

	if (!t->n)
		return fail(lc->err, lc->line, t->col, "missing access (one or more of r, w, m)");
	*access = 0;
	for (i = 0; i < t->n; i++) {
		switch (t->s[i]) {
		case 'r': bit = KAVA_ACC_READ; break;
		case 'w': bit = KAVA_ACC_WRITE; break;
		case 'm': bit = KAVA_ACC_MKNOD; break;
		default:
			return fail(lc->err, lc->line, t->col + (unsigned int)i,
				    "bad access '%c' (expected r, w or m)", t->s[i]);
		}
		if (*access & bit)
			return fail(lc->err, lc->line, t->col + (unsigned int)i,
				    "access '%c' given twice", t->s[i]);
		*access |= (__u8)bit;
	}
	return 0;
}

static int resolve_path(struct parse_ctx *pc, struct line_ctx *lc, const struct tok *t,
			struct kava_pol_dev_rule *r)
{
	char path[4096];
	unsigned int type = 0;
	int err;

	if (t->n >= sizeof(path))
		return fail(lc->err, lc->line, t->col, "device path too long");
	memcpy(path, t->s, t->n);
	path[t->n] = '\0';
	if (!pc->resolve)
		return fail(lc->err, lc->line, t->col, "cannot resolve '%s': no resolver", path);
	err = pc->resolve(path, &type, &r->major, &r->minor, pc->resolve_ctx);
	if (err == -ENODEV)
		return fail(lc->err, lc->line, t->col, "'%.200s' is not a device node", path);
	if (err)
		return fail(lc->err, lc->line, t->col, "cannot resolve '%.200s': %s", path,
			    strerror(-err));
	if ((type != KAVA_DEV_CHAR && type != KAVA_DEV_BLOCK) || r->major > MAJOR_MAX ||
	    r->minor > MINOR_MAX)
		return fail(lc->err, lc->line, t->col, "'%.200s' is not a device node", path);
	r->type = (__u8)type;
	return 0;
}

/* devices.allow = TYPE MAJ:MIN ACCESS | /dev/PATH ACCESS */
static int parse_allow(struct parse_ctx *pc, struct line_ctx *lc)
{
	struct kava_pol_dev_rule r = { .line = (__u16)(lc->line > 0xffff ? 0xffff : lc->line) };
	struct tok t = next_tok(lc);
	int err;

	if (t.s[0] == '/') {
		err = resolve_path(pc, lc, &t, &r);
	} else {
		err = parse_type(lc, &t, &r.type);
		if (!err) {
			t = next_tok(lc);
			err = parse_majmin(lc, &t, &r);
		}
	}
	if (err)
		return err;
	t = next_tok(lc);
	err = parse_access(lc, &t, &r.access);
	if (err)
		return err;
	t = next_tok(lc);
	if (t.n)
		return fail(lc->err, lc->line, t.col, "unexpected '%.*s' after the access",
			    qlen(&t), t.s);
	if (pc->p->nr_rules >= KAVA_POL_MAX_RULES)
		return fail(lc->err, lc->line, 1, "too many device rules (at most %d)",
			    KAVA_POL_MAX_RULES);
	pc->p->rules[pc->p->nr_rules++] = r;
	return 0;
}

static int parse_mode(struct parse_ctx *pc, struct line_ctx *lc)
{
	struct tok t = next_tok(lc), extra;

	if (pc->seen.mode_line)
		return fail(lc->err, lc->line, 1, "'mode' given twice (first on line %u)",
			    pc->seen.mode_line);
	if (tok_is(&t, "audit"))
		pc->p->mode = KAVA_POL_AUDIT;
	else if (tok_is(&t, "enforce"))
		pc->p->mode = KAVA_POL_ENFORCE;
	else
		return fail(lc->err, lc->line, t.col,
			    "unknown mode '%.*s' (expected audit or enforce)", qlen(&t), t.s);
	extra = next_tok(lc);
	if (extra.n)
		return fail(lc->err, lc->line, extra.col, "unexpected '%.*s' after the mode",
			    qlen(&extra), extra.s);
	pc->seen.mode_line = lc->line;
	return 0;
}

static int parse_base(struct parse_ctx *pc, struct line_ctx *lc)
{
	struct tok t = next_tok(lc), extra;

	if (pc->seen.base_line)
		return fail(lc->err, lc->line, 1, "'devices.base' given twice (first on line %u)",
			    pc->seen.base_line);
	if (tok_is(&t, "safe"))
		pc->p->base_safe = 1;
	else if (tok_is(&t, "none"))
		pc->p->base_safe = 0;
	else
		return fail(lc->err, lc->line, t.col,
			    "unknown base set '%.*s' (expected safe or none)", qlen(&t), t.s);
	extra = next_tok(lc);
	if (extra.n)
		return fail(lc->err, lc->line, extra.col, "unexpected '%.*s' after the base set",
			    qlen(&extra), extra.s);
	pc->seen.base_line = lc->line;
	return 0;
}

/* caps.drop / caps.keep = NAME... */
static int parse_caps(struct parse_ctx *pc, struct line_ctx *lc, int kind)
{
	unsigned int *mine = kind == POLICY_CAPS_DROP ? &pc->seen.drop_line : &pc->seen.keep_line;
	unsigned int other = kind == POLICY_CAPS_DROP ? pc->seen.keep_line : pc->seen.drop_line;
	struct tok t;
	int cap;

	if (other)
		return fail(lc->err, lc->line, 1,
			    "caps.drop and caps.keep cannot be used together (%s on line %u)",
			    kind == POLICY_CAPS_DROP ? "caps.keep" : "caps.drop", other);
	for (t = next_tok(lc); t.n; t = next_tok(lc)) {
		cap = policy_cap_from_name(t.s, t.n);
		if (cap < 0)
			return fail(lc->err, lc->line, t.col, "unknown capability '%.*s'",
				    qlen(&t), t.s);
		pc->p->caps |= 1ULL << cap;
	}
	if (!*mine)
		*mine = lc->line;
	if (!pc->p->caps_line)
		pc->p->caps_line = lc->line;
	pc->p->caps_kind = kind;
	return 0;
}

/* The key at the start of a line: letters, digits, '.', '_' and '-'. */
static struct tok read_key(struct line_ctx *lc)
{
	struct tok t;

	while (lc->pos < lc->end && is_space(*lc->pos))
		lc->pos++;
	t.s = lc->pos;
	t.col = col_of(lc, lc->pos);
	while (lc->pos < lc->end && !is_space(*lc->pos) && *lc->pos != '=')
		lc->pos++;
	t.n = (size_t)(lc->pos - t.s);
	return t;
}

static int expect_equals(struct line_ctx *lc, const struct tok *key)
{
	const char *eq;

	while (lc->pos < lc->end && is_space(*lc->pos))
		lc->pos++;
	if (lc->pos >= lc->end || *lc->pos != '=')
		return fail(lc->err, lc->line, col_of(lc, lc->pos), "expected '=' after '%.*s'",
			    qlen(key), key->s);
	eq = lc->pos++;
	while (lc->pos < lc->end && is_space(*lc->pos))
		lc->pos++;
	if (lc->pos >= lc->end)
		return fail(lc->err, lc->line, col_of(lc, eq) + 1, "missing value for '%.*s'",
			    qlen(key), key->s);
	return 0;
}

static int parse_line(struct parse_ctx *pc, struct line_ctx *lc)
{
	struct tok key = read_key(lc);
	int err;

	if (!key.n) {
		if (lc->pos >= lc->end)
			return 0;                         /* blank or comment-only */
		return fail(lc->err, lc->line, key.col, "expected a key before '='");
	}
	if (!tok_is(&key, "mode") && !tok_is(&key, "devices.allow") &&
	    !tok_is(&key, "devices.base") && !tok_is(&key, "caps.drop") &&
	    !tok_is(&key, "caps.keep"))
		return fail(lc->err, lc->line, key.col,
			    "unknown key '%.*s' (expected mode, devices.allow, devices.base, "
			    "caps.drop or caps.keep)", qlen(&key), key.s);
	err = expect_equals(lc, &key);
	if (err)
		return err;
	if (tok_is(&key, "mode"))
		return parse_mode(pc, lc);
	if (tok_is(&key, "devices.allow"))
		return parse_allow(pc, lc);
	if (tok_is(&key, "devices.base"))
		return parse_base(pc, lc);
	return parse_caps(pc, lc, tok_is(&key, "caps.drop") ? POLICY_CAPS_DROP : POLICY_CAPS_KEEP);
}

/* The file's own rules plus the base set must fit in one map value. */
static int check_totals(struct parse_ctx *pc, struct policy_error *err)
{
	struct policy *p = pc->p;
	unsigned int room = KAVA_POL_MAX_RULES - (p->base_safe ? POLICY_BASE_SAFE_RULES : 0);

	if (!pc->seen.mode_line)
		return fail(err, 1, 1, "no 'mode' line (mode = audit or enforce)");
	if (p->nr_rules > room)
		return fail(err, p->rules[room].line, 1,
			    "too many device rules (at most %u besides the base set)", room);
	return 0;
}

int policy_parse(const char *text, size_t len, policy_resolver resolve, void *ctx,
		 struct policy *out, struct policy_error *err)
{
	struct parse_ctx pc = { .p = out, .resolve = resolve, .resolve_ctx = ctx };
	const char *p = text, *end = text + len, *nl, *hash, *nul;
	struct line_ctx lc = { .err = err };
	int rc;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	out->base_safe = 1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		lc.line++;
		lc.start = p;
		lc.end = nl ? nl : end;
		nul = memchr(p, '\0', (size_t)(lc.end - p));
		if (nul)
			return fail(err, lc.line, col_of(&lc, nul), "NUL byte in the policy");
		hash = memchr(p, '#', (size_t)(lc.end - p));
		if (hash)
			lc.end = hash;
		lc.pos = p;
		rc = parse_line(&pc, &lc);
		if (rc)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return check_totals(&pc, err);
}

int policy_resolve_stat(const char *path, unsigned int *type, unsigned int *major,
			unsigned int *minor, void *ctx)
{
	struct stat st;

	(void)ctx;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISCHR(st.st_mode))
		*type = KAVA_DEV_CHAR;
	else if (S_ISBLK(st.st_mode))
		*type = KAVA_DEV_BLOCK;
	else
		return -ENODEV;
	*major = major(st.st_rdev);
	*minor = minor(st.st_rdev);
	return 0;
}

void policy_format_error(const char *file, const struct policy_error *err, char *buf,
			 size_t size)
{
	snprintf(buf, size, "%s:%u:%u: %s", file, err->line, err->col, err->msg);
}

int policy_parse_file(const char *path, struct policy *out, char *why, size_t why_size)
{
	struct policy_error perr;
	char *text = NULL;
	size_t len = 0;
	int err;

	err = read_file(path, &text, &len);
	if (err < 0) {
		snprintf(why, why_size, "%s:1:1: cannot read the policy: %s", path, strerror(-err));
		return err;
	}
	err = policy_parse(text, len, policy_resolve_stat, NULL, out, &perr);
	if (err)
		policy_format_error(path, &perr, why, why_size);
	free(text);
	return err;
}

uint64_t policy_caps_deny(const struct policy *p)
{
	uint64_t all = (1ULL << (KAVA_POL_CAP_LAST + 1)) - 1;

	if (p->caps_kind == POLICY_CAPS_DROP)
		return p->caps & all;
	if (p->caps_kind == POLICY_CAPS_KEEP)
		return all & ~p->caps;
	return 0;
}

void policy_compile(const struct policy *p, struct kava_pol_policy *out)
{
	unsigned int n = 0, i;

	memset(out, 0, sizeof(*out));
	out->mode = (__u32)p->mode;
	if (p->base_safe) {
		for (i = 0; i < POLICY_BASE_SAFE_RULES; i++)
			out->rules[n++] = base_set[i];
		out->flags |= KAVA_POL_F_BASE_SAFE;
	}
	for (i = 0; i < p->nr_rules && n < KAVA_POL_MAX_RULES; i++)
		out->rules[n++] = p->rules[i];
	out->nr_rules = n;
	out->caps_deny = policy_caps_deny(p);
	out->caps_line = (__u16)(p->caps_line > 0xffff ? 0xffff : p->caps_line);
	if (p->caps_kind == POLICY_CAPS_KEEP)
		out->flags |= KAVA_POL_F_CAPS_KEEP;
}

void policy_format_access(unsigned int access, char out[4])
{
	int n = 0;

	if (access & KAVA_ACC_READ)
		out[n++] = 'r';
	if (access & KAVA_ACC_WRITE)
		out[n++] = 'w';
	if (access & KAVA_ACC_MKNOD)
		out[n++] = 'm';
	out[n] = '\0';
}

static void format_num(unsigned int v, char *buf, size_t size)
{
	if (v == KAVA_DEV_WILDCARD)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%u", v);
}

int policy_format_rule(const struct kava_pol_dev_rule *r, char *buf, size_t size)
{
	char maj[12], min[12], acc[4];
	char type = r->type == KAVA_DEV_CHAR ? 'c' : r->type == KAVA_DEV_BLOCK ? 'b' : 'a';

	format_num(r->major, maj, sizeof(maj));
	format_num(r->minor, min, sizeof(min));
	policy_format_access(r->access, acc);
	return snprintf(buf, size, "%c %s:%s %s", type, maj, min, acc);
}
