// SPDX-License-Identifier: GPL-2.0
/* The OCI state an OCI hook reads on stdin, and config.json's root.path. */
#include "../../common/unit.h"
#include "deploy/ocistate.h"

static struct oci_state st;
static char why[512];

static int parse(const char *text)
{
	return oci_state_parse(text, strlen(text), &st, why, sizeof(why));
}

static void a_runtime_state(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"ociVersion\": \"1.0.2\", \"id\": \"web\", \"status\": \"creating\","
			       " \"pid\": 4242, \"bundle\": \"/run/b\", \"annotations\":"
			       " {\"io.kava.policy\": \"/etc/kava/web.policy\", \"other\": \"x\"}}"), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.id, "web");
	assert_string_equal(st.status, "creating");
	assert_string_equal(st.bundle, "/run/b");
	assert_string_equal(st.policy, "/etc/kava/web.policy");
	assert_false(st.no_mount);
	assert_int_equal(parse("{\"pid\": 1, \"annotations\": {\"io.kava.mount\": \"false\"}}"), 0);
	assert_true(st.no_mount);
	assert_string_equal(st.policy, "");
}

static void bad_states(void **state)
{
	(void)state;
	assert_int_equal(parse(""), -EINVAL);
	assert_int_equal(parse("{\"pid\": 1,"), -EINVAL);
	assert_non_null(strstr(why, "incomplete"));
	assert_int_equal(parse("[1]"), -EINVAL);
	assert_int_equal(parse("{\"id\": \"x\"}"), -EINVAL);
	assert_non_null(strstr(why, "pid"));
	assert_int_equal(parse("{\"pid\": 0}"), -EINVAL);
	assert_int_equal(parse("{\"pid\": -3}"), -EINVAL);
	assert_int_equal(parse("{\"pid\": \"12\"}"), -EINVAL);
	assert_int_equal(parse("{\"pid\": 99999999999}"), -EINVAL);
	assert_int_equal(parse("{\"pid\": 5, \"id\": 7}"), -EINVAL);
	assert_int_equal(parse("{\"pid\": 5, \"annotations\": [\"x\"]}"), -EINVAL);
	assert_int_equal(parse("{\"pid\": 5, \"annotations\": {\"io.kava.policy\": 3}}"), -EINVAL);
	assert_int_equal(parse("{\"pid\": 5, \"annotations\": {\"io.kava.policy\": \"a\\u0000b\"}}"),
			 -EINVAL);
	assert_int_equal(parse("{\"pid\": 5} trailing"), -EINVAL);
}

static void config_root(void **state)
{
	const char *abs = "{\"root\": {\"path\": \"/var/lib/c/rootfs\", \"readonly\": true}}";
	const char *rel = "{\"root\": {\"path\": \"rootfs\"}}";
	char out[256];

	(void)state;
	assert_int_equal(oci_config_root(abs, strlen(abs), "/b", out, sizeof(out), why,
					 sizeof(why)), 0);
	assert_string_equal(out, "/var/lib/c/rootfs");
	assert_int_equal(oci_config_root(rel, strlen(rel), "/run/b", out, sizeof(out), why,
					 sizeof(why)), 0);
	assert_string_equal(out, "/run/b/rootfs");
	assert_int_equal(oci_config_root("{}", 2, "/b", out, sizeof(out), why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(oci_config_root(rel, strlen(rel), "/b", out, 4, why, sizeof(why)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_runtime_state),
		cmocka_unit_test(bad_states),
		cmocka_unit_test(config_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
