// SPDX-License-Identifier: GPL-2.0
/* Cgroup path patterns: '*' and '?' within a component, '**' across components. */
#include "../../common/unit.h"
#include "deploy/glob.h"

static void star_stays_in_a_component(void **state)
{
	(void)state;
	assert_true(glob_match("system.slice/docker-*.scope", "system.slice/docker-ab12.scope"));
	assert_true(glob_match("system.slice/docker-*.scope", "/system.slice/docker-.scope"));
	assert_false(glob_match("system.slice/docker-*.scope", "system.slice/docker-a/b.scope"));
	assert_false(glob_match("system.slice/docker-*.scope", "system.slice/docker-ab.scope/x"));
	assert_false(glob_match("system.slice/docker-*.scope", "docker-ab.scope"));
	assert_false(glob_match("system.slice/docker-*.scope", "system.slice/containerd.service"));
	assert_true(glob_match("lxc.payload.*", "lxc.payload.c1"));
	assert_false(glob_match("lxc.payload.*", "lxc.monitor.c1"));
	assert_true(glob_match("a/*", "a/b"));
	assert_false(glob_match("a/*", "a"));
	assert_true(glob_match("*", "anything"));
	assert_true(glob_match("c?", "c1"));
	assert_false(glob_match("c?", "c"));
	assert_false(glob_match("c?", "c12"));
	assert_true(glob_match("*a*b*c*", "xxaxxbxxcxx"));
	assert_false(glob_match("*a*b*c*", "xxaxxcxxbxx"));
}

static void globstar_spans_components(void **state)
{
	(void)state;
	assert_true(glob_match("kubepods.slice/**/cri-containerd-*.scope",
			       "kubepods.slice/kubepods-burstable.slice/"
			       "kubepods-burstable-pod1.slice/cri-containerd-ab.scope"));
	assert_true(glob_match("kubepods.slice/**/cri-containerd-*.scope",
			       "kubepods.slice/kubepods-pod1.slice/cri-containerd-ab.scope"));
	/* zero components */
	assert_true(glob_match("kubepods.slice/**/cri-containerd-*.scope",
			       "kubepods.slice/cri-containerd-ab.scope"));
	assert_false(glob_match("kubepods.slice/**/cri-containerd-*.scope",
				"kubepods.slice/x/cri-containerd-ab.scope/sub"));
	assert_false(glob_match("kubepods.slice/**/cri-containerd-*.scope",
				"system.slice/cri-containerd-ab.scope"));
	assert_true(glob_match("**/lxc.payload.*", "lxc.payload.c1"));
	assert_true(glob_match("**/lxc.payload.*", "a/b/lxc.payload.c1"));
	assert_false(glob_match("**/lxc.payload.*", "lxc.payload.c1/init.scope"));
	assert_true(glob_match("a/**", "a/b/c"));
	assert_true(glob_match("a/**", "a"));
	assert_true(glob_match("**/x/**/y", "x/y"));
	assert_true(glob_match("**/x/**/y", "p/x/q/r/y"));
	assert_false(glob_match("**/x/**/y", "p/x/q/r/y/z"));
}

static void slashes_and_degenerate_input(void **state)
{
	char deep[4096], pat[4096];
	size_t i;

	(void)state;
	assert_true(glob_match("/a//b/", "a/b"));
	assert_false(glob_match(NULL, "a"));
	assert_false(glob_match("a", NULL));
	assert_false(glob_match("a", ""));
	/* deeper than GLOB_MAX_COMPONENTS: never matches, never overflows */
	deep[0] = '\0';
	for (i = 0; i < 200; i++)
		strcat(deep, "d/");
	assert_false(glob_match("**", deep));
	/* many globstars against a long path stay fast (dynamic programming) */
	pat[0] = '\0';
	for (i = 0; i < 60; i++)
		strcat(pat, "**/");
	strcat(pat, "x");
	deep[0] = '\0';
	for (i = 0; i < 100; i++)
		strcat(deep, "d/");
	strcat(deep, "y");
	assert_false(glob_match(pat, deep));
	deep[strlen(deep) - 1] = 'x';
	assert_true(glob_match(pat, deep));
	/* many stars in one component */
	memset(pat, '*', 300);
	strcpy(pat + 300, "b");
	memset(deep, 'a', 1000);
	deep[1000] = '\0';
	assert_false(glob_match(pat, deep));
}

static void checking_patterns(void **state)
{
	(void)state;
	assert_null(glob_check("system.slice/docker-*.scope"));
	assert_null(glob_check("kubepods.slice/**/crio-*.scope"));
	assert_string_equal(glob_check(""), "empty pattern");
	assert_non_null(glob_check("/"));
	assert_non_null(glob_check("**"));
	assert_non_null(glob_check("a/../b"));
	assert_non_null(glob_check("./a"));
	assert_non_null(glob_check("a/b**"));
	assert_non_null(glob_check(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(star_stays_in_a_component),
		cmocka_unit_test(globstar_spans_components),
		cmocka_unit_test(slashes_and_degenerate_input),
		cmocka_unit_test(checking_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
