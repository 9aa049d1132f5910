/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kava top's pure parts: the rows of one refresh from two samples of
 * metrics_collect() (CPU % of the visible CPUs and run-queue percentiles
 * over the interval between them), their order, and their text, each row
 * cut to the terminal's width (80 columns by default). The terminal and the
 * sampling are src/cli/top.c's.
 */
#ifndef KAVA_METRICS_TOP_H
#define KAVA_METRICS_TOP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "metrics/expo.h"

/* The columns, left to right. */
enum top_col {
	TOP_NAME,
	TOP_LOAD1,
	TOP_LOAD5,
	TOP_LOAD15,
	TOP_CPU,
	TOP_RUN,
	TOP_BLK,
	TOP_RQ50,
	TOP_RQ99,
	TOP_THREADS,
	TOP_MEM,
	TOP_DENY,
	TOP_NCOLS
};

struct top_col_info {
	const char *name;     /* for --sort and JSON: "cpu" */
	const char *label;    /* the header's: "CPU%" */
	char key;             /* interactive key that sorts by it (0: none, < > only) */
	int width;            /* text width (the name's: what the others leave) */
};

extern const struct top_col_info top_cols[TOP_NCOLS];

/* What the columns after the name take, with their separating spaces. */
#define TOP_FIXED_WIDTH 66
/* The name column never gets narrower than this (the row is cut instead). */
#define TOP_NAME_MIN 8
#define TOP_WIDTH_DEFAULT 80

/* One container in one refresh. */
struct top_row {
	char path[512];             /* relative to the cgroup2 mount */
	uint64_t cgroup_id;
	uint64_t avenrun[3];        /* fixed point, FSHIFT 11 */
	int visible_cpus;           /* <= 0: unknown */
	uint64_t cpu_ns;            /* CPU time used in the interval */
	double cpu_pct;             /* cpu_ns over interval x visible CPUs; < 0: unknown */
	int64_t running, blocked, threads;   /* never negative */
	int rq_known;               /* the interval's run-queue waits are known */
	uint64_t rq_samples, rq_p50_ns, rq_p99_ns;   /* waits that ended in the interval */
	int mem_known;
	uint64_t mem_usage, mem_limit;   /* bytes */
	int policied;               /* a policy counts its decisions */
	uint64_t denials;           /* denied + would_deny (audit), since the policy was applied */
};

/* All CPU time of a container (user + system over its CPUs), ns. */
uint64_t top_cpu_total(const struct metrics_container *c);

/*
 * The rows of `now` (n containers, the rows array holds n), given the
 * sample `prev` (np containers) taken interval_ns earlier and the policy
 * counters `pol`. A container is matched in `prev` by cgroup id; one that
 * is new, or whose counters went back (disabled and enabled again), gets
 * no CPU % or run-queue figures (cpu_pct < 0, rq_known 0) this time.
 */
void top_rows(const struct metrics_container *prev, size_t np, const struct metrics_container *now,
	      size_t n, const struct metrics_policy *pol, size_t npol, uint64_t interval_ns,
	      struct top_row *rows);

/*
 * Order rows by `col`: the name ascending, numbers descending (busiest
 * first), unknown figures last; `reverse` turns the order round. Ties go
 * by name, then cgroup id, so the order is the same every refresh.
 */
void top_sort(struct top_row *rows, size_t n, enum top_col col, int reverse);

/* The column called `name` (case does not matter), or -1. */
int top_col_parse(const char *name);
/* The column the interactive key `key` sorts by (case does not matter), or -1. */
int top_col_of_key(int key);

/* Cell texts (NUL-terminated, at most the column's width). */
void top_fmt_load(uint64_t avenrun, char *out, size_t size);        /* "0.98", "123.4" */
void top_fmt_pct(double pct, char *out, size_t size);               /* "97.3", "-" */
void top_fmt_count(int64_t v, int width, char *out, size_t size);   /* "123", "12k" */
void top_fmt_ns(uint64_t ns, char *out, size_t size);              /* "850ns", "1.2ms" */
void top_fmt_bytes(uint64_t b, char *out, size_t size);            /* "512M", "1.5G" */

/* Where column `col` lies in a row or header `width` wide: first byte and length. */
void top_col_span(enum top_col col, int width, int *start, int *len);

/*
 * The header and one row, `width` columns wide at most (a narrower one is
 * cut): the name column gets width - TOP_FIXED_WIDTH, at least
 * TOP_NAME_MIN, and a longer path shows its end after "..". `out` needs
 * width + 1 bytes (at least TOP_NAME_MIN + TOP_FIXED_WIDTH + 1).
 */
void top_format_header(int width, char *out, size_t size);
void top_format_row(const struct top_row *r, int width, char *out, size_t size);

/* What a refresh says above the table. */
struct top_summary {
	char time[16];              /* "12:34:56" */
	size_t containers;
	double host_load[3];        /* the host's /proc/loadavg */
	int host_known;
	double delay_s;             /* the refresh interval asked for */
	double interval_s;          /* the one measured, which CPU % is relative to */
	enum top_col sort;
	int reverse;
};

/* The line above the header, cut to `width` (the host's load only when it fits whole). */
void top_format_summary(const struct top_summary *s, int width, char *out, size_t size);

/*
 * One refresh as one line of JSON (batch --json): the summary and the rows
 * in their order. Returns 0, or -EIO when the stream failed.
 */
int top_write_json(FILE *out, const char *iso_time, const struct top_summary *s,
		   const struct top_row *rows, size_t n);

#endif
