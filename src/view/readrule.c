// SPDX-License-Identifier: GPL-2.0
/* seq_file's re-read rules for the view (see readrule.h). */
#include "view/readrule.h"

#define VIEW_PAGE 4096u

enum view_read_step view_read_step(long long off, int have_text, int open_text_unread,
				   uint64_t text_age_ns)
{
	if (off < 0)
		return VIEW_READ_INVALID;
	if (!have_text)
		return VIEW_READ_RENDER;
	if (off > 0)
		return VIEW_READ_CONTINUE;
	/* from 0: afresh, unless it is the first read of a text open() just rendered */
	return open_text_unread && text_age_ns < VIEW_OPEN_TEXT_FRESH_NS ? VIEW_READ_CONTINUE
									 : VIEW_READ_RENDER;
}

size_t view_read_slice(size_t len, long long off, size_t size, size_t *start)
{
	*start = 0;
	if (off < 0 || (unsigned long long)off >= len)
		return 0;
	*start = (size_t)off;
	return size < len - *start ? size : len - *start;
}

uint64_t view_size_bound(size_t longest)
{
	/* twice the longest text seen, in whole pages, at least one page */
	uint64_t want = (uint64_t)longest * 2;

	return want <= VIEW_PAGE ? VIEW_PAGE : (want + VIEW_PAGE - 1) / VIEW_PAGE * VIEW_PAGE;
}
