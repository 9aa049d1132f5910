/* SPDX-License-Identifier: GPL-2.0 */
/* kava top: what the command (top.c: options, sampling, batch) and its screen (top_screen.c) share. */
#ifndef KAVA_CLI_TOP_H
#define KAVA_CLI_TOP_H

#include <stddef.h>
#include <stdint.h>
#include "metrics/collect.h"
#include "metrics/top.h"

#define TOP_DELAY_MIN 0.1
#define TOP_DELAY_MAX 3600.0

struct top_opts {
	int batch, json;
	long count;               /* refreshes to show; 0: until q (or forever in batch) */
	double delay_s;
	enum top_col sort;
	int reverse;
	int width;                /* batch: columns; the screen uses the terminal's */
};

/* Every enabled container at one moment. */
struct top_sample {
	struct metrics_set set;
	uint64_t t_ns;            /* CLOCK_MONOTONIC, the middle of the collection */
};

/* One refresh: the rows of the interval between two samples, in display order. */
struct top_frame {
	struct top_row *rows;
	size_t n;
	struct top_summary sum;
	char iso_time[40];
};

/* Take a sample (its old content is freed first). Negative errno. */
int top_sample_take(const struct view_source *src, struct top_sample *s);
void top_sample_free(struct top_sample *s);

/* The frame from `prev` to `now`, sorted as `o` says. Negative errno. */
int top_frame_make(const struct top_sample *prev, const struct top_sample *now,
		   const struct top_opts *o, struct top_frame *f);
/* Sort again (the sort column changed) and say so in the summary. */
void top_frame_resort(struct top_frame *f, const struct top_opts *o);
void top_frame_free(struct top_frame *f);

/*
 * The interactive screen (curses) until q or o->count refreshes, from the
 * sample `first`. Returns the exit status; errors are reported already.
 */
int top_screen(const struct view_source *src, struct top_opts *o, struct top_sample *first);

/* Sleep until CLOCK_MONOTONIC reaches `t_ns`. */
void top_sleep_until(uint64_t t_ns);

#endif
