// SPDX-License-Identifier: GPL-2.0
/*
 * kava top: the enabled containers' figures, refreshed (like top(1) for
 * containers). Options, sampling and batch output; the interactive screen
 * is top_screen.c, the rows and their text src/metrics/top_*.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cgroup/path.h"
#include "cli/top.h"
#include "common/util.h"

#define NS_PER_S 1000000000.0

void top_sample_free(struct top_sample *s)
{
	metrics_set_free(&s->set);
	s->t_ns = 0;
}

/*
 * Leave out containers whose cgroup was removed: without an agent (whose
 * cgroup_rmdir events disable them at once) they stay enabled until a
 * 'kava list' or 'kava enable' prunes the table, and kava top only reads.
 */
static void drop_removed(const struct view_source *src, struct metrics_set *set)
{
	char path[PATH_MAX];
	size_t i, kept = 0;
	int err;

	for (i = 0; i < set->n; i++) {
		err = cgroup_path_of_id(src->cgroup2_mount, set->c[i].cgroup_id, path, sizeof(path));
		if (err == -ESTALE || err == -ENOENT) {
			free(set->c[i].cpus);
			continue;
		}
		if (kept != i)
			set->c[kept] = set->c[i];
		kept++;
	}
	set->n = kept;
}

int top_sample_take(const struct view_source *src, struct top_sample *s)
{
	uint64_t t0;
	int err;

	top_sample_free(s);
	t0 = monotonic_ns();
	/* every container, with limits read afresh; reader 0: a task of each stands in */
	err = metrics_collect(src, NULL, 0, &s->set);
	s->t_ns = t0 + (monotonic_ns() - t0) / 2;
	if (!err)
		drop_removed(src, &s->set);
	return err;
}

static void host_load(struct top_summary *sum)
{
	char *text = NULL;

	sum->host_known = read_file("/proc/loadavg", &text, NULL) == 0 &&
			  sscanf(text, "%lf %lf %lf", &sum->host_load[0], &sum->host_load[1],
				 &sum->host_load[2]) == 3;
	free(text);
}

void top_frame_free(struct top_frame *f)
{
	free(f->rows);
	memset(f, 0, sizeof(*f));
}

void top_frame_resort(struct top_frame *f, const struct top_opts *o)
{
	top_sort(f->rows, f->n, o->sort, o->reverse);
	f->sum.sort = o->sort;
	f->sum.reverse = o->reverse;
	f->sum.delay_s = o->delay_s;
}

int top_frame_make(const struct top_sample *prev, const struct top_sample *now,
		   const struct top_opts *o, struct top_frame *f)
{
	uint64_t real = realtime_ns();
	time_t secs = (time_t)(real / 1000000000u);
	struct tm tm;

	top_frame_free(f);
	f->rows = calloc(now->set.n ? now->set.n : 1, sizeof(*f->rows));
	if (!f->rows)
		return -ENOMEM;
	f->n = now->set.n;
	top_rows(prev->set.c, prev->set.n, now->set.c, now->set.n, now->set.p, now->set.np,
		 now->t_ns - prev->t_ns, f->rows);
	if (!localtime_r(&secs, &tm) || !strftime(f->sum.time, sizeof(f->sum.time), "%H:%M:%S", &tm))
		snprintf(f->sum.time, sizeof(f->sum.time), "?");
	format_iso_time(real, 1, f->iso_time, sizeof(f->iso_time));
	f->sum.containers = f->n;
	host_load(&f->sum);
	top_frame_resort(f, o);
	f->sum.interval_s = (double)(now->t_ns - prev->t_ns) / NS_PER_S;
	return 0;
}

void top_sleep_until(uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(t_ns / 1000000000u),
			       .tv_nsec = (long)(t_ns % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int print_frame(const struct top_frame *f, const struct top_opts *o, char *line,
		       size_t size)
{
	size_t i;

	if (o->json)
		return top_write_json(stdout, f->iso_time, &f->sum, f->rows, f->n);
	top_format_summary(&f->sum, o->width, line, size);
	printf("%s\n", line);
	top_format_header(o->width, line, size);
	printf("%s\n", line);
	for (i = 0; i < f->n; i++) {
		top_format_row(&f->rows[i], o->width, line, size);
		printf("%s\n", line);
	}
	putchar('\n');
	return ferror(stdout) ? -EIO : 0;
}

/* Batch: a frame every delay (on a fixed schedule, so frames do not drift), count of them. */
static int run_batch(const struct view_source *src, const struct top_opts *o,
		     struct top_sample *first)
{
	struct top_sample s[2] = { *first, { { 0 }, 0 } };
	struct top_frame f = { 0 };
	size_t size = (size_t)o->width + 1;
	char *line = malloc(size);
	uint64_t start = first->t_ns, step = (uint64_t)(o->delay_s * NS_PER_S);
	long i;
	int err = line ? 0 : -ENOMEM, cur = 0;

	memset(first, 0, sizeof(*first));	/* s[0] owns it now */
	for (i = 1; !err && (o->count == 0 || i <= o->count); i++) {
		top_sleep_until(start + (uint64_t)i * step);
		err = top_sample_take(src, &s[!cur]);
		if (!err)
			err = top_frame_make(&s[cur], &s[!cur], o, &f);
		cur = !cur;
		if (!err)
			err = print_frame(&f, o, line, size);
		if (!err && fflush(stdout) == EOF)
			err = -EIO;
	}
	if (err)
		cmd_error("top", "%s", err == -EIO ? "cannot write the output" : strerror(-err));
	top_frame_free(&f);
	top_sample_free(&s[0]);
	top_sample_free(&s[1]);
	free(line);
	return err ? 1 : 0;
}

static void usage(void)
{
	printf("usage: kava top [-b] [-n COUNT] [-d SECONDS] [-s COLUMN] [-r] [-w COLUMNS] [--json]\n\n"
	       "A live view of the enabled containers, refreshed every SECONDS (like top for\n"
	       "containers). One row per container:\n"
	       "  CONTAINER      its cgroup, relative to the cgroup2 mount (the end, if long)\n"
	       "  LOAD1 5 15     load averages (the container's /proc/loadavg)\n"
	       "  CPU%%           CPU used over the interval, in %% of its visible CPUs\n"
	       "  RUN BLK        runnable and uninterruptible (D) tasks\n"
	       "  RQ50 RQ99      run-queue wait percentiles of the interval\n"
	       "  THR            threads\n"
	       "  MEM/LIMIT      memory in use and the limit its view shows\n"
	       "  DENY           policy denials (denied + would-deny), '-' without a policy\n\n"
	       "options:\n"
	       "  -b, --batch           plain text frames on stdout, no terminal needed\n"
	       "  -n, --iterations N    stop after N refreshes (default: until q; forever with -b)\n"
	       "  -d, --delay SECONDS   refresh interval, %.1f to %.0f (default 2)\n"
	       "  -s, --sort COLUMN     name, load1, load5, load15, cpu (default), run, blk,\n"
	       "                        rq50, rq99, threads, mem, deny\n"
	       "  -r, --reverse         the other order (numbers ascending, names descending)\n"
	       "  -w, --width COLUMNS   batch line width (default 80)\n"
	       "      --json            batch output, one JSON object per refresh (implies -b)\n\n"
	       "keys: q quits; < and > move the sort column; n l c r b w t m d sort by\n"
	       "CONTAINER, LOAD1, CPU%%, RUN, BLK, RQ99, THR, MEM, DENY; i reverses;\n"
	       "+ and - double and halve the interval; space refreshes now.\n",
	       TOP_DELAY_MIN, TOP_DELAY_MAX);
}

/* A number for option `opt`: the whole argument, within [lo, hi]. */
static int parse_number(const char *opt, const char *arg, double lo, double hi, int whole,
			double *out)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < lo || v > hi ||
	    (whole && v != floor(v))) {
		cmd_error("top", "%s takes %s from %g to %g, not '%s'", opt,
			  whole ? "a whole number" : "a number of seconds", lo, hi, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* 0 to go on, 1 after --help, -1 after a bad option (exit 2). */
static int parse_options(int argc, char **argv, struct top_opts *o)
{
	static const struct option opts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "width", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int opt, col;

	while ((opt = cli_getopt("top", argc, argv, "bn:d:s:rw:h", opts)) != -1) {
		switch (opt) {
		case 'b': o->batch = 1; break;
		case 'j': o->json = o->batch = 1; break;
		case 'r': o->reverse = 1; break;
		case 'h': usage(); return 1;
		case 'n':
			if (parse_number("-n", optarg, 1, 1e9, 1, &v) < 0)
				return -1;
			o->count = (long)v;
			break;
		case 'd':
			if (parse_number("-d", optarg, TOP_DELAY_MIN, TOP_DELAY_MAX, 0, &v) < 0)
				return -1;
			o->delay_s = v;
			break;
		case 'w':
			if (parse_number("-w", optarg, 40, 4096, 1, &v) < 0)
				return -1;
			o->width = (int)v;
			break;
		case 's':
			col = top_col_parse(optarg);
			if (col < 0) {
				cmd_error("top", "unknown sort column '%s' (name, load1, load5, load15, "
					  "cpu, run, blk, rq50, rq99, threads, mem, deny)", optarg);
				return -1;
			}
			o->sort = (enum top_col)col;
			break;
		default:
			return -1;
		}
	}
	if (optind < argc) {
		cmd_error("top", "unexpected argument '%s' (see 'kava top --help')", argv[optind]);
		return -1;
	}
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = { .delay_s = 2, .sort = TOP_CPU, .width = TOP_WIDTH_DEFAULT };
	struct top_sample first = { { 0 }, 0 };
	struct view_source src;
	struct kava_state st;
	int err, ret = 1;

	err = parse_options(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	if (!o.batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		cmd_error("top", "not a terminal: use -b for batch output");
		return 1;
	}
	if (cmd_open_state("top", &st, KAVA_OPEN_EXISTING) < 0)
		return 1;
	memset(&src, 0, sizeof(src));
	err = view_source_init(&src, &st);
	if (err < 0) {
		cmd_error("top", "cannot find the cgroup mounts: %s", strerror(-err));
		goto out;
	}
	/* memory use moves: limits are read afresh at every refresh, not kept 5 s as for scrapes */
	metrics_limits_ttl(0);
	err = top_sample_take(&src, &first);
	if (err < 0) {
		cmd_error("top", "cannot read the containers' figures: %s", strerror(-err));
		goto out_src;
	}
	if (!first.set.n) {
		cmd_error("top", "no container is enabled (kava enable PATH, or kava run --auto)");
		goto out_sample;
	}
	ret = o.batch ? run_batch(&src, &o, &first) : top_screen(&src, &o, &first);
out_sample:
	top_sample_free(&first);
out_src:
	view_source_free(&src);
out:
	kava_state_close(&st);
	return ret;
}
