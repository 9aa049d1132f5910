/* SPDX-License-Identifier: GPL-2.0 */
/* Clock reads and time formatting: one helper each. */
#ifndef KAVA_CLOCK_H
#define KAVA_CLOCK_H

#include <stddef.h>
#include <stdint.h>

uint64_t monotonic_ns(void);               /* CLOCK_MONOTONIC (what BPF's ktime is) */
uint64_t realtime_ns(void);                /* CLOCK_REALTIME */
uint64_t boottime_ns(void);                /* CLOCK_BOOTTIME: counts suspend, as /proc/uptime */
int64_t monotonic_to_realtime_ns(void);    /* add to a monotonic time to get wall time */

/*
 * Wall time `real_ns` as ISO 8601 UTC: "2026-12-01T10:43:39Z", or with
 * `millis` "2026-12-01T10:43:39.123Z"; "?" when it cannot be formatted.
 */
void format_iso_time(uint64_t real_ns, int millis, char *out, size_t size);

#endif /* KAVA_CLOCK_H */
