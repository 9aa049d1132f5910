// SPDX-License-Identifier: GPL-2.0
/* kava.conf parsing, --auto rules, presets and which rule decides for a path. */
#include "../../common/unit.h"
#include "deploy/conf.h"

static struct kava_conf *conf;
static char why[1024];

static int setup(void **state)
{
	(void)state;
	conf = malloc(sizeof(*conf));
	if (!conf)
		return -1;
	conf_init(conf);
	why[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(conf);
	return 0;
}

static int parse(const char *text)
{
	return conf_parse(text, strlen(text), "kava.conf", conf, why, sizeof(why));
}

static void a_full_file(void **state)
{
	(void)state;
	assert_int_equal(parse("# kava.conf\n"
			       "\n"
			       "auto = system.slice/docker-*.scope   # docker\n"
			       "  auto=machine.slice/web-*.scope policy=/etc/kava/web.policy\n"
			       "auto = !system.slice/docker-skip*.scope\r\n"
			       "auto-mount = yes\n"
			       "view = tmpfs\n"
			       "mount = /run/kava view\n"
			       "period = 250\n"
			       "tmpfs-refresh = periodic\n"
			       "log-events = no"), 0);
	assert_int_equal(conf->nr_rules, 3);
	assert_string_equal(conf->rules[0].pattern, "system.slice/docker-*.scope");
	assert_string_equal(conf->rules[0].policy, "");
	assert_string_equal(conf->rules[0].origin, "kava.conf:3");
	assert_string_equal(conf->rules[1].policy, "/etc/kava/web.policy");
	assert_true(conf->rules[2].exclude);
	assert_string_equal(conf->rules[2].pattern, "system.slice/docker-skip*.scope");
	assert_int_equal(conf->auto_mount, CONF_YES);
	assert_int_equal(conf->log_events, CONF_NO);
	assert_string_equal(conf->view, "tmpfs");
	assert_string_equal(conf->mount, "/run/kava view");
	assert_int_equal(conf->period_ms, 250);
	assert_string_equal(conf->tmpfs_refresh, "periodic");
}

static void matching_and_exclusions(void **state)
{
	(void)state;
	assert_int_equal(parse("auto = system.slice/docker-*.scope\n"
			       "auto = system.slice/** policy=/p\n"
			       "auto = !system.slice/docker-skip*.scope\n"), 0);
	assert_int_equal(conf_match(conf, "system.slice/docker-a.scope"), 0);
	assert_int_equal(conf_match(conf, "/system.slice/cron.service"), 1);
	assert_int_equal(conf_match(conf, "system.slice/docker-skip1.scope"), -1);
	assert_int_equal(conf_match(conf, "user.slice"), -1);
}

/* conf_outer() for the rule that matches path: the parent it gives back, or none */
static void outer_of(const char *path, const char *want)
{
	char parent[CONF_PATH_MAX] = "unset";
	int rule = conf_match(conf, path), outer;

	assert_true(rule >= 0);
	outer = conf_outer(conf, rule, path, parent, sizeof(parent));
	if (!want) {
		if (outer != -1)
			fail_msg("%s: outer rule %d (%s), want none", path, outer, parent);
		return;
	}
	if (outer < 0)
		fail_msg("%s: no outer rule, want %s", path, want);
	assert_string_equal(parent, want);
	assert_int_equal(conf_match(conf, parent), outer);
	assert_false(conf->rules[outer].inner);
	assert_true(conf->rules[rule].inner);
}

static void presets(void **state)
{
	(void)state;
	assert_int_equal(parse("auto = preset:docker,podman\n"), 0);
	assert_true(conf->nr_rules > 4);
	assert_string_equal(conf->rules[0].origin, "preset docker");
	assert_true(conf_match(conf, "system.slice/docker-0123.scope") >= 0);
	assert_true(conf_match(conf, "docker/0123") >= 0);
	assert_true(conf_match(conf, "machine.slice/libpod-0123.scope") >= 0);
	assert_int_equal(conf_match(conf, "machine.slice/libpod-conmon-0123.scope"), -1);
	assert_true(conf_match(conf, "user.slice/user-1000.slice/user@1000.service/user.slice/"
				     "libpod-0123.scope") >= 0);
	assert_int_equal(conf_match(conf, "user.slice/user-1000.slice/user@1000.service/"
					  "user.slice/libpod-conmon-0123.scope"), -1);
	/*
	 * crun (systemd driver) runs the container's tasks, and sets its limits, in
	 * the scope's "container" subgroup: that is the container, and the scope
	 * enabled a moment before is given back (runc leaves them in the scope).
	 */
	assert_true(conf_match(conf, "machine.slice/libpod-0123.scope/container") >= 0);
	assert_true(conf_match(conf, "user.slice/user-1000.slice/user@1000.service/user.slice/"
				     "libpod-0123.scope/container") >= 0);
	assert_int_equal(conf_match(conf, "machine.slice/libpod-0123.scope/other"), -1);
	outer_of("machine.slice/libpod-0123.scope/container", "machine.slice/libpod-0123.scope");
	outer_of("/machine.slice/libpod-0123.scope/container", "machine.slice/libpod-0123.scope");
	outer_of("user.slice/user-1000.slice/user@1000.service/user.slice/libpod-0123.scope/"
		 "container", "user.slice/user-1000.slice/user@1000.service/user.slice/"
		 "libpod-0123.scope");
	outer_of("machine.slice/libpod-0123.scope", NULL);	/* runc: the scope is it */
	outer_of("docker/0123", NULL);
	conf_init(conf);
	assert_int_equal(conf_add_auto(conf, "preset:kubernetes", "--auto-preset", why,
				       sizeof(why)), 0);
	assert_true(conf_match(conf, "kubepods.slice/kubepods-besteffort.slice/"
				     "kubepods-besteffort-podx.slice/cri-containerd-1.scope") >= 0);
	assert_true(conf_match(conf, "kubepods.slice/kubepods-podx.slice/crio-1.scope") >= 0);
	assert_int_equal(conf_match(conf, "kubepods.slice/kubepods-podx.slice/crio-conmon-1.scope"),
			 -1);
	assert_true(conf_match(conf, "kubepods/burstable/pod12/0abc") >= 0);
	assert_true(conf_match(conf, "kubepods/pod12/0abc") >= 0);
	assert_int_equal(conf_match(conf, "kubepods/burstable/pod12"), -1);
	conf_init(conf);
	assert_int_equal(conf_add_auto(conf, "preset:lxc,nspawn", "x", why, sizeof(why)), 0);
	assert_true(conf_match(conf, "lxc.payload.c1") >= 0);
	assert_int_equal(conf_match(conf, "lxc.monitor.c1"), -1);
	assert_true(conf_match(conf, "machine.slice/systemd-nspawn@deb.service") >= 0);
	/* a container nested in an LXC container is a container of its own */
	outer_of("lxc.payload.c1/lxc.payload.c2", NULL);
	/* inner patterns are a preset's: a user's nested patterns each enable */
	conf_init(conf);
	assert_int_equal(parse("auto = a/*\nauto = a/*/b\n"), 0);
	outer_of("a/x/b", NULL);
}

static void view_budgets(void **state)
{
	(void)state;
	assert_int_equal(parse("view-files = 100\n"
			       "view-rate = 2000\n"
			       "auto = a/* view-rate=50 policy=/p view-files=8\n"
			       "auto = b/*   view-files=1\n"
			       "auto = c/*\n"), 0);
	assert_int_equal(conf->view_files, 100);
	assert_int_equal(conf->view_rate, 2000);
	assert_int_equal(conf->rules[0].view_files, 8);
	assert_int_equal(conf->rules[0].view_rate, 50);
	assert_string_equal(conf->rules[0].policy, "/p");
	assert_int_equal(conf->rules[1].view_files, 1);
	assert_int_equal(conf->rules[1].view_rate, 0);
	assert_int_equal(conf->rules[2].view_files, 0);
	assert_int_equal(conf_add_auto(conf, "d/* view-files=3", "--auto", why, sizeof(why)), 0);
	assert_int_equal(conf->rules[3].view_files, 3);
}

static void expect_error(const char *text, const char *want)
{
	conf_init(conf);
	assert_int_equal(parse(text), -EINVAL);
	if (!strstr(why, want))
		fail_msg("'%s': got '%s', want '%s'", text, why, want);
}

static void errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("\n\nbogus = 1\n", "kava.conf:3: unknown key 'bogus'");
	expect_error("auto\n", "kava.conf:1: expected 'key = value'");
	expect_error("auto =\n", "kava.conf:1: auto needs a PATTERN");
	expect_error("auto = a/../b\n", "kava.conf:1: bad pattern 'a/../b'");
	expect_error("auto = **\n", "kava.conf:1: bad pattern");
	expect_error("auto = a/b** \n", "'**' must be a whole path component");
	expect_error("auto = a x\n", "kava.conf:1: unexpected 'x' after the pattern");
	expect_error("auto = a policy=\n", "policy=FILE needs a file name");
	expect_error("auto = a policy=/p extra\n", "unexpected 'extra' after the pattern");
	expect_error("auto = a policy=/p policy=/q\n", "policy= given twice");
	expect_error("auto = !a policy=/p\n", "an exclusion ('!a') takes no options");
	expect_error("auto = !a view-files=5\n", "an exclusion ('!a') takes no options");
	expect_error("auto = a view-files=0\n", "view-files= takes a number from 1 to 1048576");
	expect_error("auto = a view-files=1048577\n", "view-files= takes a number");
	expect_error("auto = a view-rate=\n", "view-rate= takes a number from 1 to 10000000");
	expect_error("auto = a view-rate=5 view-rate=6\n", "view-rate= takes a number");
	expect_error("view-files = -1\n", "kava.conf:1: view-files takes a number from 1 to");
	expect_error("view-rate = 99999999999999999999\n", "view-rate takes a number");
	expect_error("auto = preset:dockr\n", "unknown preset 'dockr'");
	expect_error("auto = preset:\n", "preset: needs a name");
	expect_error("auto = preset:docker policy=/p\n", "a preset takes no options");
	expect_error("auto = preset:docker view-rate=5\n", "a preset takes no options");
	expect_error("auto-mount = maybe\n", "kava.conf:1: auto-mount takes yes or no");
	expect_error("view = fus\n", "view takes fuse, tmpfs or none");
	expect_error("mount = relative\n", "mount takes an absolute directory");
	expect_error("period = 5\n", "period takes milliseconds");
	expect_error("tmpfs-refresh = sometimes\n", "tmpfs-refresh takes on-open or periodic");
	expect_error("period = 99999999999999999999\n", "period takes milliseconds");
	expect_error("period = 12a\n", "period takes milliseconds");
}

static void nul_bytes_and_limits(void **state)
{
	static char big[CONF_PATTERN_MAX + 32];
	unsigned int i;

	(void)state;
	assert_int_equal(conf_parse("auto = a\0b\n", 11, "f", conf, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "f:1: NUL byte in the file");
	conf_init(conf);
	memcpy(big, "auto = ", 7);
	memset(big + 7, 'a', sizeof(big) - 8);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big), -EINVAL);
	assert_non_null(strstr(why, "pattern longer than"));
	conf_init(conf);
	for (i = 0; i < CONF_MAX_RULES; i++)
		assert_int_equal(conf_add_auto(conf, "a/*", "t", why, sizeof(why)), 0);
	assert_int_equal(conf_add_auto(conf, "a/*", "t", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "too many auto rules"));
	/* an unreadable file is FILE:0 */
	conf_init(conf);
	assert_true(conf_parse_file("/nonexistent/kava.conf", conf, why, sizeof(why)) < 0);
	assert_string_equal(why, "/nonexistent/kava.conf:0: cannot read: No such file or directory");
}

/* The example the package installs parses (tests run from the source tree). */
static void the_installed_example(void **state)
{
	(void)state;
	if (conf_parse_file("deploy/kava.conf.example", conf, why, sizeof(why)) == -ENOENT) {
		print_message("deploy/kava.conf.example is not here: run from outside the source "
			      "tree (the VMs carry the test binaries only)\n");
		skip();
	}
	assert_string_equal(why, "");
	assert_int_equal(conf->nr_rules, 0);	/* everything is commented out */
	assert_int_equal(conf_parse("auto = preset:docker,podman,lxc\n", 32, "x", conf, why,
				    sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_full_file, setup, teardown),
		cmocka_unit_test_setup_teardown(view_budgets, setup, teardown),
		cmocka_unit_test_setup_teardown(matching_and_exclusions, setup, teardown),
		cmocka_unit_test_setup_teardown(presets, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_name_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(nul_bytes_and_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(the_installed_example, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
