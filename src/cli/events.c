// SPDX-License-Identifier: GPL-2.0
/* kava events: policy denials and would-deny reports from the kernel. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "common/bpfglue.h"
#include "policy/events.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void events_usage(void)
{
	printf("usage: kava events [--follow] [--json]\n"
	       "Print the policy denials (and audit-mode would-deny) the kernel reported;\n"
	       "--follow keeps printing new ones until SIGINT/SIGTERM. Events are consumed.\n");
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct events_opts o = { .out = stdout, .stop = &stop_flag };
	struct sigaction sa;
	char why[1024] = "";
	int n, opt;

	while ((opt = cli_getopt("events", argc, argv, "fh", opts)) != -1) {
		switch (opt) {
		case 'j': o.json = 1; break;
		case 'f': o.follow = 1; break;
		case 'h': events_usage(); return 0;
		default: return 2;
		}
	}
	if (optind < argc) {
		cmd_error("events", "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;             /* no SA_RESTART: epoll_wait returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	bpfload_init_logging();
	n = events_run(&o, why, sizeof(why));
	if (n < 0) {
		cmd_error("events", "%s", why);
		return 1;
	}
	return 0;
}
