/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's Prometheus endpoint (kava run --metrics): libmicrohttpd on its
 * own thread, so a slow or hostile client never holds up the view.
 */
#ifndef KAVA_METRICS_HTTP_H
#define KAVA_METRICS_HTTP_H

#include <stddef.h>
#include "view/content.h"

#define METRICS_DEFAULT_PORT 9447

struct metrics_http;

/*
 * Listen on `spec`: "ADDR:PORT", "[V6ADDR]:PORT", ":PORT" (every address)
 * or "unix:/path" (a socket file, mode 0600), and answer GET /metrics.
 * On failure returns -errno and writes one line into `why`.
 */
int metrics_http_start(const char *spec, const struct view_source *src, struct metrics_http **out,
		       char *why, size_t why_size);
void metrics_http_stop(struct metrics_http *h);

/* Split `spec` as metrics_http_start() reads it (exposed for tests). */
int metrics_parse_listen(const char *spec, char *host, size_t host_size, char *port,
			 size_t port_size, int *is_unix);

#endif
