// SPDX-License-Identifier: GPL-2.0
/*
 * The least any BPF scheduler accounting can cost (make bench, workloads):
 * empty programs on the two tracepoints a context-switch-heavy workload
 * fires, sched_switch and sched_wakeup, attached as kava's are (tp_btf).
 * What the kernel pays to call a program at all: __bpf_trace_run()'s
 * migrate/RCU bracket and the indirect call, no map, no memory touched.
 * Loaded by tests/helpers/kava-bare.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_switch")
int BPF_PROG(bare_sched_switch)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(bare_sched_wakeup)
{
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(bare_sched_wakeup_new)
{
	return 0;
}
