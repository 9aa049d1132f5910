// SPDX-License-Identifier: GPL-2.0
/* kava top's pure parts: CPU % and run-queue figures of an interval, order, cells, rows within the width, JSON. */
#include "../../common/unit.h"
#include <json-c/json.h>
#include "cgroup/files.h"
#include "metrics/top.h"

#define SEC 1000000000ull

static struct metrics_cpu cpu_store[8][2];

/* Container `i` of a test: `cpu_ns` of CPU time on two host CPUs (split in half). */
static void container(struct metrics_container *c, int i, const char *path, uint64_t id,
		      uint64_t cpu_ns, int visible)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->cgroup_id = id;
	c->avenrun[0] = 2048 + 1024;	/* 1.50 */
	c->avenrun[1] = 1024;		/* 0.50 */
	c->avenrun[2] = 205;		/* 0.10 */
	c->nr_running = 1;
	c->nr_threads = 3;
	c->visible_cpus = visible;
	c->mem_usage_known = 1;
	c->mem_usage = 300ull << 20;
	c->mem_limit = 512ull << 20;
	cpu_store[i][0] = (struct metrics_cpu){ 0, cpu_ns / 4, cpu_ns / 4 };
	cpu_store[i][1] = (struct metrics_cpu){ 1, cpu_ns / 2, cpu_ns - cpu_ns / 4 * 2 - cpu_ns / 2 };
	c->cpus = cpu_store[i];
	c->nr_cpus = 2;
}

static void cpu_percent_of_the_visible_cpus(void **state)
{
	struct metrics_container prev[2], now[2];
	struct top_row rows[2];

	(void)state;
	container(&prev[0], 0, "/a", 10, 5 * SEC, 1);
	container(&prev[1], 1, "/b", 11, 7 * SEC, 2);
	container(&now[0], 2, "/a", 10, 5 * SEC + SEC / 2, 1);	/* half a CPU for 1 s */
	container(&now[1], 3, "/b", 11, 7 * SEC + 3 * SEC, 2);	/* 3 s of 2 CPUs over 2 s */
	assert_int_equal(top_cpu_total(&now[1]), 10 * SEC);
	top_rows(prev, 2, now, 2, NULL, 0, SEC, rows);
	assert_float_equal(rows[0].cpu_pct, 50.0, 1e-9);
	assert_int_equal(rows[0].cpu_ns, SEC / 2);
	top_rows(prev, 2, now, 2, NULL, 0, 2 * SEC, rows);
	assert_float_equal(rows[0].cpu_pct, 25.0, 1e-9);
	assert_float_equal(rows[1].cpu_pct, 75.0, 1e-9);
	assert_string_equal(rows[1].path, "/b");
	assert_int_equal(rows[1].cgroup_id, 11);
	assert_int_equal(rows[1].avenrun[0], 3072);
}

static void matched_by_cgroup_id_not_position(void **state)
{
	struct metrics_container prev[2], now[2];
	struct top_row rows[2];

	(void)state;
	/* /a went away, /b moved up, a new /c came: no CPU % for /c (no earlier sample) */
	container(&prev[0], 0, "/a", 10, 5 * SEC, 1);
	container(&prev[1], 1, "/b", 11, 1 * SEC, 1);
	container(&now[0], 2, "/b", 11, 2 * SEC, 1);
	container(&now[1], 3, "/c", 12, 9 * SEC, 1);
	top_rows(prev, 2, now, 2, NULL, 0, SEC, rows);
	assert_float_equal(rows[0].cpu_pct, 100.0, 1e-9);
	assert_true(rows[1].cpu_pct < 0);
	assert_false(rows[1].rq_known);
	/* no earlier sample at all, and counters that went back (enabled anew) */
	top_rows(NULL, 0, now, 2, NULL, 0, SEC, rows);
	assert_true(rows[0].cpu_pct < 0 && rows[1].cpu_pct < 0);
	container(&prev[0], 0, "/b", 11, 50 * SEC, 1);
	top_rows(prev, 1, now, 1, NULL, 0, SEC, rows);
	assert_true(rows[0].cpu_pct < 0);
	/* an unknown number of visible CPUs: the time, not a percentage */
	container(&prev[0], 0, "/b", 11, 1 * SEC, 0);
	container(&now[0], 2, "/b", 11, 2 * SEC, 0);
	top_rows(prev, 1, now, 1, NULL, 0, SEC, rows);
	assert_true(rows[0].cpu_pct < 0);
}

static void runq_percentiles_of_the_interval(void **state)
{
	struct metrics_container prev, now;
	struct top_row r;

	(void)state;
	container(&prev, 0, "/a", 10, SEC, 1);
	container(&now, 1, "/a", 10, SEC, 1);
	/* before: 1000 waits of ~1 us; in the interval: 100 waits of [1, 2) ms */
	prev.wait_hist[10] = 1000;
	now.wait_hist[10] = 1000;
	now.wait_hist[20] = 100;
	top_rows(&prev, 1, &now, 1, NULL, 0, SEC, &r);
	assert_true(r.rq_known);
	assert_int_equal(r.rq_samples, 100);
	assert_true(r.rq_p50_ns >= (1u << 20) && r.rq_p50_ns < (2u << 20));
	assert_true(r.rq_p99_ns >= (1u << 20) && r.rq_p99_ns <= (2u << 20));
	/* no wait in the interval: known, no samples; a bucket that went back: unknown */
	top_rows(&now, 1, &now, 1, NULL, 0, SEC, &r);
	assert_true(r.rq_known);
	assert_int_equal(r.rq_samples, 0);
	top_rows(&now, 1, &prev, 1, NULL, 0, SEC, &r);
	assert_false(r.rq_known);
}

static void counts_denials_and_memory(void **state)
{
	struct metrics_policy pol[2] = {
		{ .path = "/a", .cgroup_id = 10, .allowed = 50, .denied = 3, .would_deny = 4 },
		{ .path = "/x", .cgroup_id = 99, .denied = 100 },
	};
	struct metrics_container c[2];
	struct top_row r[2];

	(void)state;
	container(&c[0], 0, "/a", 10, SEC, 1);
	container(&c[1], 1, "/b", 11, SEC, 1);
	c[1].nr_running = -1;		/* a transient negative sum */
	c[1].nr_uninterruptible = 2;
	c[1].mem_usage_known = 0;
	top_rows(NULL, 0, c, 2, pol, 2, SEC, r);
	assert_true(r[0].policied);
	assert_int_equal(r[0].denials, 7);
	assert_false(r[1].policied);
	assert_int_equal(r[1].running, 0);
	assert_int_equal(r[1].blocked, 2);
	assert_int_equal(r[0].threads, 3);
	assert_true(r[0].mem_known);
	assert_int_equal(r[0].mem_usage, 300ull << 20);
	assert_false(r[1].mem_known);
}

static void row(struct top_row *r, const char *path, uint64_t id, double cpu, uint64_t load1)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->cgroup_id = id;
	r->cpu_pct = cpu;
	r->avenrun[0] = load1;
}

static void order(const struct top_row *r, size_t n, const char *want)
{
	char got[64] = "";
	size_t i;

	for (i = 0; i < n; i++)
		strncat(got, r[i].path + 1, sizeof(got) - strlen(got) - 1);
	assert_string_equal(got, want);
}

static void sorting(void **state)
{
	struct top_row r[5];

	(void)state;
	row(&r[0], "/a", 1, 10, 300);
	row(&r[1], "/b", 2, -1, 100);	/* CPU % unknown (new) */
	row(&r[2], "/c", 3, 90, 200);
	row(&r[3], "/d", 4, 10, 400);	/* ties with /a on CPU: by name */
	row(&r[4], "/e", 5, 50, 0);
	top_sort(r, 5, TOP_CPU, 0);
	order(r, 5, "ceadb");
	top_sort(r, 5, TOP_CPU, 1);
	order(r, 5, "daecb");		/* reversed, unknown still last */
	top_sort(r, 5, TOP_NAME, 0);
	order(r, 5, "abcde");
	top_sort(r, 5, TOP_NAME, 1);
	order(r, 5, "edcba");
	top_sort(r, 5, TOP_LOAD1, 0);
	order(r, 5, "dacbe");
	top_sort(r, 0, TOP_LOAD1, 0);	/* nothing to sort */
}

static void columns_and_keys(void **state)
{
	(void)state;
	assert_int_equal(top_col_parse("cpu"), TOP_CPU);
	assert_int_equal(top_col_parse("CPU"), TOP_CPU);
	assert_int_equal(top_col_parse("threads"), TOP_THREADS);
	assert_int_equal(top_col_parse("load15"), TOP_LOAD15);
	assert_int_equal(top_col_parse("cpu%"), -1);
	assert_int_equal(top_col_parse(""), -1);
	assert_int_equal(top_col_of_key('c'), TOP_CPU);
	assert_int_equal(top_col_of_key('P'), TOP_CPU);
	assert_int_equal(top_col_of_key('M'), TOP_MEM);
	assert_int_equal(top_col_of_key('n'), TOP_NAME);
	assert_int_equal(top_col_of_key('q'), -1);
	assert_int_equal(top_col_of_key('<'), -1);
}

#define CELL(fn, want, ...) do { char b[32]; fn(__VA_ARGS__, b, sizeof(b)); assert_string_equal(b, want); } while (0)

static void cells(void **state)
{
	(void)state;
	/* loads round as fs/proc/loadavg.c: + FIXED_1/200, then two decimals */
	CELL(top_fmt_load, "0.00", 0);
	CELL(top_fmt_load, "1.50", 3072);
	CELL(top_fmt_load, "0.10", 205);
	CELL(top_fmt_load, "99.99", 99 * 2048 + 2027);
	CELL(top_fmt_load, "123.4", 123 * 2048 + 900);
	CELL(top_fmt_load, "12345", 12345ull * 2048);
	CELL(top_fmt_load, "123k", 123456ull * 2048);
	CELL(top_fmt_pct, "-", -1);
	CELL(top_fmt_pct, "0.0", 0);
	CELL(top_fmt_pct, "12.3", 12.34);
	CELL(top_fmt_pct, "100.0", 99.97);
	CELL(top_fmt_pct, "1234", 1234.4);
	CELL(top_fmt_count, "0", -3, 3);
	CELL(top_fmt_count, "999", 999, 3);
	CELL(top_fmt_count, "1k", 1999, 3);
	CELL(top_fmt_count, "99k", 99999, 3);
	CELL(top_fmt_count, "***", 123456, 3);
	CELL(top_fmt_count, "12345", 12345, 5);
	CELL(top_fmt_count, "123k", 123456, 5);
	CELL(top_fmt_count, "4194k", 4194304, 5);
	CELL(top_fmt_count, "4M", 4194304, 4);
	CELL(top_fmt_ns, "0ns", 0);
	CELL(top_fmt_ns, "999ns", 999);
	CELL(top_fmt_ns, "1.0us", 1000);
	CELL(top_fmt_ns, "9.9us", 9940);
	CELL(top_fmt_ns, "10us", 9950);
	CELL(top_fmt_ns, "999us", 999400);
	CELL(top_fmt_ns, "1.0ms", 999600);
	CELL(top_fmt_ns, "2.1s", 2147483648ull);
	CELL(top_fmt_ns, "999s", 999ull * SEC);
	CELL(top_fmt_ns, "*****", 1000ull * SEC);
	CELL(top_fmt_bytes, "999B", 999);
	CELL(top_fmt_bytes, "1.0K", 1000);
	CELL(top_fmt_bytes, "512M", 512ull << 20);
	CELL(top_fmt_bytes, "1.5G", 3ull << 29);
	CELL(top_fmt_bytes, "24G", 24ull << 30);
	CELL(top_fmt_bytes, "1.0T", 1023ull << 30);
}

/* A row with every column filled, as one golden line. */
static void full_row(struct top_row *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->avenrun[0] = 2048 + 2007;	/* 1.98 */
	r->avenrun[1] = 1024;
	r->avenrun[2] = 20 * 2048;
	r->cpu_pct = 97.25;
	r->running = 2;
	r->blocked = 1;
	r->rq_known = 1;
	r->rq_samples = 10;
	r->rq_p50_ns = 42000;
	r->rq_p99_ns = 3500000;
	r->threads = 1234;
	r->mem_known = 1;
	r->mem_usage = 300ull << 20;
	r->mem_limit = 512ull << 20;
	r->policied = 1;
	r->denials = 7;
}

static void rows_fit_the_width(void **state)
{
	char line[512], cell[16];
	struct top_row r;
	int start, len;

	(void)state;
	top_format_header(80, line, sizeof(line));
	assert_string_equal(line, "CONTAINER      LOAD1 LOAD5 LOAD15  CPU% RUN BLK  RQ50  RQ99   THR "
				  "MEM/LIMIT DENY");
	assert_int_equal(strlen(line), 80);
	full_row(&r, "/web");
	top_format_row(&r, 80, line, sizeof(line));
	assert_string_equal(line, "/web            1.98  0.50  20.00  97.2   2   1  42us 3.5ms  1234 "
				  "300M/512M    7");
	assert_int_equal(strlen(line), 80);
	/* the sort column's place in the header and in every row */
	top_col_span(TOP_CPU, 80, &start, &len);
	top_format_header(80, line, sizeof(line));
	snprintf(cell, sizeof(cell), "%.*s", len, line + start);
	assert_string_equal(cell, " CPU%");
	top_col_span(TOP_NAME, 80, &start, &len);
	assert_int_equal(start, 0);
	assert_int_equal(len, 80 - TOP_FIXED_WIDTH);
	top_col_span(TOP_DENY, 80, &start, &len);
	assert_int_equal(start + len, 80);
	/* a long path: its end after "..", still 80 columns */
	full_row(&r, "/system.slice/docker-0123456789abcdef0123456789abcdef.scope");
	top_format_row(&r, 80, line, sizeof(line));
	assert_int_equal(strlen(line), 80);
	assert_memory_equal(line, "..abcdef.scope ", 15);
	/* wider: the name gets the room; narrower: cut */
	top_format_row(&r, 132, line, sizeof(line));
	assert_int_equal(strlen(line), 132);
	assert_memory_equal(line, "/system.slice/docker-", 21);
	top_format_row(&r, 60, line, sizeof(line));
	assert_int_equal(strlen(line), 60);
	top_format_header(60, line, sizeof(line));
	assert_int_equal(strlen(line), 60);
	assert_memory_equal(line, "CONTAINE LOAD1", 14);	/* the label cut at its end */
	/* unknown figures show '-' */
	row(&r, "/new", 1, -1, 0);
	top_format_row(&r, 80, line, sizeof(line));
	assert_string_equal(line, "/new            0.00  0.00   0.00     -   0   0     -     -     0 "
				  "        -    -");
	/* a buffer shorter than the width: cut, never overrun */
	full_row(&r, "/web");
	top_format_row(&r, 80, cell, sizeof(cell));
	assert_int_equal(strlen(cell), sizeof(cell) - 1);
}

static void summary_line(void **state)
{
	struct top_summary s = { .time = "12:34:56", .containers = 3, .host_load = { 1.2, 0.8, 17.96 },
				 .host_known = 1, .delay_s = 2, .interval_s = 2.001, .sort = TOP_CPU };
	char line[256];

	(void)state;
	top_format_summary(&s, 80, line, sizeof(line));
	assert_string_equal(line, "kava top 12:34:56  3 containers  every 2s  sort cpu  "
				  "host load 1.20 0.80 17.96");
	s.containers = 1;
	s.reverse = 1;
	s.sort = TOP_THREADS;
	s.delay_s = 0.5;
	s.host_known = 0;
	top_format_summary(&s, 80, line, sizeof(line));
	assert_string_equal(line, "kava top 12:34:56  1 container  every 0.5s  sort threads rev");
	/* the host's load does not fit whole: left out, not cut */
	s.host_known = 1;
	s.containers = 1024;
	s.host_load[0] = s.host_load[1] = s.host_load[2] = 123.45;
	top_format_summary(&s, 80, line, sizeof(line));
	assert_string_equal(line, "kava top 12:34:56  1024 containers  every 0.5s  sort threads rev");
	top_format_summary(&s, 120, line, sizeof(line));
	assert_string_equal(line, "kava top 12:34:56  1024 containers  every 0.5s  sort threads rev  "
				  "host load 123.45 123.45 123.45");
	/* narrower than the rest: cut */
	top_format_summary(&s, 40, line, sizeof(line));
	assert_int_equal(strlen(line), 40);
}

static void json_frame(void **state)
{
	struct top_summary s = { .time = "12:34:56", .containers = 2, .host_load = { 1, 2, 3 },
				 .host_known = 1, .delay_s = 2, .interval_s = 2.5, .sort = TOP_MEM };
	struct json_object *o, *c, *v;
	struct top_row r[3];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	full_row(&r[0], "/we\"b");
	r[0].cgroup_id = 77;
	r[0].cpu_ns = 123;
	r[0].visible_cpus = 2;
	row(&r[1], "/new", 78, -1, 0);
	row(&r[2], "/idle", 79, 0, 0);
	r[2].rq_known = 1;		/* no wait in the interval */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(top_write_json(f, "2026-01-01T00:00:00.000Z", &s, r, 3), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(text[len - 1], '\n');
	assert_null(memchr(text, '\n', len - 1));	/* one line per refresh */
	o = json_tokener_parse(text);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "sort", &v));
	assert_string_equal(json_object_get_string(v), "mem");
	assert_true(json_object_object_get_ex(o, "interval_s", &v));
	assert_float_equal(json_object_get_double(v), 2.5, 1e-9);
	assert_true(json_object_object_get_ex(o, "containers", &v));
	assert_int_equal(json_object_array_length(v), 3);
	c = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(c, "cgroup", &v));
	assert_string_equal(json_object_get_string(v), "/we\"b");
	assert_true(json_object_object_get_ex(c, "cpu_percent", &v));
	assert_float_equal(json_object_get_double(v), 97.25, 1e-9);
	assert_true(json_object_object_get_ex(c, "loadavg", &v));
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(v, 0)), 2048 + 2007);
	assert_true(json_object_object_get_ex(c, "policy_denials", &v));
	assert_int_equal(json_object_get_int64(v), 7);
	assert_true(json_object_object_get_ex(c, "nr_threads", &v));
	assert_int_equal(json_object_get_int64(v), 1234);
	c = json_object_array_get_idx(json_object_object_get(o, "containers"), 1);
	assert_true(json_object_object_get_ex(c, "cpu_percent", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(c, "runq_wait_ns", &v));
	assert_null(v);
	c = json_object_array_get_idx(json_object_object_get(o, "containers"), 2);
	assert_true(json_object_object_get_ex(c, "runq_wait_ns", &v));
	assert_non_null(v);
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "samples")), 0);
	assert_true(json_object_object_get_ex(v, "p99", &v));
	assert_null(v);			/* no percentile, not 0 ns */
	json_object_put(o);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpu_percent_of_the_visible_cpus),
		cmocka_unit_test(matched_by_cgroup_id_not_position),
		cmocka_unit_test(runq_percentiles_of_the_interval),
		cmocka_unit_test(counts_denials_and_memory),
		cmocka_unit_test(sorting),
		cmocka_unit_test(columns_and_keys),
		cmocka_unit_test(cells),
		cmocka_unit_test(rows_fit_the_width),
		cmocka_unit_test(summary_line),
		cmocka_unit_test(json_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
