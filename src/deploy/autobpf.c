// SPDX-License-Identifier: GPL-2.0
/* Loading bpf/autoenable.bpf.c and reading its events (see autobpf.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "autoenable.skel.h"
#include "common/bpfglue.h"
#include "deploy/autobpf.h"
#include "sched/state.h"

struct auto_bpf {
	struct autoenable_bpf *skel;
	struct ring_buffer *rb;
	auto_event_fn fn;
	void *ctx;
};

static int on_sample(void *arg, void *data, size_t size)
{
	struct auto_bpf *a = arg;
	const struct kava_auto_event *e = data;
	const struct kava_auto_path_event *pe = data;
	char path[KAVA_AUTO_PATH_MAX];

	if (size < sizeof(*e))
		return 0;
	path[0] = '\0';
	if (e->kind != KAVA_AUTO_EXEC && size >= sizeof(*pe)) {
		memcpy(path, pe->path, sizeof(path));
		path[sizeof(path) - 1] = '\0';
	}
	return a->fn(e, path, a->ctx);
}

int auto_bpf_open(struct auto_bpf **out, auto_event_fn fn, void *ctx, char *why,
		  size_t why_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct auto_bpf *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	a->fn = fn;
	a->ctx = ctx;
	if (getenv("KAVA_SYSFS_BTF"))
		opts.btf_custom_path = kava_btf_path();
	a->skel = autoenable_bpf__open_opts(&opts);
	if (!a->skel) {
		err = -errno;
		snprintf(why, why_size, "cannot open the automatic-enable BPF object: %s",
			 strerror(errno));
		goto fail;
	}
	err = autoenable_bpf__load(a->skel);
	if (err) {
		bpfload_describe_failure(err, why, why_size);
		goto fail;
	}
	err = autoenable_bpf__attach(a->skel);
	if (err) {
		snprintf(why, why_size, "cannot attach to the cgroup_mkdir/cgroup_rmdir/"
			 "sched_process_exec tracepoints: %s", strerror(-err));
		goto fail;
	}
	a->rb = ring_buffer__new(bpf_map__fd(a->skel->maps.kava_auto_events), on_sample, a, NULL);
	if (!a->rb) {
		err = -errno;
		snprintf(why, why_size, "cannot set up the event ring buffer: %s", strerror(errno));
		goto fail;
	}
	*out = a;
	return 0;
fail:
	auto_bpf_close(a);
	return err < 0 ? err : -EINVAL;
}

int auto_bpf_fd(const struct auto_bpf *a)
{
	return ring_buffer__epoll_fd(a->rb);
}

int auto_bpf_consume(struct auto_bpf *a)
{
	return ring_buffer__consume(a->rb);
}

int auto_bpf_watch(struct auto_bpf *a, uint64_t id, int on)
{
	int fd = bpf_map__fd(a->skel->maps.kava_auto_watch);
	__u8 one = 1;

	if (on) {
		if (bpf_map_update_elem(fd, &id, &one, BPF_NOEXIST) < 0)
			return errno == EEXIST ? 0 : -errno;
		__atomic_add_fetch(&a->skel->bss->nr_watched, 1, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (bpf_map_delete_elem(fd, &id) < 0)
		return errno == ENOENT ? 0 : -errno;
	__atomic_sub_fetch(&a->skel->bss->nr_watched, 1, __ATOMIC_SEQ_CST);
	return 0;
}

uint64_t auto_bpf_lost(const struct auto_bpf *a)
{
	return __atomic_load_n(&a->skel->bss->lost, __ATOMIC_RELAXED);
}

void auto_bpf_close(struct auto_bpf *a)
{
	if (!a)
		return;
	ring_buffer__free(a->rb);
	autoenable_bpf__destroy(a->skel);
	free(a);
}
