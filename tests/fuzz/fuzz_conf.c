// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for kava.conf's parser and the pattern matcher. Beyond
 * "no crash, no sanitizer report": a file that parses holds only valid
 * patterns within the limits, every error is one "FILE:LINE: " line, and
 * matching any path against every rule terminates.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/conf.h"
#include "deploy/glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kava_conf conf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[1024], path[256];
	unsigned int i;
	size_t n;

	conf_init(&conf);
	why[0] = '\0';
	if (conf_parse((const char *)data, size, "f", &conf, why, sizeof(why)) < 0) {
		if (strncmp(why, "f:", 2) || strchr(why, '\n'))
			abort();
		return 0;
	}
	if (conf.nr_rules > CONF_MAX_RULES || (conf.period_ms && (conf.period_ms < 10 ||
								   conf.period_ms > 3600000)))
		abort();
	for (i = 0; i < conf.nr_rules; i++)
		if (glob_check(conf.rules[i].pattern) ||
		    strnlen(conf.rules[i].pattern, CONF_PATTERN_MAX) == CONF_PATTERN_MAX)
			abort();
	/* the input's first line as a cgroup path against every rule */
	n = size < sizeof(path) - 1 ? size : sizeof(path) - 1;
	memcpy(path, data, n);
	path[n] = '\0';
	conf_match(&conf, path);
	return 0;
}
