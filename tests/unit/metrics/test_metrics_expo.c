// SPDX-License-Identifier: GPL-2.0
/* The Prometheus exposition (pure): families, histograms, labels, isolation; kava/runq text. */
#include "../../common/unit.h"
#include "common/kbuf.h"
#include "metrics/expo.h"
#include "metrics/http.h"
#include "metrics/runq.h"

static struct metrics_cpu cpus_a[2] = { { 0, 1500000000ull, 250000000ull }, { 3, 1, 0 } };

static void container(struct metrics_container *c, const char *path, uint64_t id)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->cgroup_id = id;
	c->avenrun[0] = 3 * 2048 / 2;	/* 1.5 */
	c->avenrun[1] = 2048 / 4;	/* 0.25 */
	c->avenrun[2] = 1;		/* 1/2048 */
	c->nr_running = 2;
	c->nr_uninterruptible = -1;	/* a transient negative sum shows as 0 */
	c->nr_threads = 7;
	c->switches = 99;
	c->forks = 4;
	c->visible_cpus = 1;
	c->mem_limit = 512ull << 20;
	c->mem_usage = 1000;
	c->mem_usage_known = 1;
}

static char *render(const struct metrics_agent *a, const struct metrics_container *c, size_t n,
		    const struct metrics_policy *p, size_t np)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(metrics_render(a, c, n, p, np, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

/* The value on the line that starts with `series ` (exactly), or NULL. */
static const char *value_of(const char *text, const char *series)
{
	static char v[64];
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ') {
			sscanf(p + n + 1, "%63s", v);
			return v;
		}
		p += n;
	}
	return NULL;
}

static void loads_tasks_and_cpu_time(void **state)
{
	struct metrics_container c;
	char *t;

	(void)state;
	container(&c, "/a", 11);
	c.cpus = cpus_a;
	c.nr_cpus = 2;
	t = render(NULL, &c, 1, NULL, 0);
	assert_string_equal(value_of(t, "kava_container_load1{cgroup=\"/a\",cgroup_id=\"11\"}"), "1.500000");
	assert_string_equal(value_of(t, "kava_container_load5{cgroup=\"/a\",cgroup_id=\"11\"}"), "0.250000");
	assert_string_equal(value_of(t, "kava_container_load15{cgroup=\"/a\",cgroup_id=\"11\"}"), "0.000488");
	assert_string_equal(value_of(t, "kava_container_cpu_seconds_total{cgroup=\"/a\",cgroup_id=\"11\","
				      "cpu=\"0\",mode=\"user\"}"), "1.5");
	assert_string_equal(value_of(t, "kava_container_cpu_seconds_total{cgroup=\"/a\",cgroup_id=\"11\","
				      "cpu=\"0\",mode=\"system\"}"), "0.25");
	assert_string_equal(value_of(t, "kava_container_cpu_seconds_total{cgroup=\"/a\",cgroup_id=\"11\","
				      "cpu=\"3\",mode=\"user\"}"), "0.000000001");
	assert_string_equal(value_of(t, "kava_container_runnable_tasks{cgroup=\"/a\",cgroup_id=\"11\"}"), "2");
	assert_string_equal(value_of(t, "kava_container_uninterruptible_tasks{cgroup=\"/a\",cgroup_id=\"11\"}"), "0");
	assert_string_equal(value_of(t, "kava_container_threads{cgroup=\"/a\",cgroup_id=\"11\"}"), "7");
	assert_string_equal(value_of(t, "kava_container_context_switches_total{cgroup=\"/a\",cgroup_id=\"11\"}"), "99");
	assert_string_equal(value_of(t, "kava_container_visible_cpus{cgroup=\"/a\",cgroup_id=\"11\"}"), "1");
	assert_string_equal(value_of(t, "kava_container_memory_limit_bytes{cgroup=\"/a\",cgroup_id=\"11\"}"), "536870912");
	/* CPUs it never ran on have no series */
	assert_null(strstr(t, "cpu=\"1\""));
	free(t);
}

static void histogram_from_log2_buckets(void **state)
{
	struct metrics_container c;
	char le[32], *t;

	(void)state;
	container(&c, "/h", 5);
	c.wait_hist[0] = 1;		/* [0, 2) ns */
	c.wait_hist[10] = 4;		/* [1024, 2048) ns */
	c.wait_hist[KAVA_HIST_BUCKETS - 1] = 2;	/* 2^31 ns and longer */
	c.wait_sum_ns = 3500000000ull;
	t = render(NULL, &c, 1, NULL, 0);
	metrics_le(0, le, sizeof(le));
	assert_string_equal(le, "0.000000002");
	metrics_le(9, le, sizeof(le));
	assert_string_equal(le, "0.000001024");
	metrics_le(30, le, sizeof(le));
	assert_string_equal(le, "2.147483648");
#define B "kava_container_runqueue_wait_seconds_bucket{cgroup=\"/h\",cgroup_id=\"5\",le="
	assert_string_equal(value_of(t, B "\"0.000000002\"}"), "1");
	assert_string_equal(value_of(t, B "\"0.000001024\"}"), "1");	/* bucket 10 is above */
	assert_string_equal(value_of(t, B "\"0.000002048\"}"), "5");
	assert_string_equal(value_of(t, B "\"2.147483648\"}"), "5");	/* the last bucket: +Inf only */
	assert_string_equal(value_of(t, B "\"+Inf\"}"), "7");
#undef B
	assert_string_equal(value_of(t, "kava_container_runqueue_wait_seconds_sum{cgroup=\"/h\",cgroup_id=\"5\"}"), "3.5");
	assert_string_equal(value_of(t, "kava_container_runqueue_wait_seconds_count{cgroup=\"/h\",cgroup_id=\"5\"}"), "7");
	/* 31 finite buckets + Inf + sum + count */
	{
		int lines = 0;
		const char *p = t;

		while ((p = strstr(p, "\nkava_container_runqueue_wait_seconds_")) != NULL) {
			lines++;
			p++;
		}
		assert_int_equal(lines, KAVA_HIST_BUCKETS + 2);
	}
	free(t);
}

static void label_values_are_escaped(void **state)
{
	struct metrics_container c;
	char *t;

	(void)state;
	container(&c, "/we\"ird\\pa\nth", 9);
	t = render(NULL, &c, 1, NULL, 0);
	assert_non_null(strstr(t, "cgroup=\"/we\\\"ird\\\\pa\\nth\""));
	free(t);
}

/* Every sample follows its family's HELP and TYPE, and no family appears twice. */
static void families_are_whole(void **state)
{
	static const char *const ops[2] = { "open", "read" };
	struct metrics_hist lat[2] = { { .bucket = { [12] = 3 }, .sum_ns = 15000 } };
	struct metrics_file files[1] = { { "proc/meminfo", 10, 1 } };
	struct metrics_prog progs[1] = { { "kava_sched_switch", 2000000000ull, 7 } };
	struct metrics_policy pol[2] = {
		{ .path = "/a", .cgroup_id = 11, .hook = "cgroup_dev", .allowed = 5, .denied = 2 },
		{ .path = "/a", .cgroup_id = 11, .hook = "capable", .would_deny = 3, .suppressed = 1 },
	};
	struct metrics_agent a = { .version = "1.2", .enabled = 2, .files = files, .nr_files = 1,
				   .fuse_ops = ops, .fuse_lat = lat, .nr_fuse_ops = 2,
				   .bpf_stats_enabled = 1, .progs = progs, .nr_progs = 1,
				   .scrape_cpu_s = 0.002 };
	struct metrics_container c[2];
	char *t, *line, *save = NULL, current[128] = "", seen[64][128];
	int nseen = 0, i;

	(void)state;
	container(&c[0], "/a", 11);
	container(&c[1], "/b", 12);
	t = render(&a, c, 2, pol, 2);
	{
		char series[64];

		snprintf(series, sizeof(series), "kava_build_info{version=\"1.2\",abi=\"%d\"}",
			 KAVA_ABI_VERSION);
		assert_string_equal(value_of(t, series), "1");
	}
	assert_string_equal(value_of(t, "kava_view_render_errors_total{file=\"proc/meminfo\"}"), "1");
	assert_string_equal(value_of(t, "kava_bpf_prog_run_seconds_total{prog=\"kava_sched_switch\"}"), "2");
	assert_string_equal(value_of(t, "kava_fuse_request_duration_seconds_bucket{op=\"open\",le=\"0.000008192\"}"), "3");
	assert_string_equal(value_of(t, "kava_fuse_request_duration_seconds_sum{op=\"open\"}"), "0.000015");
	assert_string_equal(value_of(t, "kava_policy_decisions_total{cgroup=\"/a\",cgroup_id=\"11\",hook=\"cgroup_dev\",decision=\"denied\"}"), "2");
	assert_string_equal(value_of(t, "kava_policy_decisions_total{cgroup=\"/a\",cgroup_id=\"11\",hook=\"capable\",decision=\"would_deny\"}"), "3");
	assert_string_equal(value_of(t, "kava_policy_events_suppressed_total{cgroup=\"/a\",cgroup_id=\"11\",hook=\"capable\"}"), "1");
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%127s", name);
			for (i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], name);
			assert_true(nseen < 64);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
			snprintf(current, sizeof(current), "%s", name);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char type[32];

			sscanf(line + 7, "%127s %31s", name, type);
			assert_string_equal(name, current);
			/* counters end in _total, nothing else does */
			assert_int_equal(!strcmp(type, "counter"),
					 strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total"));
			continue;
		}
		/* a sample: its name is the family's, or the family's plus a histogram suffix */
		assert_true(current[0]);
		assert_int_equal(strncmp(line, current, strlen(current)), 0);
	}
	free(t);
}

/* A container reader's text: no agent families, only what it was given. */
static void container_text_has_no_agent(void **state)
{
	struct metrics_container c;
	char *t;

	(void)state;
	container(&c, "/mine", 42);
	t = render(NULL, &c, 1, NULL, 0);
	assert_null(strstr(t, "kava_build_info"));
	assert_null(strstr(t, "kava_view_requests_total"));
	assert_null(strstr(t, "kava_policy_"));
	assert_null(strstr(t, "cgroup_id=\"4\""));
	free(t);
}

/*
 * The agent renders into the buffer of its last response (its pages are
 * already faulted in): the text is the same as into a new one, nothing of
 * the old text is left, and a buffer with room enough is not reallocated.
 */
static void render_into_a_kept_buffer(void **state)
{
	struct metrics_container c[2];
	struct kbuf b = { 0 };
	char *fresh, *kept;

	(void)state;
	container(&c[0], "/one", 1);
	container(&c[1], "/two", 2);
	fresh = render(NULL, c, 2, NULL, 0);
	kbuf_printf(&b, "%s%s%s", fresh, fresh, "# left over\n");	/* longer than the text */
	b.len = strlen(fresh) + 5;	/* a kept buffer: its text is any length */
	kept = b.data;
	assert_int_equal(metrics_render_buf(NULL, c, 2, NULL, 0, &b), 0);
	assert_ptr_equal(b.data, kept);
	assert_int_equal(b.len, strlen(fresh));
	assert_string_equal(b.data, fresh);
	/* too small: it grows, and the text is whole */
	b.len = 0;
	b.cap = 16;
	b.data[0] = 'x';
	assert_int_equal(metrics_render_buf(NULL, c, 2, NULL, 0, &b), 0);
	assert_string_equal(b.data, fresh);
	kbuf_free(&b);
	free(fresh);
}

/*
 * The buffer the read-ahead faults in for the first scrape after a restart
 * (metrics_text_estimate()) holds the text of that many containers: a
 * docker-length cgroup path, every CPU of the host in the CPU families.
 */
static void estimate_holds_the_text(void **state)
{
	struct metrics_cpu cpus[16];
	struct metrics_container c[20];
	char *text;
	size_t len;

	(void)state;
	for (unsigned int i = 0; i < 16; i++) {
		cpus[i].cpu = i;
		cpus[i].user_ns = 123456789012ull + i;
		cpus[i].system_ns = 98765432109ull + i;
	}
	for (unsigned int i = 0; i < 20; i++) {
		char path[160];

		snprintf(path, sizeof(path), "/system.slice/docker-%064u.scope", i);
		container(&c[i], path, 1000000 + i);
		c[i].cpus = cpus;
		c[i].nr_cpus = 16;
	}
	text = render(NULL, c, 20, NULL, 0);
	len = strlen(text);
	assert_true(metrics_text_estimate(20, 16) >= len);
	/* and not so much more that the first response's buffer is not kept (KEEP_SLACK 4) */
	assert_true(metrics_text_estimate(20, 16) <= 4 * len + 65536);
	free(text);
}

static void runq_text(void **state)
{
	struct metrics_container c[2];
	char *t = NULL;
	size_t len = 0;

	(void)state;
	container(&c[0], "/busy", 1);
	c[0].wait_hist[12] = 10;
	c[0].wait_hist[14] = 5;
	c[0].wait_sum_ns = 15 * 10000;
	container(&c[1], "/idle", 2);
	assert_int_equal(metrics_runq_text(c, 2, &t, &len), 0);
	assert_non_null(strstr(t, "cgroup /busy (id 1)\nsamples 15  mean 10000ns"));
	/* first to last non-empty bucket, the fullest with the whole bar */
	assert_non_null(strstr(t, "     4.1us      8.2us           10 ########################################\n"));
	assert_non_null(strstr(t, "     8.2us     16.4us            0 \n"));
	assert_non_null(strstr(t, "    16.4us     32.8us            5 ####################\n"));
	assert_null(strstr(t, "2.0us      4.1us"));
	assert_non_null(strstr(t, "cgroup /idle (id 2)\nsamples 0"));
	assert_non_null(strstr(t, "(no run-queue waits yet)"));
	free(t);
}

static void listen_specs(void **state)
{
	char host[256], port[16];
	int is_unix;

	(void)state;
	assert_int_equal(metrics_parse_listen("127.0.0.1:9447", host, sizeof(host), port, sizeof(port), &is_unix), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "9447");
	assert_false(is_unix);
	assert_int_equal(metrics_parse_listen(":9447", host, sizeof(host), port, sizeof(port), &is_unix), 0);
	assert_string_equal(host, "");
	assert_int_equal(metrics_parse_listen("[::1]:80", host, sizeof(host), port, sizeof(port), &is_unix), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "80");
	assert_int_equal(metrics_parse_listen("unix:/run/kava.sock", host, sizeof(host), port, sizeof(port), &is_unix), 0);
	assert_true(is_unix);
	assert_string_equal(host, "/run/kava.sock");
	assert_int_equal(metrics_parse_listen("9447", host, sizeof(host), port, sizeof(port), &is_unix), -22);
	assert_int_equal(metrics_parse_listen("::1:80", host, sizeof(host), port, sizeof(port), &is_unix), -22);
	assert_int_equal(metrics_parse_listen("a:", host, sizeof(host), port, sizeof(port), &is_unix), -22);
	assert_int_equal(metrics_parse_listen("a:99999", host, sizeof(host), port, sizeof(port), &is_unix), -22);
	assert_int_equal(metrics_parse_listen("a:8x", host, sizeof(host), port, sizeof(port), &is_unix), -22);
	assert_int_equal(metrics_parse_listen("unix:", host, sizeof(host), port, sizeof(port), &is_unix), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_tasks_and_cpu_time),
		cmocka_unit_test(histogram_from_log2_buckets),
		cmocka_unit_test(label_values_are_escaped),
		cmocka_unit_test(families_are_whole),
		cmocka_unit_test(container_text_has_no_agent),
		cmocka_unit_test(render_into_a_kept_buffer),
		cmocka_unit_test(estimate_holds_the_text),
		cmocka_unit_test(runq_text),
		cmocka_unit_test(listen_specs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
