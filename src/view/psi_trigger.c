// SPDX-License-Identifier: GPL-2.0
/* PSI trigger syntax and limits, as kernel/sched/psi.c checks them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "view/psi_trigger.h"

int psi_trigger_parse(const char *buf, size_t n, int privileged, struct psi_trigger *out)
{
	unsigned int stall, window;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return -EINVAL;
	/* psi_write(): buf_size = min(nbytes, sizeof(buf)); buf[buf_size - 1] = '\0' */
	len = n < PSI_TRIGGER_BUF ? n : PSI_TRIGGER_BUF;
	memcpy(out->text, buf, len - 1);
	out->text[len - 1] = '\0';
	/* psi_trigger_create(): sscanf "some %u %u" / "full %u %u" */
	if (sscanf(out->text, "some %u %u", &stall, &window) == 2)
		out->full = 0;
	else if (sscanf(out->text, "full %u %u", &stall, &window) == 2)
		out->full = 1;
	else
		return -EINVAL;
	/* no lower bound since Linux 6.4 (the 500 ms WINDOW_MIN_US went) */
	if (window == 0 || window > PSI_WINDOW_MAX_US)
		return -EINVAL;
	if (!privileged && window % PSI_UNPRIV_WINDOW_US)
		return -EINVAL;
	if (stall == 0 || stall > window)
		return -EINVAL;
	out->stall_us = stall;
	out->window_us = window;
	return 0;
}
