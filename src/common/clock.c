// SPDX-License-Identifier: GPL-2.0
/* Clock reads and time formatting: see clock.h. */
#include <stdio.h>
#include <time.h>

#include "common/clock.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t boottime_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

int64_t monotonic_to_realtime_ns(void)
{
	uint64_t mono = monotonic_ns(), real = realtime_ns();

	return (int64_t)(real - mono);
}

void format_iso_time(uint64_t real_ns, int millis, char *out, size_t size)
{
	time_t t = (time_t)(real_ns / 1000000000ull);
	char base[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, size, "?");
		return;
	}
	if (millis)
		snprintf(out, size, "%s.%03uZ", base,
			 (unsigned int)(real_ns % 1000000000ull / 1000000));
	else
		snprintf(out, size, "%sZ", base);
}
