/* SPDX-License-Identifier: GPL-2.0 */
/* kava run's settings: defaults, then kava.conf, then the command line. */
#ifndef KAVA_CLI_RUN_OPTS_H
#define KAVA_CLI_RUN_OPTS_H

#include "deploy/conf.h"
#include "policy/parse.h"
#include "seccomp/server.h"

#define KAVA_CONF_DEFAULT "/etc/kava/kava.conf"

enum view_mode { VIEW_FUSE, VIEW_TMPFS, VIEW_NONE };

struct run_opts {
	int clean;
	int log_events;
	enum view_mode view;
	char mount[CONF_PATH_MAX];
	unsigned int period_ms;
	int tmpfs_on_open;                    /* tmpfs view: refresh on open (else periodic) */
	unsigned int view_files;              /* FUSE view budgets (view/budget.h) */
	unsigned int view_rate;
	int auto_mount;
	struct kava_conf *conf;               /* the auto rules (heap) */
	struct policy **policies;             /* per rule, NULL where none (heap) */
	char conf_file[CONF_PATH_MAX];        /* the file read, or "" */
	struct seccomp_server_opts seccomp;   /* sockets for runtimes' seccomp listeners */
	const char *metrics;                  /* --metrics ADDR:PORT | unix:PATH; NULL: off */
};

void run_usage(void);

/*
 * Parse argv and the configuration file. Returns 0, -1 after --help, or an
 * exit status (1 for a bad file, 2 for a bad option) after printing one line.
 */
int run_opts_parse(int argc, char **argv, struct run_opts *o);

void run_opts_free(struct run_opts *o);

#endif
