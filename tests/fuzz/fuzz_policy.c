// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the policy parser. Beyond "no crash, no sanitizer
 * report": a policy that parses must satisfy the limits the BPF side relies
 * on, and printing it back as policy text must parse to the same policy.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parse.h"
#include "../common/fake_dev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_limits(const struct policy *p, const struct policy_error *e)
{
	struct kava_pol_policy kp;
	char buf[64];
	unsigned int i;

	(void)e;
	if (p->nr_rules > KAVA_POL_MAX_RULES || (p->mode != KAVA_POL_AUDIT && p->mode != KAVA_POL_ENFORCE))
		abort();
	policy_compile(p, &kp);
	if (kp.nr_rules > KAVA_POL_MAX_RULES || kp.caps_deny >> (KAVA_POL_CAP_LAST + 1))
		abort();
	for (i = 0; i < kp.nr_rules; i++) {
		const struct kava_pol_dev_rule *r = &kp.rules[i];

		if (!r->type || r->type > KAVA_DEV_ANY || !r->access || r->access > KAVA_ACC_ALL)
			abort();
		if (policy_format_rule(r, buf, sizeof(buf)) >= (int)sizeof(buf))
			abort();
	}
}

/* The policy as text again. */
static size_t render(const struct policy *p, char *out, size_t size)
{
	size_t n = 0;
	unsigned int i;
	int cap;

	n += (size_t)snprintf(out + n, size - n, "mode = %s\ndevices.base = %s\n",
			      p->mode == KAVA_POL_ENFORCE ? "enforce" : "audit",
			      p->base_safe ? "safe" : "none");
	for (i = 0; i < p->nr_rules && n < size; i++) {
		n += (size_t)snprintf(out + n, size - n, "devices.allow = ");
		n += (size_t)policy_format_rule(&p->rules[i], out + n, size - n);
		n += (size_t)snprintf(out + n, size - n, "\n");
	}
	if (p->caps_kind != POLICY_CAPS_NONE && n < size) {
		n += (size_t)snprintf(out + n, size - n, "caps.%s =",
				      p->caps_kind == POLICY_CAPS_DROP ? "drop" : "keep");
		for (cap = 0; cap <= KAVA_POL_CAP_LAST && n < size; cap++)
			if (p->caps & (1ULL << cap))
				n += (size_t)snprintf(out + n, size - n, " %s", policy_cap_name(cap));
		n += (size_t)snprintf(out + n, size - n, "\n");
	}
	return n;
}

static void check_round_trip(const struct policy *p)
{
	static char text[16384];
	struct policy again;
	struct policy_error e;
	unsigned int i;
	size_t n;

	n = render(p, text, sizeof(text));
	if (n >= sizeof(text))
		abort();
	if (policy_parse(text, n, fake_resolve, NULL, &again, &e)) {
		fprintf(stderr, "round trip failed: %u:%u: %s\n%s", e.line, e.col, e.msg, text);
		abort();
	}
	if (again.mode != p->mode || again.base_safe != p->base_safe ||
	    again.nr_rules != p->nr_rules || again.caps_kind != p->caps_kind ||
	    (p->caps_kind != POLICY_CAPS_NONE && again.caps != p->caps))
		abort();
	for (i = 0; i < p->nr_rules; i++)
		if (again.rules[i].type != p->rules[i].type ||
		    again.rules[i].major != p->rules[i].major ||
		    again.rules[i].minor != p->rules[i].minor ||
		    again.rules[i].access != p->rules[i].access)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	struct policy_error e;

	if (policy_parse((const char *)data, size, fake_resolve, NULL, &p, &e)) {
		if (!e.line || !e.col || !e.msg[0] || strlen(e.msg) >= sizeof(e.msg))
			abort();
		return 0;
	}
	check_limits(&p, &e);
	check_round_trip(&p);
	return 0;
}
