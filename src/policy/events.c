// SPDX-License-Identifier: GPL-2.0
/* Policy events from the kpol_events ring buffer, as text or JSON lines. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sched/state.h"
#include "cgroup/path.h"
#include "common/clock.h"
#include "common/json.h"
#include "policy/events.h"
#include "policy/parse.h"

struct reader {
	const struct events_opts *o;
	char mount[PATH_MAX];
	int64_t mono_to_real;              /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	int printed;
};

const char *events_hook_name(unsigned int hook)
{
	switch (hook) {
	case KAVA_HOOK_CGROUP_DEV: return "cgroup_dev";
	case KAVA_HOOK_FILE_OPEN: return "file_open";
	case KAVA_HOOK_INODE_MKNOD: return "inode_mknod";
	case KAVA_HOOK_CAPABLE: return "capable";
	default: return "?";
	}
}

/* "c 1:5 rw" for device events, "sys_time" for capabilities. */
static void format_object(const struct kava_pol_event *e, char *out, size_t size)
{
	const char *name;
	char acc[4];

	if (e->hook == KAVA_HOOK_CAPABLE) {
		name = policy_cap_name(e->cap);
		if (name)
			snprintf(out, size, "%s", name);
		else
			snprintf(out, size, "cap%d", e->cap);
		return;
	}
	policy_format_access(e->access, acc);
	snprintf(out, size, "%c %u:%u %s", e->dev_type == KAVA_DEV_BLOCK ? 'b' : 'c', e->major,
		 e->minor, acc);
}

/* Which rule decided: a line number, the base set, or none. */
static void format_rule(const struct kava_pol_event *e, char *out, size_t size)
{
	if (e->hook == KAVA_HOOK_CAPABLE)
		snprintf(out, size, "caps line %u", e->line);
	else if (e->rule < 0)
		snprintf(out, size, "no rule allows the device");
	else if (e->line)
		snprintf(out, size, "rule %d (line %u) lacks the access", e->rule, e->line);
	else
		snprintf(out, size, "base rule %d lacks the access", e->rule);
}

static void print_comm(FILE *out, const char comm[16], int json)
{
	char c[17];

	memcpy(c, comm, 16);
	c[16] = '\0';
	if (json)
		json_write_string(out, c);
	else
		fputs(c, out);
}

static void print_json(FILE *out, const struct kava_pol_event *e, const char *cgroup,
		       const char *container, const char *when, const char *object)
{
	fprintf(out, "{\"time\":\"%s\",\"time_ns\":%llu,\"verdict\":\"%s\",\"hook\":\"%s\",",
		when, (unsigned long long)e->time_ns,
		e->verdict == KAVA_VERDICT_DENY ? "deny" : "would-deny", events_hook_name(e->hook));
	fprintf(out, "\"cgroup_id\":%llu,\"cgroup\":", (unsigned long long)e->cgroup_id);
	if (cgroup)
		json_write_string(out, cgroup);
	else
		fputs("null", out);
	fprintf(out, ",\"container_id\":%llu,\"container\":", (unsigned long long)e->policy_cgroup_id);
	if (container)
		json_write_string(out, container);
	else
		fputs("null", out);
	fprintf(out, ",\"pid\":%u,\"tid\":%u,\"comm\":", e->pid, e->tid);
	print_comm(out, e->comm, 1);
	if (e->hook == KAVA_HOOK_CAPABLE)
		fprintf(out, ",\"capability\":\"%s\",\"cap\":%d", object, e->cap);
	else
		fprintf(out, ",\"device\":\"%s\"", object);
	fprintf(out, ",\"rule\":%d,\"line\":%u,\"generation\":%u,\"suppressed\":%llu}\n", e->rule,
		e->line, e->generation, (unsigned long long)e->suppressed);
}

void events_print(FILE *out, const struct kava_pol_event *e, int json, const char *cgroup,
		  const char *container, uint64_t real_ns)
{
	char when[48], object[64], rule[64];

	format_iso_time(real_ns, 1, when, sizeof(when));
	format_object(e, object, sizeof(object));
	if (json) {
		print_json(out, e, cgroup, container, when, object);
		return;
	}
	format_rule(e, rule, sizeof(rule));
	fprintf(out, "%s %s %s %s pid %u (", when,
		e->verdict == KAVA_VERDICT_DENY ? "deny" : "would-deny", events_hook_name(e->hook),
		object, e->pid);
	print_comm(out, e->comm, 0);
	fprintf(out, ") cgroup %s container %s: %s", cgroup ? cgroup : "?",
		container ? container : "?", rule);
	if (e->suppressed)
		fprintf(out, " (%llu earlier events suppressed)", (unsigned long long)e->suppressed);
	fputc('\n', out);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct reader *r = ctx;
	const struct kava_pol_event *e = data;
	char cg[PATH_MAX], container[PATH_MAX];
	int have_cg, have_container;

	if (size < sizeof(*e))
		return 0;
	have_cg = cgroup_path_of_id(r->mount, e->cgroup_id, cg, sizeof(cg)) == 0;
	have_container = cgroup_path_of_id(r->mount, e->policy_cgroup_id, container,
					   sizeof(container)) == 0;
	events_print(r->o->out, e, r->o->json, have_cg ? cg : NULL,
		     have_container ? container : NULL,
		     (uint64_t)((int64_t)e->time_ns + r->mono_to_real));
	fflush(r->o->out);
	r->printed++;
	return 0;
}

static int open_ringbuf(int *fd, char *why, size_t why_size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/kpol_events", kava_pin_dir(), KAVA_POL_PIN_SUBDIR);
	*fd = bpf_obj_get(path);
	if (*fd >= 0)
		return 0;
	if (errno == ENOENT)
		snprintf(why, why_size, "no policy is loaded (%s is not pinned)", path);
	else
		snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
	return -errno;
}

int events_run(const struct events_opts *o, char *why, size_t why_size)
{
	struct reader r = { .o = o };
	struct ring_buffer *rb = NULL;
	int fd, err;

	err = kava_check_privileges(why, why_size);
	if (err)
		return err;
	err = open_ringbuf(&fd, why, why_size);
	if (err)
		return err;
	if (cgroup2_mount(r.mount, sizeof(r.mount)) < 0)
		r.mount[0] = '\0';
	r.mono_to_real = monotonic_to_realtime_ns();
	rb = ring_buffer__new(fd, handle_event, &r, NULL);
	if (!rb) {
		err = -errno;
		snprintf(why, why_size, "cannot read the event ring buffer: %s", strerror(-err));
		goto out;
	}
	err = ring_buffer__consume(rb);
	while (err >= 0 && o->follow && !(o->stop && *o->stop))
		err = ring_buffer__poll(rb, 200);
	if (err == -EINTR)
		err = 0;
	if (err < 0)
		snprintf(why, why_size, "reading events failed: %s", strerror(-err));
out:
	ring_buffer__free(rb);
	close(fd);
	return err < 0 ? err : r.printed;
}
