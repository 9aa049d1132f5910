// SPDX-License-Identifier: GPL-2.0
/*
 * The host's cpuinfo text kept while it cannot change (src/view/host_cpuinfo.c):
 * when a text is fixed, when a kept one is reused, and that a render reads
 * the file afresh where the MHz moves or a visible CPU is not in the kept text.
 */
#include "../../common/unit.h"
#include "view/host_cpuinfo.h"

/* The fixture with `word` put first among its flags (every "flags\t\t: " line). */
static char *with_flag(const char *word)
{
	char *host = unit_fixture("cpuinfo64.host"), *out;
	const char *key = "flags\t\t: ", *p = host;
	size_t n = strlen(word) + 1, extra = 0, at = 0;

	while ((p = strstr(p, key)) != NULL) {
		extra += n;
		p += strlen(key);
	}
	out = malloc(strlen(host) + extra + 1);
	assert_non_null(out);
	for (p = host; *p;) {
		const char *hit = strstr(p, key);
		size_t upto = hit ? (size_t)(hit - p) + strlen(key) : strlen(p);

		memcpy(out + at, p, upto);
		at += upto;
		p += upto;
		if (hit) {
			memcpy(out + at, word, n - 1);
			at += n - 1;
			out[at++] = ' ';
		}
	}
	out[at] = '\0';
	free(host);
	return out;
}

static void fixed_where_the_mhz_cannot_move(void **state)
{
	char *plain = unit_fixture("cpuinfo64.host");
	char *aperf = with_flag("aperfmperf"), *lookalike = with_flag("aperfmperfx");

	(void)state;
	assert_int_equal(host_cpuinfo_fixed(plain, 0), 1);
	assert_int_equal(host_cpuinfo_fixed(plain, 1), 0);	/* cpufreq_quick_get() answers */
	assert_int_equal(host_cpuinfo_fixed(aperf, 0), 0);	/* APERF/MPERF samples */
	assert_int_equal(host_cpuinfo_fixed(lookalike, 0), 1);	/* a whole word only */
	assert_int_equal(host_cpuinfo_fixed(NULL, 0), 0);
	free(plain);
	free(aperf);
	free(lookalike);
}

static void reused_while_fixed_young_and_whole(void **state)
{
	(void)state;
	assert_int_equal(host_cpuinfo_reusable(1, 0, 1), 1);
	assert_int_equal(host_cpuinfo_reusable(1, HOST_CPUINFO_KEEP_NS - 1, 1), 1);
	assert_int_equal(host_cpuinfo_reusable(1, HOST_CPUINFO_KEEP_NS, 1), 0);
	assert_int_equal(host_cpuinfo_reusable(0, 0, 1), 0);
	assert_int_equal(host_cpuinfo_reusable(1, 0, 0), 0);
}

/* Render CPU `cpu` (and `also`, when >= 0) through host_cpuinfo_render(). */
static char *render(int cpu, int also)
{
	struct cpuset vis;
	char *out = NULL;
	size_t len;

	memset(&vis, 0, sizeof(vis));
	cpuset_add(&vis, cpu);
	if (also >= 0)
		cpuset_add(&vis, also);
	assert_int_equal(host_cpuinfo_render(&vis, &out, &len), 0);
	assert_int_equal(len, strlen(out));
	return out;
}

/* The fixture with its model name replaced by `model` (and `flag` among its flags), written to ROOT/cpuinfo. */
static void put_model(const struct unit_scratch *s, const char *model, const char *flag)
{
	char *host = flag ? with_flag(flag) : unit_fixture("cpuinfo64.host"), *p = host;

	while ((p = strstr(p, "AMD EPYC")) != NULL) {
		memcpy(p, model, 8);
		p += 8;
	}
	unit_put(s, "cpuinfo", host);
	free(host);
}

static void setup_paths(const struct unit_scratch *s, int cpufreq_policy)
{
	char cpuinfo[PATH_MAX], cpufreq[PATH_MAX];

	unit_mkdir(s, "cpufreq");
	if (cpufreq_policy)
		unit_mkdir(s, "cpufreq/policy0");
	unit_path(cpuinfo, sizeof(cpuinfo), s, "cpuinfo");
	unit_path(cpufreq, sizeof(cpufreq), s, "cpufreq");
	put_model(s, "MODEL-A1", NULL);
	host_cpuinfo_reset(cpuinfo, cpufreq);
}

static void fixed_text_kept_until_a_cpu_is_missing(void **state)
{
	const struct unit_scratch *s = *state;
	char *a, *b, *c;

	setup_paths(s, 0);
	a = render(3, -1);
	put_model(s, "MODEL-B2", NULL);
	b = render(3, -1);	/* kept: the file is not read */
	c = render(3, 70);	/* CPU 70 is in no kept text: read afresh */
	assert_non_null(strstr(a, "MODEL-A1"));
	assert_non_null(strstr(b, "MODEL-A1"));
	assert_null(strstr(c, "MODEL-A1"));
	assert_non_null(strstr(c, "MODEL-B2"));
	host_cpuinfo_reset(NULL, NULL);
	free(a);
	free(b);
	free(c);
}

/* A kept text is not reused once a read finds the MHz moving (here: the aperfmperf flag). */
static void kept_text_dropped_once_the_mhz_moves(void **state)
{
	const struct unit_scratch *s = *state;
	char *a, *b, *c;

	setup_paths(s, 0);
	a = render(3, -1);			/* fixed: kept */
	put_model(s, "MODEL-B2", "aperfmperf");
	b = render(3, 70);			/* CPU 70 is in no kept text: read, not fixed now */
	put_model(s, "MODEL-C3", "aperfmperf");
	c = render(3, -1);
	assert_non_null(strstr(a, "MODEL-A1"));
	assert_non_null(strstr(b, "MODEL-B2"));
	assert_non_null(strstr(c, "MODEL-C3"));
	host_cpuinfo_reset(NULL, NULL);
	free(a);
	free(b);
	free(c);
}

static void read_every_time_where_cpufreq_answers(void **state)
{
	const struct unit_scratch *s = *state;
	char *a, *b;

	setup_paths(s, 1);
	a = render(3, -1);
	put_model(s, "MODEL-B2", NULL);
	b = render(3, -1);
	assert_non_null(strstr(a, "MODEL-A1"));
	assert_non_null(strstr(b, "MODEL-B2"));
	host_cpuinfo_reset(NULL, NULL);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_where_the_mhz_cannot_move),
		cmocka_unit_test(reused_while_fixed_young_and_whole),
		cmocka_unit_test_setup_teardown(fixed_text_kept_until_a_cpu_is_missing,
						unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(kept_text_dropped_once_the_mhz_moves,
						unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(read_every_time_where_cpufreq_answers,
						unit_scratch_setup, unit_scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
