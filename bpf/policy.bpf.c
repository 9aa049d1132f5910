// SPDX-License-Identifier: GPL-2.0
/*
 * kava's per-container device and capability policy.
 *
 * A policy belongs to a cgroup (v2) and covers every task in that cgroup and
 * its descendants, including cgroups created later: each hook finds the
 * policy of the nearest policied ancestor of the current task's cgroup by
 * walking bpf_get_current_ancestor_cgroup_id() from the root down.
 *
 * Devices: kpol_dev (cgroup/dev) is attached through a bpf_link to every
 * policied cgroup. The kernel runs it from devcgroup_check_permission() for
 * opens of device nodes and for mknod, for tasks in the cgroup and in its
 * descendants (cgroup programs inherit; links always attach with
 * BPF_F_ALLOW_MULTI, so every attached program must allow). Where BPF LSM
 * runs, lsm/file_open and lsm/inode_mknod check the same rules again.
 * Capabilities: lsm/capable returns -EPERM for a capability the policy
 * denies; it runs only after the capability LSM granted the capability
 * (security_capable() stops at the first LSM that refuses), so it can deny
 * but never grant.
 *
 * Audit mode denies nothing; both modes report denials through kpol_events,
 * at most KAVA_POL_RATE_BURST per container per second, counting the rest.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kava_policy.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM            1
#define S_IFMT           00170000
#define S_IFCHR          0020000
#define S_IFBLK          0060000
#define FMODE_READ       0x1
#define FMODE_WRITE      0x2
#define CAP_OPT_NOAUDIT  0x2     /* include/linux/security.h: BIT(1) */
#define MINORBITS        20      /* include/linux/kdev_t.h: kernel dev_t */
#define MINORMASK        ((1U << MINORBITS) - 1)

/*
 * One value per policied cgroup, replaced whole by every apply. Not
 * preallocated on purpose: htab_map_update_elem() links the new element
 * before unlinking the old one, and without prealloc the old one is freed
 * only after an RCU grace period, so a hook that looked the policy up keeps
 * reading a complete old policy while a new one is swapped in (a
 * preallocated map recycles the old element at once).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KAVA_POL_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct kava_pol_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpol_policies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KAVA_POL_MAX_POLICIES);
	__type(key, __u64);
	__type(value, struct kava_pol_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpol_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kava_pol_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpol_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KAVA_POL_RINGBUF_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpol_events SEC(".maps");

/* What a hook asks about, and what it found. */
struct query {
	__u32 hook;
	__u32 type;
	__u32 major;
	__u32 minor;
	__u32 access;
	__s32 cap;
	__s32 rule;
	__u16 line;
};

static __always_inline int no_policies(void)
{
	__u32 zero = 0;
	struct kava_pol_config *cfg = bpf_map_lookup_elem(&kpol_config, &zero);

	return !cfg || !cfg->nr_policies;
}

/* The policy of the nearest policied ancestor (or the cgroup itself). */
static __always_inline struct kava_pol_policy *find_policy(__u64 *policy_id)
{
	struct kava_pol_policy *found = NULL, *p;
	__u64 id;
	int level;

	for (level = 0; level < KAVA_POL_MAX_DEPTH; level++) {
		/* 0 once `level` is deeper than the task's own cgroup */
		id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id)
			break;
		p = bpf_map_lookup_elem(&kpol_policies, &id);
		if (p) {
			found = p;
			*policy_id = id;
		}
	}
	return found;
}

/* The policy's counters of one hook (NULL without stats). */
static __always_inline struct kava_pol_hook_stats *hook_stats(struct kava_pol_stats *st, __u32 hook)
{
	if (!st || hook < 1 || hook > KAVA_HOOK_COUNT)
		return NULL;
	return &st->hook[hook - 1];
}

/* An event not sent: counted in all and for its hook, and owed to the next event. */
static __always_inline void suppress(struct kava_pol_stats *st, __u32 hook)
{
	struct kava_pol_hook_stats *hs = hook_stats(st, hook);

	if (!st)
		return;
	__sync_fetch_and_add(&st->suppressed, 1);
	__sync_fetch_and_add(&st->pending_suppressed, 1);
	if (hs)
		__sync_fetch_and_add(&hs->suppressed, 1);
}

/* A check that passed. */
static __always_inline void count_allowed(struct kava_pol_stats *st, __u32 hook)
{
	struct kava_pol_hook_stats *hs = hook_stats(st, hook);

	if (!st)
		return;
	__sync_fetch_and_add(&st->allowed, 1);
	if (hs)
		__sync_fetch_and_add(&hs->allowed, 1);
}

/* Fixed-window rate limit; racy between CPUs by a few events at most. */
static __always_inline int rate_limited(struct kava_pol_stats *st, __u32 hook, __u64 now)
{
	if (!st)
		return 0;
	if (now - st->window_start_ns >= KAVA_POL_RATE_WINDOW_NS) {
		st->window_start_ns = now;
		st->window_count = 0;
	}
	if (__sync_fetch_and_add(&st->window_count, 1) < KAVA_POL_RATE_BURST)
		return 0;
	suppress(st, hook);
	return 1;
}

static __always_inline void emit(struct kava_pol_stats *st, const struct kava_pol_policy *p,
				 __u64 policy_id, const struct query *q, __u32 verdict)
{
	__u64 now = bpf_ktime_get_ns(), pid_tgid;
	struct kava_pol_event *e;

	if (rate_limited(st, q->hook, now))
		return;
	e = bpf_ringbuf_reserve(&kpol_events, sizeof(*e), 0);
	if (!e) {
		suppress(st, q->hook);
		return;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	e->time_ns = now;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->policy_cgroup_id = policy_id;
	e->suppressed = st ? __sync_lock_test_and_set(&st->pending_suppressed, 0) : 0;
	e->pid = (__u32)(pid_tgid >> 32);
	e->tid = (__u32)pid_tgid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->hook = q->hook;
	e->verdict = verdict;
	e->major = q->major;
	e->minor = q->minor;
	e->dev_type = (__u8)q->type;
	e->access = (__u8)q->access;
	e->line = q->line;
	e->rule = q->rule;
	e->cap = q->cap;
	e->generation = p->generation;
	bpf_ringbuf_submit(e, 0);
}

/* Count and report a check that failed; -EPERM in enforce mode, else 0. */
static __always_inline int refuse(struct kava_pol_stats *st, const struct kava_pol_policy *p,
				  __u64 policy_id, const struct query *q, int report)
{
	__u32 verdict = p->mode == KAVA_POL_ENFORCE ? KAVA_VERDICT_DENY : KAVA_VERDICT_WOULD_DENY;
	struct kava_pol_hook_stats *hs = hook_stats(st, q->hook);

	if (st)
		__sync_fetch_and_add(verdict == KAVA_VERDICT_DENY ? &st->denied : &st->would_deny, 1);
	if (hs)
		__sync_fetch_and_add(verdict == KAVA_VERDICT_DENY ? &hs->denied : &hs->would_deny, 1);
	if (report)
		emit(st, p, policy_id, q, verdict);
	return verdict == KAVA_VERDICT_DENY ? -EPERM : 0;
}

/*
 * The access bits every rule naming this device allows, together; q->rule
 * is the first rule naming the device (-1: none does).
 */
static __always_inline __u32 allowed_access(const struct kava_pol_policy *p, struct query *q)
{
	__u32 i, n = p->nr_rules, acc = 0;

	q->rule = -1;
	q->line = 0;
	for (i = 0; i < KAVA_POL_MAX_RULES; i++) {
		const struct kava_pol_dev_rule *r = &p->rules[i];

		if (i >= n)
			break;
		if (!(r->type & q->type))
			continue;
		if (r->major != KAVA_DEV_WILDCARD && r->major != q->major)
			continue;
		if (r->minor != KAVA_DEV_WILDCARD && r->minor != q->minor)
			continue;
		acc |= r->access;
		if (q->rule < 0) {
			q->rule = (__s32)i;
			q->line = r->line;
		}
	}
	return acc;
}

/* 0 to allow, -EPERM to deny a device access for the current task. */
static __always_inline int check_device(struct query *q)
{
	struct kava_pol_stats *st;
	struct kava_pol_policy *p;
	__u64 policy_id = 0;

	if (no_policies())
		return 0;
	p = find_policy(&policy_id);
	if (!p)
		return 0;
	st = bpf_map_lookup_elem(&kpol_stats, &policy_id);
	if ((allowed_access(p, q) & q->access) == q->access) {
		count_allowed(st, q->hook);
		return 0;
	}
	return refuse(st, p, policy_id, q, 1);
}

SEC("cgroup/dev")
int kpol_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	struct query q = {
		.hook = KAVA_HOOK_CGROUP_DEV,
		.type = ctx->access_type & 0xffff,      /* BPF_DEVCG_DEV_* */
		.access = ctx->access_type >> 16,       /* BPF_DEVCG_ACC_* */
		.major = ctx->major,
		.minor = ctx->minor,
		.cap = -1,
	};

	return check_device(&q) ? 0 : 1;                /* 0 makes the kernel return -EPERM */
}

static __always_inline __u32 dev_type_of(umode_t mode)
{
	if ((mode & S_IFMT) == S_IFCHR)
		return KAVA_DEV_CHAR;
	if ((mode & S_IFMT) == S_IFBLK)
		return KAVA_DEV_BLOCK;
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(kpol_file_open, struct file *file, int ret)
{
	struct query q = { .hook = KAVA_HOOK_FILE_OPEN, .cap = -1 };
	struct inode *inode;
	fmode_t fmode;
	dev_t rdev;

	if (ret)
		return ret;
	inode = BPF_CORE_READ(file, f_inode);
	q.type = dev_type_of(BPF_CORE_READ(inode, i_mode));
	if (!q.type)
		return 0;
	fmode = BPF_CORE_READ(file, f_mode);
	if (fmode & FMODE_READ)
		q.access |= KAVA_ACC_READ;
	if (fmode & FMODE_WRITE)
		q.access |= KAVA_ACC_WRITE;
	if (!q.access)
		return 0;
	rdev = BPF_CORE_READ(inode, i_rdev);
	q.major = rdev >> MINORBITS;
	q.minor = rdev & MINORMASK;
	return check_device(&q);
}

SEC("lsm/inode_mknod")
int BPF_PROG(kpol_inode_mknod, struct inode *dir, struct dentry *dentry, umode_t mode,
	     dev_t dev, int ret)
{
	struct query q = { .hook = KAVA_HOOK_INODE_MKNOD, .access = KAVA_ACC_MKNOD, .cap = -1 };

	if (ret)
		return ret;
	q.type = dev_type_of(mode);
	if (!q.type)
		return 0;                               /* fifos, sockets, files */
	q.major = dev >> MINORBITS;
	q.minor = dev & MINORMASK;
	return check_device(&q);
}

SEC("lsm/capable")
int BPF_PROG(kpol_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	struct query q = { .hook = KAVA_HOOK_CAPABLE, .rule = -1 };
	struct task_struct *task;
	struct kava_pol_stats *st;
	struct kava_pol_policy *p;
	__u64 policy_id = 0;

	if (ret)
		return ret;
	if (cap < 0 || cap > KAVA_POL_CAP_LAST || no_policies())
		return 0;
	/* Only the current task's own checks: has_capability(other_task, ...)
	 * passes another task's credentials. */
	task = bpf_get_current_task_btf();
	if ((unsigned long)cred != (unsigned long)BPF_CORE_READ(task, cred))
		return 0;
	p = find_policy(&policy_id);
	if (!p)
		return 0;
	st = bpf_map_lookup_elem(&kpol_stats, &policy_id);
	if (!(p->caps_deny & (1ULL << cap))) {
		count_allowed(st, q.hook);
		return 0;
	}
	q.cap = cap;
	q.line = p->caps_line;
	/* *_noaudit checks only probe (e.g. has_capability_noaudit): deny, don't report */
	return refuse(st, p, policy_id, &q, !(opts & CAP_OPT_NOAUDIT));
}
