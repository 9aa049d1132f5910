// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/stat for a container (show_stat() prints the host's). cpu/cpuN
 * lines come from kava's per-CPU user/system times, one line per visible
 * CPU renumbered from 0.
 *
 * Busy time per visible CPU:
 *  - while every nanosecond kava counted lies on visible host CPUs (a plain
 *    cpuset), each line is its own host CPU's time;
 *  - once time lies on host CPUs outside the visible set (a cpu.max quota
 *    cut the set, or the cpuset shrank), the container's total user and
 *    system time is spread evenly over the visible CPUs (remainder ticks on
 *    the lowest indices). Totals stay exact, every line stays monotonic, and
 *    no line runs faster than wall time: the quota keeps the total below
 *    ceil(quota/period) = n CPUs' worth. (Folding one host CPU onto one
 *    line instead can push a line past the wall clock and its idle back.)
 * idle is what is left of the container's uptime (the span since its origin:
 * its enable, or the start of the oldest task it held then), so busy+idle
 * is the uptime on every visible CPU and advances at wall-clock rate, and
 * /proc/uptime's idle, the sum of these, agrees with this file. Busy time
 * is counted from the enable, never before the origin, so it fits the span.
 * nice, iowait, irq, softirq, steal and guest are 0: kava does not split
 * them per container. intr and softirq are printed as 0 with the host's
 * number of columns: no per-container interrupt accounting exists, and the
 * host's totals would show the container interrupts it did not cause.
 * ctxt, processes, procs_running and procs_blocked are kava's; btime and any
 * line this renderer does not know are the host's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kbuf.h"
#include "sched/cputime.h"
#include "view/render/render.h"

/* USER_HZ ticks in ns, as nsec_to_clock_t() converts them; a bad hz is taken as 100. */
static uint64_t ns_to_ticks(uint64_t ns, long hz)
{
	if (hz <= 0 || hz > 1000000000L)
		hz = 100;
	return ns / (1000000000ull / (uint64_t)hz);
}

static unsigned int figure_cpus(const struct kava_figures *f)
{
	return f->nr_cpus < KAVA_MAX_CPUS ? f->nr_cpus : KAVA_MAX_CPUS;
}

/* Remainder-fair share of `total` for line i of n: monotonic in total. */
static uint64_t share(uint64_t total, int i, int n)
{
	return total / (uint64_t)n + ((uint64_t)i < total % (uint64_t)n ? 1 : 0);
}

/* Busy (user, system) ticks per visible CPU; time on host CPUs outside the set folds in. */
static void busy_ticks(const struct stat_inputs *in, struct cpu_ticks *lines, int n)
{
	const struct kava_figures *f = in->fig;
	uint64_t tu = 0, ts = 0, outside = 0;
	unsigned int c, nc = figure_cpus(f);
	int i = 0;

	for (c = 0; c < nc; c++) {
		tu += f->cpu[c].user_ns;
		ts += f->cpu[c].system_ns;
		if (!cpuset_has(in->visible, (int)c))
			outside += f->cpu[c].user_ns + f->cpu[c].system_ns;
	}
	if (outside) {
		tu = ns_to_ticks(tu, in->user_hz);
		ts = ns_to_ticks(ts, in->user_hz);
		for (i = 0; i < n; i++) {
			lines[i].user = share(tu, i, n);
			lines[i].system = share(ts, i, n);
		}
		return;
	}
	for (c = 0; c < nc && i < n; c++) {
		if (!cpuset_has(in->visible, (int)c))
			continue;
		lines[i].user = ns_to_ticks(f->cpu[c].user_ns, in->user_hz);
		lines[i++].system = ns_to_ticks(f->cpu[c].system_ns, in->user_hz);
	}
}

/* idle of a line that was busy `busy` ticks: the rest of the span */
static uint64_t idle_ticks(const struct stat_inputs *in, uint64_t busy)
{
	/* the span as /proc/uptime prints it (hundredths), so that file's idle
	 * never passes its uptime x CPUs whatever USER_HZ is */
	uint64_t span_ticks = ns_to_ticks(in->uptime_ns / 10000000ull * 10000000ull, in->user_hz);

	return span_ticks > busy ? span_ticks - busy : 0;
}

/* idle never goes back either: every value shown before fit a span no longer than now's */
void cpu_ticks_keep_monotonic(const struct cpu_ticks *last, struct cpu_ticks *l)
{
	cputime_keep_monotonic(last->user, last->system, &l->user, &l->system);
	if (l->idle < last->idle)
		l->idle = last->idle;
}

int stat_cpu_lines(const struct stat_inputs *in, struct cpu_ticks **lines, int *n)
{
	int i;

	if (!in || !in->visible || !in->fig)
		return -EINVAL;
	*n = cpuset_count(in->visible);
	*lines = calloc((size_t)(*n ? *n : 1), sizeof(**lines));
	if (!*lines)
		return -ENOMEM;
	busy_ticks(in, *lines, *n);
	for (i = 0; i < *n; i++) {
		(*lines)[i].idle = idle_ticks(in, (*lines)[i].user + (*lines)[i].system);
		if (in->last && in->last_n == *n)
			cpu_ticks_keep_monotonic(&in->last[i], &(*lines)[i]);
	}
	return 0;
}

/* The lines to print: the caller's (in->lines), or made here without history. */
static int lines_of(const struct stat_inputs *in, struct cpu_ticks **own,
		    const struct cpu_ticks **lines, int *n)
{
	int err;

	*own = NULL;
	if (in->lines) {
		*lines = in->lines;
		*n = in->n_lines;
		return 0;
	}
	err = stat_cpu_lines(in, own, n);
	*lines = *own;
	return err;
}

int render_uptime(const struct stat_inputs *in, char **out, size_t *len)
{
	const struct cpu_ticks *lines;
	struct cpu_ticks *own;
	uint64_t idle = 0, hz;
	struct kbuf b = { 0 };
	int n, i;

	if (!in || !in->visible || !in->fig)
		return -EINVAL;
	if (lines_of(in, &own, &lines, &n) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		idle += lines[i].idle;
	free(own);
	hz = in->user_hz > 0 && in->user_hz <= 1000000000L ? (uint64_t)in->user_hz : 100;
	/* uptime_proc_show(): "%lu.%02lu %lu.%02lu\n", hundredths truncated */
	kbuf_printf(&b, "%llu.%02llu %llu.%02llu\n",
		    (unsigned long long)(in->uptime_ns / 1000000000ull),
		    (unsigned long long)(in->uptime_ns % 1000000000ull / 10000000ull),
		    (unsigned long long)(idle / hz), (unsigned long long)(idle % hz * 100 / hz));
	return kbuf_finish(&b, out, len);
}

static int count_fields(const char *line)
{
	int n = 0;
	const char *p = line;

	while (*p && *p != '\n') {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		n++;
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	return n;
}

/*
 * "NAME USER 0 SYSTEM IDLE 0 0 0 0 0 0\n", NAME "cpu " (the sum, as
 * show_stat() pads it) or "cpu" and `index` >= 0; without printf, three
 * calls a line were ~a third of a render's instructions.
 */
static void emit_cpu(struct kbuf *b, const char *name, int index, const struct cpu_ticks *l)
{
	kbuf_append(b, name, strlen(name));
	if (index >= 0)
		kbuf_dec(b, (unsigned long long)index);
	kbuf_append(b, " ", 1);
	kbuf_dec(b, (unsigned long long)l->user);
	kbuf_append(b, " 0 ", 3);
	kbuf_dec(b, (unsigned long long)l->system);
	kbuf_append(b, " ", 1);
	kbuf_dec(b, (unsigned long long)l->idle);
	kbuf_append(b, " 0 0 0 0 0 0\n", 13);
}

/*
 * KEY and fields-1 zeros: appended 32 at a time (the host's intr line has
 * hundreds of fields; a kbuf_printf() each was a tenth of a tmpfs period).
 */
static void emit_zeros(struct kbuf *b, const char *key, int fields)
{
	static const char zeros[] = " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0";
	int left = fields - 1;

	kbuf_append(b, key, strlen(key));
	while (left > 0) {
		int k = left < 32 ? left : 32;

		kbuf_append(b, zeros, 2 * (size_t)k);
		left -= k;
	}
	kbuf_append(b, "\n", 1);
}

int render_stat(const struct stat_inputs *in, char **out, size_t *len)
{
	struct cpu_ticks total = { 0 }, *own;
	const struct cpu_ticks *lines;
	const struct kava_figures *f;
	struct kbuf b = { 0 };
	const char *line;
	int n, i;

	if (!in || !in->host || !in->visible || !in->fig)
		return -EINVAL;
	f = in->fig;
	if (lines_of(in, &own, &lines, &n) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		total.user += lines[i].user;
		total.system += lines[i].system;
		total.idle += lines[i].idle;
	}
	emit_cpu(&b, "cpu ", -1, &total);
	for (i = 0; i < n; i++)
		emit_cpu(&b, "cpu", i, &lines[i]);
	/* the rest in the host's order */
	for (line = in->host; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, "cpu", 3))
			continue;
		if (!strncmp(line, "intr ", 5))
			emit_zeros(&b, "intr", count_fields(line));
		else if (!strncmp(line, "softirq ", 8))
			emit_zeros(&b, "softirq", count_fields(line));
		else if (!strncmp(line, "ctxt ", 5))
			kbuf_printf(&b, "ctxt %llu\n", (unsigned long long)f->switches);
		else if (!strncmp(line, "processes ", 10))
			kbuf_printf(&b, "processes %llu\n", (unsigned long long)f->forks);
		else if (!strncmp(line, "procs_running ", 14))
			kbuf_printf(&b, "procs_running %lld\n",
				    (long long)(f->nr_running > 0 ? f->nr_running : 0));
		else if (!strncmp(line, "procs_blocked ", 14))
			kbuf_printf(&b, "procs_blocked %lld\n",
				    (long long)(f->nr_iowait > 0 ? f->nr_iowait : 0));
		else {
			const char *eol = strchr(line, '\n');	/* btime and anything new: the host's */

			kbuf_append(&b, line, eol ? (size_t)(eol - line) + 1 : strlen(line));
		}
	}
	free(own);
	return kbuf_finish(&b, out, len);
}
