// SPDX-License-Identifier: GPL-2.0
/* Automatic enablement in the agent (see auto.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cgroup/path.h"
#include "deploy/auto.h"
#include "deploy/autobpf.h"
#include "deploy/automount.h"
#include "policy/policy.h"
#include "sched/registry.h"

#define LEFT_OUT_MAX   65536          /* remembered beyond that: counted only */
#define LOG_NAMES      8              /* names in the one "table is full" line */
#define WALK_DEPTH     64

struct left_out {
	uint64_t id;
	char *rel;
};

struct auto_engine {
	struct kava_state *st;
	struct auto_opts o;
	char mount[PATH_MAX];
	struct auto_bpf *bpf;
	struct automount *am;
	uint64_t lost_seen;
	unsigned int enabled;             /* by this agent, for the status line */
	struct left_out *left;            /* left out while the table was full, oldest first */
	unsigned int nleft, left_dropped;
	int full_logged, walking;
	int has_inner;                    /* some rule is inner (conf_outer()) */
	char status[256];
};

static void update_status(struct auto_engine *e)
{
	char s[256];

	snprintf(s, sizeof(s), "automatic: %u enabled, %u left out (table full), %u waiting "
		 "for their view", e->enabled, e->nleft + e->left_dropped,
		 automount_waiting(e->am));
	if (strcmp(s, e->status)) {
		memcpy(e->status, s, sizeof(s));
		sd_notifyf(0, "STATUS=serving container views; %s", s);
	}
}

/* The absolute directory of a path relative to the cgroup2 mount ("" when too long). */
static void abs_of(const struct auto_engine *e, const char *rel, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s", e->mount, rel);

	if (n < 0 || (size_t)n >= size)
		out[0] = '\0';
}

static void apply_policy(struct auto_engine *e, int rule, const char *abs)
{
	char why[1024], warn[1024];

	if (!e->o.policies || !e->o.policies[rule])
		return;
	if (policy_apply(abs, e->o.policies[rule], warn, sizeof(warn), why, sizeof(why)) < 0) {
		fprintf(stderr, "kava: auto: %s: policy %s not applied: %s\n", abs,
			e->o.conf->rules[rule].policy, why);
		return;
	}
	if (warn[0])
		fprintf(stderr, "kava: auto: %s: %s\n", abs, warn);
	fprintf(stderr, "kava: auto: %s: policy %s applied\n", abs, e->o.conf->rules[rule].policy);
}

static int is_left_out(const struct auto_engine *e, uint64_t id)
{
	for (unsigned int i = 0; i < e->nleft; i++)
		if (e->left[i].id == id)
			return 1;
	return 0;
}

static void leave_out(struct auto_engine *e, uint64_t id, const char *rel)
{
	struct left_out *grown;

	if (is_left_out(e, id))
		return;
	if (!e->full_logged && !e->walking) {
		fprintf(stderr, "kava: auto: the enabled-cgroup table is full (%d containers): %s "
			"left out; cgroups left out are enabled as others are removed\n",
			KAVA_MAX_CONTAINERS, rel);
		e->full_logged = 1;
	}
	if (e->nleft == LEFT_OUT_MAX) {
		e->left_dropped++;
		return;
	}
	grown = realloc(e->left, sizeof(*grown) * (e->nleft + 1));
	if (!grown || !(grown[e->nleft].rel = strdup(rel))) {
		if (grown)
			e->left = grown;
		e->left_dropped++;
		return;
	}
	e->left = grown;
	e->left[e->nleft++].id = id;
}

/*
 * An inner rule matched (conf_outer(): crun's libpod-ID.scope/container): the
 * container is this cgroup, so its parent, enabled a moment before by an
 * outer rule, gives its slot back, and no view waits for it (the inner one
 * attaches the view in the same container). Its tasks have moved or are
 * moving into the subgroup, which counts them from its own enable on.
 */
static void release_outer(struct auto_engine *e, const char *rel, int rule)
{
	char parent[PATH_MAX], abs[PATH_MAX];
	uint64_t id;

	if (conf_outer(e->o.conf, rule, rel, parent, sizeof(parent)) < 0)
		return;
	abs_of(e, parent, abs, sizeof(abs));
	if (!abs[0] || cgroup_id_of_path(abs, &id) < 0)
		return;
	if (e->o.mount)
		automount_remove(e->am, id);
	if (registry_disable(e->st, id) == 0)
		fprintf(stderr, "kava: auto: released %s: the container's tasks and limits are in "
			"its subgroup %s/%s (%s, %s)\n", abs, e->mount, rel,
			e->o.conf->rules[rule].pattern, e->o.conf->rules[rule].origin);
}

/*
 * Whether the cgroup already has a subgroup that an inner rule takes in its
 * place: then it is not enabled at all (the walk at start, after a restart,
 * would otherwise enable every such parent again before giving it back).
 */
static int has_inner_child(const struct auto_engine *e, const char *rel, const char *abs)
{
	char sub[PATH_MAX], parent[PATH_MAX];
	struct dirent *d;
	int found = 0, r;
	DIR *dh;

	if (!e->has_inner || !abs[0] || !(dh = opendir(abs)))
		return 0;
	while (!found && (d = readdir(dh))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, d->d_name) >= (int)sizeof(sub))
			continue;
		r = conf_match(e->o.conf, sub);
		found = r >= 0 && conf_outer(e->o.conf, r, sub, parent, sizeof(parent)) >= 0;
	}
	closedir(dh);
	return found;
}

/* Enable one matching cgroup; 1 enabled now, 0 already or left out, -1 failed. */
static int enable_match(struct auto_engine *e, uint64_t id, const char *rel, int rule)
{
	char abs[PATH_MAX];
	uint32_t slot;
	int err;

	abs_of(e, rel, abs, sizeof(abs));
	if (!e->o.conf->rules[rule].inner && has_inner_child(e, rel, abs))
		return 0;
	err = registry_enable(e->st, id, &slot);
	if (err == -ENOSPC) {
		leave_out(e, id, rel);
		return 0;
	}
	if (err < 0 && err != -EEXIST) {
		fprintf(stderr, "kava: auto: cannot enable %s: %s\n", abs, strerror(-err));
		return -1;
	}
	if (!err) {
		e->enabled++;
		fprintf(stderr, "kava: auto: enabled %s (%s%s, %s)\n", abs,
			e->o.conf->rules[rule].exclude ? "!" : "", e->o.conf->rules[rule].pattern,
			e->o.conf->rules[rule].origin);
	}
	apply_policy(e, rule, abs);
	if (e->o.mount)
		automount_add(e->am, id, abs);
	release_outer(e, rel, rule);
	return !err;
}

/* Slots freed: enable what was left out, oldest first, while there is room. */
static void retry_left_out(struct auto_engine *e)
{
	struct left_out *todo = e->left;
	unsigned int n = e->nleft, i;
	char abs[PATH_MAX];
	uint64_t id;
	int rule;

	e->left = NULL;
	e->nleft = 0;
	for (i = 0; i < n; i++) {
		abs_of(e, todo[i].rel, abs, sizeof(abs));
		rule = conf_match(e->o.conf, todo[i].rel);
		if (rule < 0 || cgroup_id_of_path(abs, &id) < 0 || id != todo[i].id) {
			free(todo[i].rel);	/* gone since: forget it */
			continue;
		}
		if (e->nleft)	/* full again: keep the rest, in order, without trying */
			leave_out(e, todo[i].id, todo[i].rel);
		else if (enable_match(e, todo[i].id, todo[i].rel, rule) == 1)
			fprintf(stderr, "kava: auto: %s had been left out while the table was full\n",
				abs);
		free(todo[i].rel);
	}
	free(todo);
	if (!e->nleft && !e->left_dropped)
		e->full_logged = 0;	/* the next time the table fills, say so again */
}

/* Every directory beneath the cgroup2 mount that a rule matches. */
static void walk(struct auto_engine *e, const char *rel, int depth)
{
	char abs[PATH_MAX], sub[PATH_MAX];
	struct dirent *d;
	uint64_t id;
	int rule;
	DIR *dh;

	abs_of(e, rel, abs, sizeof(abs));
	if (*rel) {
		rule = conf_match(e->o.conf, rel);
		if (rule >= 0 && cgroup_id_of_path(abs, &id) == 0)
			enable_match(e, id, rel, rule);
	}
	if (depth >= WALK_DEPTH)
		return;
	dh = opendir(abs);
	while (dh && (d = readdir(dh))) {
		if (d->d_type != DT_DIR || !strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", d->d_name) >=
		    (int)sizeof(sub))
			continue;
		walk(e, sub, depth + 1);
	}
	if (dh)
		closedir(dh);
}

/* Walk the tree and say once what did not fit. */
static void scan(struct auto_engine *e)
{
	unsigned int before = e->nleft, i;

	if (e->o.conf && e->o.conf->nr_rules) {
		e->walking = 1;
		walk(e, "", 0);
		e->walking = 0;
	}
	if (e->nleft > before && !e->full_logged) {
		char names[LOG_NAMES * 128] = "";
		size_t o = 0;

		for (i = before; i < e->nleft && i < before + LOG_NAMES; i++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%.120s",
					      i > before ? " " : "", e->left[i].rel);
		fprintf(stderr, "kava: auto: the enabled-cgroup table is full (%d containers): "
			"%u cgroups left out: %s%s; they are enabled as others are removed\n",
			KAVA_MAX_CONTAINERS, e->nleft - before, names,
			e->nleft - before > LOG_NAMES ? " ..." : "");
		e->full_logged = 1;
	}
	if (registry_prune(e->st, e->mount) > 0)
		retry_left_out(e);
}

static void on_rmdir(struct auto_engine *e, uint64_t id, const char *path)
{
	unsigned int i;

	if (e->o.mount)
		automount_remove(e->am, id);
	for (i = 0; i < e->nleft; i++)
		if (e->left[i].id == id) {
			free(e->left[i].rel);
			memmove(&e->left[i], &e->left[i + 1], sizeof(*e->left) * (e->nleft - i - 1));
			e->nleft--;
			break;
		}
	registry_forget_cgroup(e->st, id);
	if (registry_disable(e->st, id) == 0) {
		fprintf(stderr, "kava: auto: disabled %s%s (removed)\n", e->mount, path);
		if (e->nleft)
			retry_left_out(e);
	}
}

static int on_event(const struct kava_auto_event *ev, const char *path, void *arg)
{
	struct auto_engine *e = arg;
	const char *rel = path;
	int rule;

	while (*rel == '/')
		rel++;
	switch (ev->kind) {
	case KAVA_AUTO_MKDIR:
		if (!e->o.conf || !*rel)
			break;
		rule = conf_match(e->o.conf, rel);
		if (rule >= 0)
			enable_match(e, ev->cgroup_id, rel, rule);
		break;
	case KAVA_AUTO_RMDIR:
		on_rmdir(e, ev->cgroup_id, path);
		break;
	case KAVA_AUTO_EXEC:
		if (e->o.mount)
			automount_exec(e->am, ev->cgroup_id, (pid_t)ev->pid);
		break;
	default:
		break;
	}
	return 0;
}

int auto_start(struct auto_engine **out, struct kava_state *st, const char *cgroup2_mount,
	       const struct auto_opts *o, char *why, size_t why_size)
{
	struct auto_engine *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	e->st = st;
	e->o = *o;
	snprintf(e->mount, sizeof(e->mount), "%s", cgroup2_mount);
	for (unsigned int i = 0; o->conf && i < o->conf->nr_rules; i++)
		e->has_inner |= o->conf->rules[i].inner;
	err = auto_bpf_open(&e->bpf, on_event, e, why, why_size);
	if (err < 0) {
		free(e);
		return err;
	}
	if (o->mount) {
		e->am = automount_new(e->bpf, o->view_dir, o->tmpfs_src);
		if (!e->am) {
			auto_stop(e);
			snprintf(why, why_size, "out of memory");
			return -ENOMEM;
		}
	}
	/* attached before the walk: a cgroup created meanwhile is seen by one or both */
	scan(e);
	auto_handle(e);
	*out = e;
	return 0;
}

int auto_fd(const struct auto_engine *e)
{
	return auto_bpf_fd(e->bpf);
}

void auto_handle(struct auto_engine *e)
{
	uint64_t lost;

	auto_bpf_consume(e->bpf);
	lost = auto_bpf_lost(e->bpf);
	if (lost != e->lost_seen) {
		fprintf(stderr, "kava: auto: %llu cgroup events lost (ring buffer full): "
			"walking the cgroup tree again\n", (unsigned long long)(lost - e->lost_seen));
		e->lost_seen = lost;
		scan(e);
		auto_bpf_consume(e->bpf);
	}
	update_status(e);
}

void auto_stop(struct auto_engine *e)
{
	if (!e)
		return;
	automount_free(e->am);
	auto_bpf_close(e->bpf);
	for (unsigned int i = 0; i < e->nleft; i++)
		free(e->left[i].rel);
	free(e->left);
	free(e);
}
