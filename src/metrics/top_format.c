// SPDX-License-Identifier: GPL-2.0
/* kava top's text: cells, rows and the header within the terminal's width, and JSON (pure). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cgroup/files.h"
#include "common/json.h"
#include "kava_loadavg.h"
#include "metrics/top.h"

/* As fs/proc/loadavg.c prints it (value + FIXED_1/200, two decimals), in 5 characters. */
void top_fmt_load(uint64_t avenrun, char *out, size_t size)
{
	uint64_t v = avenrun + KAVA_FIXED_1 / 200;
	unsigned long long i = kava_load_int(v), f = kava_load_frac(v);

	if (i < 100)
		snprintf(out, size, "%llu.%02llu", i, f);
	else if (i < 1000)
		snprintf(out, size, "%llu.%llu", i, f / 10);
	else if (i < 100000)
		snprintf(out, size, "%llu", i);
	else
		snprintf(out, size, "%lluk", i / 1000);
}

void top_fmt_pct(double pct, char *out, size_t size)
{
	if (pct < 0)
		snprintf(out, size, "-");
	else if (pct < 999.95)
		snprintf(out, size, "%.1f", pct);
	else if (pct < 99999.5)
		snprintf(out, size, "%.0f", pct);
	else
		snprintf(out, size, "*");
}

/* `width` '*': a figure too large for its column (as Fortran prints an overflow). */
static void overflow(int width, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < (size_t)width && i + 1 < size; i++)
		out[i] = '*';
	if (size)
		out[i < size ? i : size - 1] = '\0';
}

void top_fmt_count(int64_t v, int width, char *out, size_t size)
{
	static const char suffix[] = " kMGTE";
	uint64_t u = v < 0 ? 0 : (uint64_t)v, div = 1;
	int s, n;

	for (s = 0; suffix[s]; s++, div *= 1000) {
		/* whole numbers, rounded down: 12k, not 12.3k (width 3 has no room) */
		if (s && u < div)
			break;	/* 0k would say nothing */
		if (s)
			n = snprintf(out, size, "%" PRIu64 "%c", u / div, suffix[s]);
		else
			n = snprintf(out, size, "%" PRIu64, u);
		if (n <= width)
			return;
	}
	overflow(width, out, size);
}

/* v in `unit`s: one decimal below 9.95, whole up to 999; 0 when neither fits. */
static int scaled(double v, const char *unit, char *out, size_t size)
{
	if (v < 9.95)
		snprintf(out, size, "%.1f%s", v, unit);
	else if (v < 999.5)
		snprintf(out, size, "%.0f%s", v, unit);
	else
		return 0;
	return 1;
}

void top_fmt_ns(uint64_t ns, char *out, size_t size)
{
	if (ns < 1000)
		snprintf(out, size, "%" PRIu64 "ns", ns);
	else if (!scaled((double)ns / 1e3, "us", out, size) &&
		 !scaled((double)ns / 1e6, "ms", out, size) &&
		 !scaled((double)ns / 1e9, "s", out, size))
		overflow(5, out, size);
}

void top_fmt_bytes(uint64_t b, char *out, size_t size)
{
	static const char *const units[] = { "K", "M", "G", "T", "P", "E" };
	double v = (double)b;
	size_t u;

	if (b < 1000) {
		snprintf(out, size, "%" PRIu64 "B", b);
		return;
	}
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		v /= 1024;
		if (scaled(v, units[u], out, size))
			return;
	}
	overflow(4, out, size);
}

static int name_width(int width)
{
	int w = width - TOP_FIXED_WIDTH;

	return w < TOP_NAME_MIN ? TOP_NAME_MIN : w;
}

void top_col_span(enum top_col col, int width, int *start, int *len)
{
	int pos = name_width(width), c;

	if (col == TOP_NAME) {
		*start = 0;
		*len = pos;
		return;
	}
	for (c = TOP_NAME + 1; c < (int)col; c++)
		pos += 1 + top_cols[c].width;
	*start = pos + 1;
	*len = top_cols[col].width;
}

/* Append `cell` right-aligned in `col`'s width after one space. */
static size_t put_cell(char *out, size_t size, size_t at, enum top_col col, const char *cell)
{
	int n = snprintf(at < size ? out + at : NULL, at < size ? size - at : 0, " %*.*s",
			 top_cols[col].width, top_cols[col].width, cell);

	return at + (n > 0 ? (size_t)n : 0);
}

/* The path in `w` columns: whole and padded, or its end after "..". */
static size_t put_name(char *out, size_t size, int w, const char *path)
{
	size_t len = strlen(path);

	if ((int)len <= w)
		snprintf(out, size, "%-*s", w, path);
	else
		snprintf(out, size, "..%s", path + len - (size_t)(w - 2));
	return (size_t)w;
}

/* Cut at `width` columns (what a narrower terminal shows of the row). */
static void cut(char *out, size_t size, int width)
{
	if ((size_t)width < size && strlen(out) > (size_t)width)
		out[width] = '\0';
}

void top_format_header(int width, char *out, size_t size)
{
	size_t at;
	int c;

	if (!size)
		return;
	/* a label is cut at its end, not shown by its end as a path is */
	at = (size_t)name_width(width);
	snprintf(out, size, "%-*.*s", (int)at, (int)at, top_cols[TOP_NAME].label);
	for (c = TOP_NAME + 1; c < TOP_NCOLS; c++)
		at = put_cell(out, size, at, c, top_cols[c].label);
	cut(out, size, width);
}

void top_format_row(const struct top_row *r, int width, char *out, size_t size)
{
	char cell[TOP_NCOLS][32], use[16], lim[16];
	size_t at;
	int c;

	if (!size)
		return;
	top_fmt_load(r->avenrun[0], cell[TOP_LOAD1], sizeof(cell[0]));
	top_fmt_load(r->avenrun[1], cell[TOP_LOAD5], sizeof(cell[0]));
	top_fmt_load(r->avenrun[2], cell[TOP_LOAD15], sizeof(cell[0]));
	top_fmt_pct(r->cpu_pct, cell[TOP_CPU], sizeof(cell[0]));
	top_fmt_count(r->running, top_cols[TOP_RUN].width, cell[TOP_RUN], sizeof(cell[0]));
	top_fmt_count(r->blocked, top_cols[TOP_BLK].width, cell[TOP_BLK], sizeof(cell[0]));
	if (r->rq_known && r->rq_samples) {
		top_fmt_ns(r->rq_p50_ns, cell[TOP_RQ50], sizeof(cell[0]));
		top_fmt_ns(r->rq_p99_ns, cell[TOP_RQ99], sizeof(cell[0]));
	} else {
		snprintf(cell[TOP_RQ50], sizeof(cell[0]), "-");
		snprintf(cell[TOP_RQ99], sizeof(cell[0]), "-");
	}
	top_fmt_count(r->threads, top_cols[TOP_THREADS].width, cell[TOP_THREADS], sizeof(cell[0]));
	if (r->mem_known) {
		top_fmt_bytes(r->mem_usage, use, sizeof(use));
		if (r->mem_limit && r->mem_limit != KAVA_UNLIMITED)
			top_fmt_bytes(r->mem_limit, lim, sizeof(lim));
		else
			snprintf(lim, sizeof(lim), "-");
		snprintf(cell[TOP_MEM], sizeof(cell[0]), "%s/%s", use, lim);
	} else {
		snprintf(cell[TOP_MEM], sizeof(cell[0]), "-");
	}
	if (r->policied)
		top_fmt_count((int64_t)r->denials, top_cols[TOP_DENY].width, cell[TOP_DENY],
			      sizeof(cell[0]));
	else
		snprintf(cell[TOP_DENY], sizeof(cell[0]), "-");
	at = put_name(out, size, name_width(width), r->path);
	for (c = TOP_NAME + 1; c < TOP_NCOLS; c++)
		at = put_cell(out, size, at, c, cell[c]);
	cut(out, size, width);
}

void top_format_summary(const struct top_summary *s, int width, char *out, size_t size)
{
	char host[80];
	size_t len;

	snprintf(out, size, "kava top %s  %zu container%s  every %.3gs  sort %s%s", s->time,
		 s->containers, s->containers == 1 ? "" : "s", s->delay_s, top_cols[s->sort].name,
		 s->reverse ? " rev" : "");
	/* the host's load last, and only whole: a number cut short would mislead */
	len = strlen(out);
	if (s->host_known) {
		snprintf(host, sizeof(host), "  host load %.2f %.2f %.2f", s->host_load[0],
			 s->host_load[1], s->host_load[2]);
		if (len + strlen(host) <= (size_t)width && len + strlen(host) < size)
			snprintf(out + len, size - len, "%s", host);
	}
	cut(out, size, width);
}

static void json_u64_or_null(FILE *f, const char *key, int known, uint64_t v)
{
	if (known)
		fprintf(f, ",\"%s\":%" PRIu64, key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

static void json_row(FILE *f, const struct top_row *r)
{
	fprintf(f, "{\"cgroup\":");
	json_write_string(f, r->path);
	fprintf(f, ",\"cgroup_id\":%" PRIu64 ",\"loadavg\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
		r->cgroup_id, r->avenrun[0], r->avenrun[1], r->avenrun[2]);
	fprintf(f, ",\"loadavg_fixed_shift\":%d,\"visible_cpus\":%d", KAVA_FSHIFT, r->visible_cpus);
	json_u64_or_null(f, "cpu_ns", r->cpu_pct >= 0, r->cpu_ns);
	if (r->cpu_pct >= 0)
		fprintf(f, ",\"cpu_percent\":%.2f", r->cpu_pct);
	else
		fprintf(f, ",\"cpu_percent\":null");
	fprintf(f, ",\"nr_running\":%" PRId64 ",\"nr_uninterruptible\":%" PRId64
		",\"nr_threads\":%" PRId64, r->running, r->blocked, r->threads);
	if (r->rq_known) {
		fprintf(f, ",\"runq_wait_ns\":{\"samples\":%" PRIu64, r->rq_samples);
		/* no wait in the interval: no percentile (not 0 ns) */
		json_u64_or_null(f, "p50", r->rq_samples > 0, r->rq_p50_ns);
		json_u64_or_null(f, "p99", r->rq_samples > 0, r->rq_p99_ns);
		fputc('}', f);
	} else
		fprintf(f, ",\"runq_wait_ns\":null");
	json_u64_or_null(f, "memory_usage_bytes", r->mem_known, r->mem_usage);
	json_u64_or_null(f, "memory_limit_bytes", r->mem_known && r->mem_limit &&
			 r->mem_limit != KAVA_UNLIMITED, r->mem_limit);
	json_u64_or_null(f, "policy_denials", r->policied, r->denials);
	fputc('}', f);
}

int top_write_json(FILE *out, const char *iso_time, const struct top_summary *s,
		   const struct top_row *rows, size_t n)
{
	size_t i;

	fprintf(out, "{\"time\":");
	json_write_string(out, iso_time);
	fprintf(out, ",\"delay_s\":%g,\"interval_s\":%.6f,\"sort\":\"%s\",\"reverse\":%s",
		s->delay_s, s->interval_s, top_cols[s->sort].name, s->reverse ? "true" : "false");
	if (s->host_known)
		fprintf(out, ",\"host_loadavg\":[%.2f,%.2f,%.2f]", s->host_load[0],
			s->host_load[1], s->host_load[2]);
	fprintf(out, ",\"containers\":[");
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		json_row(out, &rows[i]);
	}
	fprintf(out, "]}\n");
	return ferror(out) ? -EIO : 0;
}
