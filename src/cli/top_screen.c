// SPDX-License-Identifier: GPL-2.0
/*
 * kava top's interactive screen (ncurses): the frame redrawn every
 * interval, keys read meanwhile. Any terminal terminfo knows, 80 columns
 * and up (over ssh too); a narrower one shows each row cut.
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/top.h"
#include "common/util.h"

#define KEYS_HELP "q quit  < > sort  n l c r b w t m d sort by column  i reverse  + - interval"

/* What is on the screen: the last frame (or none yet) and a line to say what went wrong. */
struct screen {
	struct top_frame f;
	int have_frame;
	char *line;
	size_t size;
};

static int ensure_line(struct screen *sc, int width)
{
	size_t need = (size_t)(width < TOP_NAME_MIN + TOP_FIXED_WIDTH ?
			       TOP_NAME_MIN + TOP_FIXED_WIDTH : width) + 1;
	char *grown;

	if (need <= sc->size)
		return 0;
	grown = realloc(sc->line, need);
	if (!grown)
		return -ENOMEM;
	sc->line = grown;
	sc->size = need;
	return 0;
}

/* `text` on line y, the whole width in attribute `attr` (a header bar). */
static void bar(int y, const char *text, attr_t attr)
{
	attron(attr);
	mvaddnstr(y, 0, text, COLS);
	if ((int)strlen(text) < COLS)
		hline(' ', COLS - (int)strlen(text));
	attroff(attr);
}

static int draw(struct screen *sc, const struct top_opts *o)
{
	int width = COLS, room, y, start, len;
	size_t i, shown;

	if (ensure_line(sc, width) < 0)
		return -ENOMEM;
	erase();
	if (!sc->have_frame) {
		mvaddnstr(0, 0, "kava top: taking the first sample...", width);
	} else {
		top_format_summary(&sc->f.sum, width, sc->line, sc->size);
		mvaddnstr(0, 0, sc->line, width);
		top_format_header(width, sc->line, sc->size);
		bar(1, sc->line, A_REVERSE);
		/* the sort column stands out of the bar */
		top_col_span(o->sort, width, &start, &len);
		if (start < width)
			mvchgat(1, start, len, A_BOLD | A_UNDERLINE, 0, NULL);
		room = LINES - 3;	/* summary, header, keys */
		shown = sc->f.n;
		if (room < 0)
			room = 0;
		if (shown > (size_t)room)
			shown = room > 0 ? (size_t)room - 1 : 0;	/* a line says how many more */
		for (i = 0, y = 2; i < shown; i++, y++) {
			top_format_row(&sc->f.rows[i], width, sc->line, sc->size);
			mvaddnstr(y, 0, sc->line, width);
		}
		if (shown < sc->f.n && room > 0) {
			snprintf(sc->line, sc->size, "... %zu more", sc->f.n - shown);
			mvaddnstr(y, 0, sc->line, width);
		}
	}
	if (LINES > 1)
		bar(LINES - 1, KEYS_HELP, A_DIM);
	refresh();
	return 0;
}

/* A key: 1 to quit, 0 otherwise; *redraw when the screen must change, *next moved by some. */
static int key(int ch, struct top_opts *o, uint64_t last_t, uint64_t *next, int *redraw)
{
	int col;

	*redraw = 1;
	switch (ch) {
	case 'q': case 'Q':
		return 1;
	case '<':
		o->sort = (enum top_col)((o->sort + TOP_NCOLS - 1) % TOP_NCOLS);
		return 0;
	case '>':
		o->sort = (enum top_col)((o->sort + 1) % TOP_NCOLS);
		return 0;
	case 'i': case 'I':
		o->reverse = !o->reverse;
		return 0;
	case '+':
	case '-':
		o->delay_s = ch == '+' ? o->delay_s * 2 : o->delay_s / 2;
		if (o->delay_s < TOP_DELAY_MIN)
			o->delay_s = TOP_DELAY_MIN;
		if (o->delay_s > TOP_DELAY_MAX)
			o->delay_s = TOP_DELAY_MAX;
		*next = last_t + (uint64_t)(o->delay_s * 1e9);
		return 0;
	case ' ':
		*next = 0;	/* now */
		*redraw = 0;
		return 0;
	case KEY_RESIZE:
		return 0;
	default:
		col = top_col_of_key(ch);
		if (col >= 0)
			o->sort = (enum top_col)col;
		else
			*redraw = 0;
		return 0;
	}
}

int top_screen(const struct view_source *src, struct top_opts *o, struct top_sample *first)
{
	struct top_sample s[2] = { *first, { { 0 }, 0 } };
	struct screen sc = { 0 };
	const char *term = getenv("TERM");
	uint64_t now, next;
	long frames = 0;
	int cur = 0, err = 0, redraw, ch;
	SCREEN *scr;

	memset(first, 0, sizeof(*first));	/* s[0] owns it now */
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		cmd_error("top", "cannot drive this terminal (TERM=%s): use -b for batch output",
			  term ? term : "unset");
		top_sample_free(&s[0]);
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* the first frame soon, then every interval */
	next = s[0].t_ns + (uint64_t)((o->delay_s < 1 ? o->delay_s : 1) * 1e9);
	err = draw(&sc, o);
	while (!err) {
		now = monotonic_ns();
		if (now >= next) {
			err = top_sample_take(src, &s[!cur]);
			if (!err)
				err = top_frame_make(&s[cur], &s[!cur], o, &sc.f);
			if (err)
				break;
			cur = !cur;
			sc.have_frame = 1;
			err = draw(&sc, o);
			next = s[cur].t_ns + (uint64_t)(o->delay_s * 1e9);
			if (o->count && ++frames >= o->count)
				break;
			continue;
		}
		timeout((int)((next - now) / 1000000u) + 1);
		ch = getch();
		if (ch == ERR)
			continue;
		if (key(ch, o, s[cur].t_ns, &next, &redraw))
			break;
		if (redraw && sc.have_frame)
			top_frame_resort(&sc.f, o);
		if (redraw)
			err = draw(&sc, o);
	}
	endwin();
	delscreen(scr);
	if (err)
		cmd_error("top", "cannot read the containers' figures: %s", strerror(-err));
	top_frame_free(&sc.f);
	free(sc.line);
	top_sample_free(&s[0]);
	top_sample_free(&s[1]);
	return err ? 1 : 0;
}
