// SPDX-License-Identifier: GPL-2.0
/*
 * kava run's options and /etc/kava/kava.conf (format: src/deploy/conf.h).
 * The command line wins over the file; auto rules from both add up.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/run_opts.h"
#include "metrics/http.h"
#include "sched/state.h"
#include "view/budget.h"

void run_usage(void)
{
	const struct conf_preset *p;

	printf("usage: kava run [--view fuse|tmpfs|none] [--mount DIR] [--period MS] [--clean]\n"
	       "                [--tmpfs-refresh on-open|periodic]\n"
	       "                [--auto PATTERN]... [--auto-preset NAME[,NAME]]... [--auto-mount]\n"
	       "                [--config FILE | --no-config] [--log-events]\n"
	       "                [--view-files N] [--view-rate N]\n"
	       "                [--seccomp-listener PATH] [--seccomp-lxc PATH]\n"
	       "                [--metrics ADDR:PORT|unix:PATH]\n\n"
	       "Run the kava agent in the foreground until SIGTERM or SIGINT.\n"
	       "It loads kava's BPF programs and pins them under %s, or reuses\n"
	       "what an earlier run pinned, so load averages and counters continue\n"
	       "across restarts; the kernel side keeps counting while no agent runs.\n"
	       "Enabled cgroups are disabled when the kernel reports them removed.\n\n"
	       "  --view fuse    serve DIR/proc/... and DIR/sys/... with FUSE: each reader sees\n"
	       "                 its own container's figures (the default)\n"
	       "  --view tmpfs   render each enabled container into DIR/<cgroup id>/... on a tmpfs,\n"
	       "                 every --period ms (default 1000); files stay after kava stops\n"
	       "  --tmpfs-refresh on-open   rewrite only the files of containers that have\n"
	       "                 one open, and a file older than a period when it is opened\n"
	       "                 (fanotify; the default where the kernel has it)\n"
	       "  --tmpfs-refresh periodic  rewrite every container's files every period\n"
	       "  --view none    accounting only\n"
	       "  --mount DIR    where the view lives (default /var/lib/kava)\n"
	       "  --view-files N the FUSE view's memory budget: each container holds at most\n"
	       "                 N open view files (default %d) and N x %d KiB of their text;\n"
	       "                 an open() beyond it fails with ENFILE\n"
	       "  --view-rate N  the FUSE view's CPU budget: each container's requests per\n"
	       "                 second per CPU of its CPU limit (default %d; no limit counts\n"
	       "                 as one CPU); requests beyond it wait, never fail\n"
	       "  --auto PATTERN enable cgroups whose path (relative to the cgroup2 mount)\n"
	       "                 matches, when created and at start: '*' and '?' within a\n"
	       "                 component, '**' across components, '!PATTERN' excludes;\n"
	       "                 'PATTERN policy=FILE' also applies a policy, and\n"
	       "                 view-files=N, view-rate=N set its budgets. May repeat.\n"
	       "  --auto-preset NAME  the patterns of a container runtime:\n",
	       kava_pin_dir(), BUDGET_FILES_DEFAULT, BUDGET_FILE_BYTES / 1024, BUDGET_RATE_DEFAULT);
	for (p = conf_presets; p->name; p++)
		printf("                   %-11s %s\n", p->name, p->summary);
	printf("  --auto-mount   attach the view in each automatically enabled container as soon\n"
	       "                 as it runs in its own root: no runtime configuration needed\n"
	       "  --config FILE  settings file (default %s, read if it exists):\n"
	       "                 auto, auto-mount, view, mount, period, tmpfs-refresh, log-events,\n"
	       "                 view-files, view-rate\n"
	       "  --no-config    read no settings file\n"
	       "  --log-events   write policy events to the log (stderr) as JSON lines; the\n"
	       "                 agent then consumes them ('kava events' sees none meanwhile)\n"
	       "  --clean        unload and forget the pinned state first (history is lost)\n"
	       "  --seccomp-listener PATH\n"
	       "                 answer containers' sysinfo(2) through seccomp user notification:\n"
	       "                 OCI runtimes hand their listener to this socket (the config's\n"
	       "                 linux.seccomp.listenerPath; runc 1.1+, crun)\n"
	       "  --seccomp-lxc PATH\n"
	       "                 the same for LXC (lxc.seccomp.notify.proxy = unix:PATH)\n"
	       "  --metrics ADDR:PORT\n"
	       "                 serve Prometheus metrics at http://ADDR:PORT/metrics; kava's\n"
	       "                 port is %d (--metrics 127.0.0.1:%d; :%d is every address);\n"
	       "                 --metrics unix:PATH serves them on a unix socket. Off by default\n",
	       KAVA_CONF_DEFAULT, METRICS_DEFAULT_PORT, METRICS_DEFAULT_PORT, METRICS_DEFAULT_PORT);
}

/* What the command line said, before the file is read. */
struct cli_seen {
	const char *view, *mount, *config, *tmpfs_refresh;
	long period;
	unsigned int view_files, view_rate;
	int log_events, auto_mount, no_config;
	char **autos;          /* "--auto" values and "preset:" + --auto-preset values */
	int nautos;
};

static int add_auto_arg(struct cli_seen *c, const char *prefix, const char *value)
{
	char **grown = realloc(c->autos, sizeof(*grown) * (size_t)(c->nautos + 1));

	if (!grown)
		return -1;
	c->autos = grown;
	if (asprintf(&c->autos[c->nautos], "%s%s", prefix, value) < 0)
		return -1;
	c->nautos++;
	return 0;
}

static int parse_argv(int argc, char **argv, struct run_opts *o, struct cli_seen *c)
{
	static const struct option opts[] = {
		{ "clean", no_argument, NULL, 'c' },
		{ "log-events", no_argument, NULL, 'e' },
		{ "view", required_argument, NULL, 'v' },
		{ "mount", required_argument, NULL, 'm' },
		{ "period", required_argument, NULL, 'p' },
		{ "tmpfs-refresh", required_argument, NULL, 'T' },
		{ "auto", required_argument, NULL, 'a' },
		{ "auto-preset", required_argument, NULL, 'P' },
		{ "auto-mount", no_argument, NULL, 'M' },
		{ "config", required_argument, NULL, 'f' },
		{ "no-config", no_argument, NULL, 'n' },
		{ "seccomp-listener", required_argument, NULL, 's' },
		{ "seccomp-lxc", required_argument, NULL, 'l' },
		{ "metrics", required_argument, NULL, 'X' },
		{ "view-files", required_argument, NULL, 'F' },
		{ "view-rate", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': o->clean = 1; break;
		case 'e': c->log_events = 1; break;
		case 'v': c->view = optarg; break;
		case 'm': c->mount = optarg; break;
		case 'T':
			if (strcmp(optarg, "on-open") && strcmp(optarg, "periodic")) {
				cmd_error("run", "--tmpfs-refresh takes on-open or periodic");
				return 2;
			}
			c->tmpfs_refresh = optarg;
			break;
		case 'M': c->auto_mount = 1; break;
		case 'f': c->config = optarg; break;
		case 'n': c->no_config = 1; break;
		case 's': o->seccomp.oci_path = optarg; break;
		case 'l': o->seccomp.lxc_path = optarg; break;
		case 'X': o->metrics = optarg; break;
		case 'F':
			if (conf_number(optarg, strlen(optarg), BUDGET_FILES_MAX, &c->view_files) < 0) {
				cmd_error("run", "--view-files takes a number from 1 to %d",
					  BUDGET_FILES_MAX);
				return 2;
			}
			break;
		case 'R':
			if (conf_number(optarg, strlen(optarg), BUDGET_RATE_MAX, &c->view_rate) < 0) {
				cmd_error("run", "--view-rate takes a number from 1 to %d",
					  BUDGET_RATE_MAX);
				return 2;
			}
			break;
		case 'p':
			c->period = strtol(optarg, &end, 10);
			if (*end || c->period < 10 || c->period > 3600000) {
				cmd_error("run", "--period takes milliseconds from 10 to 3600000");
				return 2;
			}
			break;
		case 'a':
		case 'P':
			if (add_auto_arg(c, opt == 'P' ? "preset:" : "", optarg) < 0) {
				cmd_error("run", "out of memory");
				return 1;
			}
			break;
		case 'h':
			run_usage();
			return -1;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		cmd_error("run", "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (c->config && c->no_config) {
		cmd_error("run", "--config and --no-config exclude each other");
		return 2;
	}
	return 0;
}

/* The file's settings, then the command line's on top. */
static int merge(struct run_opts *o, const struct cli_seen *c)
{
	const char *view = c->view ? c->view : o->conf->view[0] ? o->conf->view : "fuse";
	char why[1024];
	int i;

	if (!strcmp(view, "fuse"))
		o->view = VIEW_FUSE;
	else if (!strcmp(view, "tmpfs"))
		o->view = VIEW_TMPFS;
	else if (!strcmp(view, "none"))
		o->view = VIEW_NONE;
	else {
		cmd_error("run", "--view takes fuse, tmpfs or none, not '%s'", view);
		return 2;
	}
	snprintf(o->mount, sizeof(o->mount), "%s",
		 c->mount ? c->mount : o->conf->mount[0] ? o->conf->mount : "/var/lib/kava");
	o->period_ms = c->period ? (unsigned int)c->period
				 : o->conf->period_ms ? o->conf->period_ms : 1000;
	o->tmpfs_on_open = strcmp(c->tmpfs_refresh ? c->tmpfs_refresh : o->conf->tmpfs_refresh,
				  "periodic") != 0;
	o->view_files = c->view_files ? c->view_files : o->conf->view_files;
	o->view_rate = c->view_rate ? c->view_rate : o->conf->view_rate;
	o->log_events = c->log_events || o->conf->log_events == CONF_YES;
	o->auto_mount = c->auto_mount || o->conf->auto_mount == CONF_YES;
	for (i = 0; i < c->nautos; i++) {
		if (conf_add_auto(o->conf, c->autos[i], strncmp(c->autos[i], "preset:", 7) ?
				  "--auto" : "--auto-preset", why, sizeof(why)) < 0) {
			cmd_error("run", "--auto%s %s: %s", strncmp(c->autos[i], "preset:", 7) ? "" :
				  "-preset", c->autos[i], why);
			return 2;
		}
	}
	if (o->auto_mount && o->view == VIEW_NONE) {
		cmd_error("run", "auto-mount needs a view (--view fuse or tmpfs)");
		return 2;
	}
	return 0;
}

/* Parse every policy file the rules name, so a bad one stops the start. */
static int load_policies(struct run_opts *o)
{
	unsigned int i;
	char why[1024];

	o->policies = calloc(o->conf->nr_rules ? o->conf->nr_rules : 1, sizeof(*o->policies));
	if (!o->policies) {
		cmd_error("run", "out of memory");
		return 1;
	}
	for (i = 0; i < o->conf->nr_rules; i++) {
		const struct auto_rule *r = &o->conf->rules[i];

		if (!r->policy[0])
			continue;
		o->policies[i] = malloc(sizeof(struct policy));
		if (!o->policies[i] || policy_parse_file(r->policy, o->policies[i], why,
							 sizeof(why)) < 0) {
			cmd_error("run", "%s: auto %s policy=%s: %s", r->origin, r->pattern, r->policy,
				  o->policies[i] ? why : "out of memory");
			return 1;
		}
	}
	return 0;
}

int run_opts_parse(int argc, char **argv, struct run_opts *o)
{
	struct cli_seen c = { 0 };
	char why[1024];
	int ret, i;

	memset(o, 0, sizeof(*o));
	o->conf = malloc(sizeof(*o->conf));
	if (!o->conf) {
		cmd_error("run", "out of memory");
		return 1;
	}
	conf_init(o->conf);
	ret = parse_argv(argc, argv, o, &c);
	if (ret)
		goto out;
	if (c.config || (!c.no_config && access(KAVA_CONF_DEFAULT, F_OK) == 0)) {
		snprintf(o->conf_file, sizeof(o->conf_file), "%s",
			 c.config ? c.config : KAVA_CONF_DEFAULT);
		if (conf_parse_file(o->conf_file, o->conf, why, sizeof(why)) < 0) {
			fprintf(stderr, "kava: run: %s\n", why);
			ret = 1;
			goto out;
		}
	}
	ret = merge(o, &c);
	if (!ret)
		ret = load_policies(o);
out:
	for (i = 0; i < c.nautos; i++)
		free(c.autos[i]);
	free(c.autos);
	return ret;
}

void run_opts_free(struct run_opts *o)
{
	unsigned int i;

	for (i = 0; o->policies && o->conf && i < o->conf->nr_rules; i++)
		free(o->policies[i]);
	free(o->policies);
	free(o->conf);
	o->policies = NULL;
	o->conf = NULL;
}
