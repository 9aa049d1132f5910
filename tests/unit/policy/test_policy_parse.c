// SPDX-License-Identifier: GPL-2.0
/* The policy parser: every valid form, and every error with its exact message. */
#include "../../common/unit.h"
#include "policy/events.h"
#include "policy/parse.h"
#include "../../common/fake_dev.h"

static int parse(const char *text, struct policy *p, struct policy_error *e)
{
	return policy_parse(text, strlen(text), fake_resolve, NULL, p, e);
}

/* Parse `len` bytes, expect failure with exactly "t.policy:LINE:COL: MSG". */
static void expect_error_n(const char *text, size_t len, const char *want)
{
	struct policy p;
	struct policy_error e;
	char buf[512];

	assert_int_equal(policy_parse(text, len, fake_resolve, NULL, &p, &e), -EINVAL);
	policy_format_error("t.policy", &e, buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("for %s\n got: %s\nwant: %s", text, buf, want);
}

static void expect_error(const char *text, const char *want)
{
	expect_error_n(text, strlen(text), want);
}

static void rule_is(const struct kava_pol_dev_rule *r, const char *want, unsigned int line)
{
	char buf[64];

	policy_format_rule(r, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(r->line, line);
}

static void the_issue_example(void **state)
{
	static const char text[] =
		"mode = audit                    # audit | enforce\n"
		"devices.allow = c 1:3 rwm       # /dev/null\n"
		"devices.allow = c 226:* rw      # GPU render nodes\n"
		"devices.allow = /dev/fuse rw    # a path\n"
		"caps.drop = sys_module sys_time sys_rawio\n";
	struct policy p;
	struct policy_error e;

	(void)state;
	assert_int_equal(parse(text, &p, &e), 0);
	assert_int_equal(p.mode, KAVA_POL_AUDIT);
	assert_int_equal(p.base_safe, 1);
	assert_int_equal(p.nr_rules, 3);
	rule_is(&p.rules[0], "c 1:3 rwm", 2);
	rule_is(&p.rules[1], "c 226:* rw", 3);
	rule_is(&p.rules[2], "c 10:229 rw", 4);
	assert_int_equal(p.caps_kind, POLICY_CAPS_DROP);
	assert_int_equal(p.caps_line, 5);
	assert_true(policy_caps_deny(&p) == ((1ULL << 16) | (1ULL << 25) | (1ULL << 17)));
}

static void every_device_form(void **state)
{
	static const char text[] =
		"mode=enforce\n"
		"devices.allow=a *:* m\n"
		"devices.allow = b 8:* r\n"
		"devices.allow = c *:5 w\n"
		"devices.allow = c 4095:1048575 mwr\n"
		"devices.allow = c 007:0 rw\n"
		"devices.allow = /dev/sda rw\n"
		"\tdevices.allow\t=\tc 1:1 r\t\r\n"
		"devices.base = none\n";
	struct policy p;
	struct policy_error e;

	(void)state;
	assert_int_equal(parse(text, &p, &e), 0);
	assert_int_equal(p.mode, KAVA_POL_ENFORCE);
	assert_int_equal(p.base_safe, 0);
	assert_int_equal(p.nr_rules, 7);
	rule_is(&p.rules[0], "a *:* m", 2);
	rule_is(&p.rules[1], "b 8:* r", 3);
	rule_is(&p.rules[2], "c *:5 w", 4);
	rule_is(&p.rules[3], "c 4095:1048575 rwm", 5);
	rule_is(&p.rules[4], "c 7:0 rw", 6);
	rule_is(&p.rules[5], "b 8:0 rw", 7);
	rule_is(&p.rules[6], "c 1:1 r", 8);
	assert_int_equal(p.caps_kind, POLICY_CAPS_NONE);
	assert_true(policy_caps_deny(&p) == 0);
}

static void comments_blank_lines_and_no_final_newline(void **state)
{
	static const char text[] =
		"# a policy\n\n   \n# mode = enforce\nmode = enforce # trailing\n  # indented\n"
		"devices.base = safe";
	struct policy p;
	struct policy_error e;

	(void)state;
	assert_int_equal(parse(text, &p, &e), 0);
	assert_int_equal(p.mode, KAVA_POL_ENFORCE);
	assert_int_equal(p.base_safe, 1);
	assert_int_equal(p.nr_rules, 0);
}

static void capability_names_any_form(void **state)
{
	static const char text[] =
		"mode = enforce\n"
		"caps.drop = CAP_SYS_ADMIN sys_time Net_Raw cap_checkpoint_restore\n"
		"caps.drop = chown SYS_ADMIN\n";
	struct policy p;
	struct policy_error e;

	(void)state;
	assert_int_equal(parse(text, &p, &e), 0);
	assert_true(policy_caps_deny(&p) ==
		    ((1ULL << 21) | (1ULL << 25) | (1ULL << 13) | (1ULL << 40) | 1ULL));
	assert_int_equal(p.caps_line, 2);
	assert_int_equal(policy_cap_from_name("cap_", 4), -1);
	assert_int_equal(policy_cap_from_name("CAP_BPF", 7), 39);
	assert_int_equal(policy_cap_from_name("bpf", 3), 39);
	assert_string_equal(policy_cap_name(21), "sys_admin");
	assert_null(policy_cap_name(41));
	assert_null(policy_cap_name(-1));
}

static void caps_keep_inverts(void **state)
{
	static const char text[] = "mode = audit\ncaps.keep = chown kill\ncaps.keep = setuid\n";
	struct policy p;
	struct policy_error e;
	uint64_t all = (1ULL << 41) - 1;

	(void)state;
	assert_int_equal(parse(text, &p, &e), 0);
	assert_int_equal(p.caps_kind, POLICY_CAPS_KEEP);
	assert_true(policy_caps_deny(&p) == (all & ~((1ULL << 0) | (1ULL << 5) | (1ULL << 7))));
}

static void compile_puts_base_set_first(void **state)
{
	static const char text[] = "mode = enforce\ndevices.allow = c 226:* rw\ncaps.keep = chown\n";
	struct kava_pol_policy kp;
	struct policy p;
	struct policy_error e;
	unsigned int n;

	(void)state;
	assert_int_equal(parse(text, &p, &e), 0);
	policy_compile(&p, &kp);
	policy_base_set(&n);
	assert_int_equal(n, POLICY_BASE_SAFE_RULES);
	assert_int_equal(kp.nr_rules, n + 1);
	rule_is(&kp.rules[0], "c 1:3 rwm", 0);
	rule_is(&kp.rules[7], "c 136:* rwm", 0);
	rule_is(&kp.rules[8], "c 226:* rw", 2);
	assert_int_equal(kp.mode, KAVA_POL_ENFORCE);
	assert_int_equal(kp.flags, KAVA_POL_F_BASE_SAFE | KAVA_POL_F_CAPS_KEEP);
	assert_int_equal(kp.caps_line, 3);
}

static void rule_limits(void **state)
{
	char *text = malloc(8192);
	struct policy p;
	struct policy_error e;
	char buf[256];
	size_t off;
	int i;

	(void)state;
	assert_non_null(text);
	off = (size_t)sprintf(text, "mode = enforce\ndevices.base = none\n");
	for (i = 0; i < KAVA_POL_MAX_RULES; i++)
		off += (size_t)sprintf(text + off, "devices.allow = c 1:%d r\n", i);
	assert_int_equal(parse(text, &p, &e), 0);
	assert_int_equal(p.nr_rules, KAVA_POL_MAX_RULES);
	/* one more is too many */
	sprintf(text + off, "devices.allow = c 2:0 r\n");
	assert_int_equal(parse(text, &p, &e), -EINVAL);
	policy_format_error("t.policy", &e, buf, sizeof(buf));
	assert_string_equal(buf, "t.policy:67:1: too many device rules (at most 64)");
	/* with the base set, 56 fit: the 57th is named */
	text[off] = '\0';
	memcpy(strstr(text, "none"), "safe", 4);
	assert_int_equal(parse(text, &p, &e), -EINVAL);
	policy_format_error("t.policy", &e, buf, sizeof(buf));
	assert_string_equal(buf,
		"t.policy:59:1: too many device rules (at most 56 besides the base set)");
	free(text);
}

static void errors_in_keys_and_syntax(void **state)
{
	(void)state;
	expect_error("mode = audit\nfoo = bar\n",
		     "t.policy:2:1: unknown key 'foo' (expected mode, devices.allow, "
		     "devices.base, caps.drop or caps.keep)");
	expect_error("mode = audit\n  Mode = audit\n",
		     "t.policy:2:3: unknown key 'Mode' (expected mode, devices.allow, "
		     "devices.base, caps.drop or caps.keep)");
	expect_error("mode audit\n", "t.policy:1:6: expected '=' after 'mode'");
	expect_error("mode\n", "t.policy:1:5: expected '=' after 'mode'");
	expect_error("mode =   # nothing\n", "t.policy:1:7: missing value for 'mode'");
	expect_error("mode = audit\n = enforce\n", "t.policy:2:2: expected a key before '='");
	expect_error_n("mode = audit\ncaps.drop = chown\0x\n", 33,
		       "t.policy:2:18: NUL byte in the policy");
	expect_error("# empty\n", "t.policy:1:1: no 'mode' line (mode = audit or enforce)");
	expect_error("", "t.policy:1:1: no 'mode' line (mode = audit or enforce)");
}

static void errors_in_mode_and_base(void **state)
{
	(void)state;
	expect_error("mode = permissive\n",
		     "t.policy:1:8: unknown mode 'permissive' (expected audit or enforce)");
	expect_error("mode = Audit\n",
		     "t.policy:1:8: unknown mode 'Audit' (expected audit or enforce)");
	expect_error("mode = audit enforce\n", "t.policy:1:14: unexpected 'enforce' after the mode");
	expect_error("mode = audit\n\nmode = enforce\n",
		     "t.policy:3:1: 'mode' given twice (first on line 1)");
	expect_error("mode = audit\ndevices.base = all\n",
		     "t.policy:2:16: unknown base set 'all' (expected safe or none)");
	expect_error("mode = audit\ndevices.base = none x\n",
		     "t.policy:2:21: unexpected 'x' after the base set");
	expect_error("mode = audit\ndevices.base = none\ndevices.base = safe\n",
		     "t.policy:3:1: 'devices.base' given twice (first on line 2)");
}

static void errors_in_device_rules(void **state)
{
	(void)state;
	expect_error("mode = audit\ndevices.allow = x 1:3 r\n",
		     "t.policy:2:17: bad device type 'x' (expected a, b, c or a /dev path)");
	expect_error("mode = audit\ndevices.allow = char 1:3 r\n",
		     "t.policy:2:17: bad device type 'char' (expected a, b, c or a /dev path)");
	expect_error("mode = audit\ndevices.allow = c\n",
		     "t.policy:2:18: missing MAJOR:MINOR after the device type");
	expect_error("mode = audit\ndevices.allow = c 13 r\n",
		     "t.policy:2:19: expected MAJOR:MINOR, not '13'");
	expect_error("mode = audit\ndevices.allow = c x1:3 r\n",
		     "t.policy:2:19: bad major 'x1' (expected a number or *)");
	expect_error("mode = audit\ndevices.allow = c -1:3 r\n",
		     "t.policy:2:19: bad major '-1' (expected a number or *)");
	expect_error("mode = audit\ndevices.allow = c 4096:3 r\n",
		     "t.policy:2:19: major 4096 out of range (at most 4095)");
	expect_error("mode = audit\ndevices.allow = c 99999999999999999999:3 r\n",
		     "t.policy:2:19: major 99999999999999999999 out of range (at most 4095)");
	expect_error("mode = audit\ndevices.allow = c :3 r\n", "t.policy:2:19: missing major number");
	expect_error("mode = audit\ndevices.allow = c 1: r\n", "t.policy:2:21: missing minor number");
	expect_error("mode = audit\ndevices.allow = c 1:** r\n",
		     "t.policy:2:21: bad minor '**' (expected a number or *)");
	expect_error("mode = audit\ndevices.allow = c 1:1048576 r\n",
		     "t.policy:2:21: minor 1048576 out of range (at most 1048575)");
	expect_error("mode = audit\ndevices.allow = c 1:3\n",
		     "t.policy:2:22: missing access (one or more of r, w, m)");
	expect_error("mode = audit\ndevices.allow = c 1:3 rx\n",
		     "t.policy:2:24: bad access 'x' (expected r, w or m)");
	expect_error("mode = audit\ndevices.allow = c 1:3 rwr\n",
		     "t.policy:2:25: access 'r' given twice");
	expect_error("mode = audit\ndevices.allow = c 1:3 rw extra\n",
		     "t.policy:2:26: unexpected 'extra' after the access");
	expect_error("mode = audit\ndevices.allow = /dev/fuse\n",
		     "t.policy:2:26: missing access (one or more of r, w, m)");
	expect_error("mode = audit\ndevices.allow = /dev/nope rw\n",
		     "t.policy:2:17: cannot resolve '/dev/nope': No such file or directory");
	expect_error("mode = audit\ndevices.allow = /dev/secret rw\n",
		     "t.policy:2:17: cannot resolve '/dev/secret': Permission denied");
	expect_error("mode = audit\ndevices.allow = /dev/shm rw\n",
		     "t.policy:2:17: '/dev/shm' is not a device node");
}

static void errors_in_caps(void **state)
{
	(void)state;
	expect_error("mode = audit\ncaps.drop = sys_admin sys_tyme\n",
		     "t.policy:2:23: unknown capability 'sys_tyme'");
	expect_error("mode = audit\ncaps.drop = CAP_\n", "t.policy:2:13: unknown capability 'CAP_'");
	expect_error("mode = audit\ncaps.drop = chown\ncaps.keep = kill\n",
		     "t.policy:3:1: caps.drop and caps.keep cannot be used together "
		     "(caps.drop on line 2)");
	expect_error("mode = audit\ncaps.keep = kill\n\ncaps.drop = chown\n",
		     "t.policy:4:1: caps.drop and caps.keep cannot be used together "
		     "(caps.keep on line 2)");
}

static void long_words_are_cut_in_messages(void **state)
{
	char text[300], want[300];

	(void)state;
	snprintf(text, sizeof(text), "mode = audit\ncaps.drop = %0100d\n", 7);
	snprintf(want, sizeof(want), "t.policy:2:13: unknown capability '%040d'", 0);
	expect_error(text, want);
}

static void parse_file_reports_unreadable_files(void **state)
{
	char why[512], path[] = "/tmp/kava-test-policy-XXXXXX";
	struct policy p;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(policy_parse_file("/nonexistent/x.policy", &p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "/nonexistent/x.policy:1:1: cannot read the policy: "
			    "No such file or directory");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("mode = enforce\ndevices.allow = c 1:3 rw\ncaps.drop = sys_bogus\n", f);
	fclose(f);
	assert_int_equal(policy_parse_file(path, &p, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, ":3:13: unknown capability 'sys_bogus'"));
	assert_int_equal(strncmp(why, path, strlen(path)), 0);
	unlink(path);
}

static void formats_rules_and_access(void **state)
{
	struct kava_pol_dev_rule r = { .type = KAVA_DEV_ANY, .major = KAVA_DEV_WILDCARD,
				       .minor = KAVA_DEV_WILDCARD, .access = KAVA_ACC_MKNOD };
	char acc[4], buf[32];

	(void)state;
	policy_format_rule(&r, buf, sizeof(buf));
	assert_string_equal(buf, "a *:* m");
	policy_format_access(0, acc);
	assert_string_equal(acc, "");
	policy_format_access(KAVA_ACC_ALL, acc);
	assert_string_equal(acc, "rwm");
}

/* events_print into a string. */
static char *print_event(const struct kava_pol_event *e, int json, const char *cg,
			 const char *container)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	/* 2026-01-02T03:04:05.678Z */
	events_print(f, e, json, cg, container, 1767323045678000000ULL);
	fclose(f);
	return buf;
}

static void events_as_json_and_text(void **state)
{
	struct kava_pol_event e = {
		.time_ns = 42, .cgroup_id = 7, .policy_cgroup_id = 5, .pid = 100, .tid = 101,
		.comm = "cat\"x", .hook = KAVA_HOOK_CGROUP_DEV, .verdict = KAVA_VERDICT_DENY,
		.major = 1, .minor = 5, .dev_type = KAVA_DEV_CHAR, .access = KAVA_ACC_READ,
		.rule = -1, .cap = -1, .generation = 3,
	};
	char *out;

	(void)state;
	out = print_event(&e, 1, "/cg/a/b", "/cg/a");
	assert_string_equal(out,
		"{\"time\":\"2026-01-02T03:04:05.678Z\",\"time_ns\":42,\"verdict\":\"deny\","
		"\"hook\":\"cgroup_dev\",\"cgroup_id\":7,\"cgroup\":\"/cg/a/b\",\"container_id\":5,"
		"\"container\":\"/cg/a\",\"pid\":100,\"tid\":101,\"comm\":\"cat\\\"x\","
		"\"device\":\"c 1:5 r\",\"rule\":-1,\"line\":0,\"generation\":3,\"suppressed\":0}\n");
	free(out);
	out = print_event(&e, 0, NULL, "/cg/a");
	assert_string_equal(out, "2026-01-02T03:04:05.678Z deny cgroup_dev c 1:5 r pid 100 "
			    "(cat\"x) cgroup ? container /cg/a: no rule allows the device\n");
	free(out);

	e.hook = KAVA_HOOK_CAPABLE;
	e.verdict = KAVA_VERDICT_WOULD_DENY;
	e.cap = 25;
	e.line = 4;
	e.suppressed = 9;
	out = print_event(&e, 1, NULL, NULL);
	assert_non_null(strstr(out, "\"verdict\":\"would-deny\",\"hook\":\"capable\""));
	assert_non_null(strstr(out, "\"cgroup\":null,"));
	assert_non_null(strstr(out, "\"capability\":\"sys_time\",\"cap\":25,\"rule\":-1,\"line\":4"));
	assert_non_null(strstr(out, "\"suppressed\":9}"));
	free(out);
	out = print_event(&e, 0, "/x", "/x");
	assert_non_null(strstr(out, "would-deny capable sys_time pid 100"));
	assert_non_null(strstr(out, ": caps line 4 (9 earlier events suppressed)\n"));
	free(out);

	e.hook = KAVA_HOOK_FILE_OPEN;
	e.rule = 2;
	e.line = 6;
	e.access = KAVA_ACC_READ | KAVA_ACC_WRITE;
	e.dev_type = KAVA_DEV_BLOCK;
	e.suppressed = 0;
	out = print_event(&e, 0, "/x", "/x");
	assert_non_null(strstr(out, "file_open b 1:5 rw pid"));
	assert_non_null(strstr(out, ": rule 2 (line 6) lacks the access\n"));
	free(out);
	assert_string_equal(events_hook_name(99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_issue_example),
		cmocka_unit_test(every_device_form),
		cmocka_unit_test(comments_blank_lines_and_no_final_newline),
		cmocka_unit_test(capability_names_any_form),
		cmocka_unit_test(caps_keep_inverts),
		cmocka_unit_test(compile_puts_base_set_first),
		cmocka_unit_test(rule_limits),
		cmocka_unit_test(errors_in_keys_and_syntax),
		cmocka_unit_test(errors_in_mode_and_base),
		cmocka_unit_test(errors_in_device_rules),
		cmocka_unit_test(errors_in_caps),
		cmocka_unit_test(long_words_are_cut_in_messages),
		cmocka_unit_test(parse_file_reports_unreadable_files),
		cmocka_unit_test(formats_rules_and_access),
		cmocka_unit_test(events_as_json_and_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
