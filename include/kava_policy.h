/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI between kava's policy programs (bpf/policy.bpf.c) and userspace
 * (src/policy.c, src/events.c): map keys, values and ring-buffer events.
 *
 * Everything is pinned under KAVA_POL_PIN_DIR with BTF, so `bpftool map dump
 * pinned /sys/fs/bpf/kava/policy/kpol_policies` prints named fields:
 *
 *   kpol_policies  hash, key: policied cgroup id (u64) -> struct kava_pol_policy
 *   kpol_stats     hash, key: policied cgroup id (u64) -> struct kava_pol_stats
 *   kpol_config    array[1] -> struct kava_pol_config
 *   kpol_events    ring buffer of struct kava_pol_event
 *   prog_dev       the cgroup/dev program; links/cg-<id> its bpf_links
 *   links/lsm_*    the LSM programs' links (where BPF LSM runs)
 *
 * A policy is one map value holding every rule, so applying a second policy
 * is one map update: readers see the old value or the new one, never a mix
 * (see bpf/policy.bpf.c on why kpol_policies is BPF_F_NO_PREALLOC).
 * Changing a layout here changes the pinned ABI: bump KAVA_POL_ABI_VERSION.
 */
#ifndef KAVA_POLICY_H
#define KAVA_POLICY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KAVA_POL_ABI_VERSION   2                   /* 2: kava_pol_stats by hook */
#define KAVA_POL_PIN_SUBDIR    "policy"            /* under KAVA_PIN_DIR */
#define KAVA_POL_MAX_POLICIES  1024                /* policied cgroups */
#define KAVA_POL_MAX_RULES     64                  /* device rules per policy, base set included */
#define KAVA_POL_MAX_DEPTH     32                  /* cgroup levels searched for a policy */
#define KAVA_POL_RINGBUF_SIZE  (256 * 1024)
#define KAVA_POL_RATE_WINDOW_NS 1000000000ULL      /* events: at most ... */
#define KAVA_POL_RATE_BURST    64                  /* ... this many per container per window */
#define KAVA_POL_CAP_LAST      40                  /* CAP_CHECKPOINT_RESTORE (Linux 5.9+) */

/* Policy modes. */
#define KAVA_POL_AUDIT         1                   /* deny nothing, report would-deny */
#define KAVA_POL_ENFORCE       2                   /* deny and report */

/* Device types and access bits: the values of the kernel's enum
 * bpf_devcg_dev_type / bpf_devcg_acc_type (uapi linux/bpf.h), so a rule
 * compares directly against bpf_cgroup_dev_ctx.access_type. */
#define KAVA_DEV_BLOCK         1                   /* BPF_DEVCG_DEV_BLOCK */
#define KAVA_DEV_CHAR          2                   /* BPF_DEVCG_DEV_CHAR */
#define KAVA_DEV_ANY           (KAVA_DEV_BLOCK | KAVA_DEV_CHAR)   /* type 'a' */
#define KAVA_ACC_MKNOD         1                   /* BPF_DEVCG_ACC_MKNOD */
#define KAVA_ACC_READ          2                   /* BPF_DEVCG_ACC_READ */
#define KAVA_ACC_WRITE         4                   /* BPF_DEVCG_ACC_WRITE */
#define KAVA_ACC_ALL           7
#define KAVA_DEV_WILDCARD      0xffffffffu         /* '*' as major or minor */

/* One allow rule: a device matches when its type is in `type`, major and
 * minor match (or are KAVA_DEV_WILDCARD), and every access bit asked for
 * is in `access`. */
struct kava_pol_dev_rule {
	__u32 major;
	__u32 minor;
	__u8 type;                 /* KAVA_DEV_* bits */
	__u8 access;               /* KAVA_ACC_* bits */
	__u16 line;                /* line in the policy file; 0: the base set */
};

/* kpol_policies value: a whole policy. */
struct kava_pol_policy {
	__u32 mode;                /* KAVA_POL_AUDIT or KAVA_POL_ENFORCE */
	__u32 nr_rules;            /* valid entries of rules[] */
	__u64 caps_deny;           /* bit N set: CAP number N is denied (lsm/capable) */
	__u32 generation;          /* bumped by every apply to this cgroup */
	__u16 caps_line;           /* line of the caps.drop/caps.keep that set caps_deny */
	__u16 flags;               /* KAVA_POL_F_* */
	__u64 applied_ns;          /* CLOCK_REALTIME of the apply, for 'policy show' */
	struct kava_pol_dev_rule rules[KAVA_POL_MAX_RULES];
};

#define KAVA_POL_F_BASE_SAFE   1  /* the base set was included */
#define KAVA_POL_F_CAPS_KEEP   2  /* caps_deny came from caps.keep */

/* Hooks an event comes from. */
#define KAVA_HOOK_CGROUP_DEV   1  /* cgroup/dev */
#define KAVA_HOOK_FILE_OPEN    2  /* lsm/file_open */
#define KAVA_HOOK_INODE_MKNOD  3  /* lsm/inode_mknod */
#define KAVA_HOOK_CAPABLE      4  /* lsm/capable */
#define KAVA_HOOK_COUNT        4

/* The decisions of one hook, kava_pol_stats.hook[KAVA_HOOK_* - 1]. */
struct kava_pol_hook_stats {
	__u64 allowed;
	__u64 denied;
	__u64 would_deny;
	__u64 suppressed;
};

/* kpol_stats value: counters and the event rate limiter of one policy.
 * Updated with atomic adds from any CPU. */
struct kava_pol_stats {
	__u64 allowed;             /* checks that passed */
	__u64 denied;              /* enforce mode: denials */
	__u64 would_deny;          /* audit mode: what enforce mode would deny */
	__u64 suppressed;          /* events not sent because of the rate limit */
	__u64 window_start_ns;     /* rate limit: start of the current window */
	__u64 window_count;        /* events sent in that window */
	__u64 pending_suppressed;  /* suppressed since the last event sent */
	struct kava_pol_hook_stats hook[KAVA_HOOK_COUNT];   /* the four counts above, by hook */
};

/* kpol_config[0]. */
struct kava_pol_config {
	__u32 abi_version;
	__u32 nr_policies;         /* 0: every hook returns at once */
};

/* Verdicts. */
#define KAVA_VERDICT_DENY       1
#define KAVA_VERDICT_WOULD_DENY 2

/* A denial (or would-deny) leaving the kernel through kpol_events. */
struct kava_pol_event {
	__u64 time_ns;             /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgroup_id;           /* the task's own cgroup */
	__u64 policy_cgroup_id;    /* the container: cgroup whose policy matched */
	__u64 suppressed;          /* events of this container dropped since the last one */
	__u32 pid;                 /* thread group id */
	__u32 tid;
	char comm[16];
	__u32 hook;                /* KAVA_HOOK_* */
	__u32 verdict;             /* KAVA_VERDICT_* */
	__u32 major;               /* device hooks */
	__u32 minor;
	__u8 dev_type;             /* KAVA_DEV_BLOCK or KAVA_DEV_CHAR */
	__u8 access;               /* KAVA_ACC_* asked for */
	__u16 line;                /* policy line of the rule that decided; 0: none/base */
	__s32 rule;                /* index of the rule that matched the device but
				      not the access, or of the caps line (-1: no
				      rule allowed the device: default deny) */
	__s32 cap;                 /* capable: the capability number */
	__u32 generation;          /* policy generation that decided */
};

#endif /* KAVA_POLICY_H */
