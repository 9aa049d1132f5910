// SPDX-License-Identifier: GPL-2.0
/*
 * A reader's kept resolution (src/view/reader_memo.c): used again for the
 * same pid only while kava_seq's counts and the new-task count of the
 * pid's kava_pidseq entry are what they were before the resolution began;
 * any of them that moved, another pid, or no counts at all (kava_seq or
 * kava_pidseq not mapped) resolve again. A task made at another pid leaves
 * it alone: on a busy host every process made would otherwise make every
 * reader resolve again.
 */
#include "../../common/unit.h"
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "view/reader_memo.h"

static const struct kava_seq page0 = { .moves = 7, .registry = 3 };
static __u64 pids0[KAVA_PIDSEQ_SLOTS];

static void seq_of(const struct kava_seq *page, struct reader_seq *out)
{
	reader_seq_read(page, pids0, 42, out);
}

static void kept_while_counts_stand(void **state)
{
	struct reader_memo m = { 0 };
	struct reader_seq before, now;
	struct kava_owner o = { .slot = 5, .gen = 9 }, got;
	struct kava_slot s = { .cgroup_id = 1234, .gen = 9, .avenrun = { 1, 2, 3 }, .last_pid = 77 }, gs;
	int identity;

	(void)state;
	seq_of(&page0, &before);
	assert_int_equal(reader_memo_get(&m, 42, &before, &got, &gs, &identity), 0);	/* empty */
	reader_memo_put(&m, 42, &before, &o, &s);
	seq_of(&page0, &now);
	assert_int_equal(reader_memo_get(&m, 42, &now, &got, &gs, &identity), 1);
	assert_int_equal(got.slot, 5);
	assert_int_equal(got.gen, 9);
	assert_int_equal(identity, 1);
	/* the identity only: figures (load averages, last pid) change and are read anew */
	assert_int_equal(gs.cgroup_id, 1234);
	assert_int_equal(gs.gen, 9);
	assert_int_equal(gs.avenrun[0], 0);
	assert_int_equal(gs.last_pid, 0);
	/* another pid, even in the same entry */
	assert_int_equal(reader_memo_get(&m, 43, &now, &got, &gs, &identity), 0);
}

static void any_count_that_moved_is_stale(void **state)
{
	struct reader_memo m = { 0 };
	struct reader_seq before, now;
	struct kava_owner o = { .slot = 1, .gen = 1 }, got;
	struct kava_slot s = { .cgroup_id = 1, .gen = 1 }, gs;
	struct kava_seq page;
	int identity, i;

	(void)state;
	seq_of(&page0, &before);
	reader_memo_put(&m, 42, &before, &o, &s);
	for (i = 0; i < 2; i++) {
		page = page0;
		if (i == 0)
			page.moves++;		/* a move in any hierarchy */
		else
			page.registry++;	/* an enable or disable */
		seq_of(&page, &now);
		assert_int_equal(reader_memo_get(&m, 42, &now, &got, &gs, &identity), 0);
	}
}

/* A task made at the reader's pid (its entry) drops it; one made at another pid does not. */
static void only_a_task_at_its_pid_is_stale(void **state)
{
	static __u64 pids[KAVA_PIDSEQ_SLOTS];
	struct reader_memo m = { 0 };
	struct reader_seq before, now;
	struct kava_owner o = { .slot = 1, .gen = 1 }, got;
	struct kava_slot s = { .cgroup_id = 1, .gen = 1 }, gs;
	int identity;

	(void)state;
	reader_seq_read(&page0, pids, 42, &before);
	reader_memo_put(&m, 42, &before, &o, &s);
	pids[43]++;				/* a process made elsewhere */
	pids[41] += 1000;
	reader_seq_read(&page0, pids, 42, &now);
	assert_int_equal(reader_memo_get(&m, 42, &now, &got, &gs, &identity), 1);
	pids[42]++;				/* a task made with the reader's pid */
	reader_seq_read(&page0, pids, 42, &now);
	assert_int_equal(reader_memo_get(&m, 42, &now, &got, &gs, &identity), 0);
	/* pids are counted modulo the entries: a pid that shares 42's entry counts too */
	reader_seq_read(&page0, pids, 42, &before);
	reader_memo_put(&m, 42, &before, &o, &s);
	pids[(42 + KAVA_PIDSEQ_SLOTS) % KAVA_PIDSEQ_SLOTS]++;
	reader_seq_read(&page0, pids, 42, &now);
	assert_int_equal(reader_memo_get(&m, 42, &now, &got, &gs, &identity), 0);
}

/*
 * On a real kava_pidseq as the agent maps it (src/sched/state.c): the count
 * a program adds at a pid's entry is the one read for that pid (an ARRAY's
 * mapped values lie at its element stride, every value rounded up to 8).
 */
static void reads_the_mapped_entry_of_the_pid(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_pidseq", sizeof(__u32), sizeof(__u64),
				KAVA_PIDSEQ_SLOTS, &opts);
	size_t len = KAVA_PIDSEQ_SLOTS * sizeof(__u64);
	__u32 key = 13851 % KAVA_PIDSEQ_SLOTS;
	__u64 five = 5;
	struct reader_seq got;
	void *p;

	(void)state;
	if (fd < 0)
		skip();	/* not root, or no BPF here */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(bpf_map_update_elem(fd, &key, &five, BPF_ANY), 0);
	reader_seq_read(&page0, p, 13851, &got);
	assert_int_equal(got.pid_tasks, 5);
	reader_seq_read(&page0, p, 13850, &got);
	assert_int_equal(got.pid_tasks, 0);
	munmap(p, len);
	close(fd);
}

static void host_reader_and_unread_slot(void **state)
{
	struct reader_memo m = { 0 };
	struct reader_seq before;
	struct kava_owner host = { .slot = KAVA_NO_SLOT, .gen = 0 }, o = { .slot = 2, .gen = 4 }, got;
	struct kava_slot s = { .cgroup_id = 1, .gen = 1 }, gs;
	int identity;

	(void)state;
	seq_of(&page0, &before);
	reader_memo_put(&m, 42, &before, &host, &s);	/* no container: no identity to keep */
	assert_int_equal(reader_memo_get(&m, 42, &before, &got, &gs, &identity), 1);
	assert_int_equal(got.slot, KAVA_NO_SLOT);
	assert_int_equal(identity, 0);
	reader_memo_put(&m, 42, &before, &o, NULL);	/* resolved by /proc: the slot not read */
	assert_int_equal(reader_memo_get(&m, 42, &before, &got, &gs, &identity), 1);
	assert_int_equal(got.slot, 2);
	assert_int_equal(identity, 0);
}

static void no_counts_no_memo(void **state)
{
	struct reader_memo m = { 0 };
	struct reader_seq none;
	struct kava_owner o = { .slot = 1, .gen = 1 }, got;
	struct kava_slot gs;
	int identity;

	(void)state;
	seq_of(NULL, &none);
	reader_memo_put(&m, 42, &none, &o, NULL);
	assert_int_equal(reader_memo_get(&m, 42, &none, &got, &gs, &identity), 0);
	reader_seq_read(&page0, NULL, 42, &none);	/* kava_pidseq not mapped */
	reader_memo_put(&m, 42, &none, &o, NULL);
	assert_int_equal(reader_memo_get(&m, 42, &none, &got, &gs, &identity), 0);
}

static void v1_directories_kept(void **state)
{
	struct reader_v1_memo m = { 0 };
	struct container_paths *p = calloc(1, sizeof(*p)), *q = calloc(1, sizeof(*q));
	struct reader_seq before, now;
	struct kava_seq page = page0;

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	strcpy(p->v1[V1_MEMORY], "/sys/fs/cgroup/memory/a/b");
	p->v1_mount[V1_MEMORY] = strlen("/sys/fs/cgroup/memory");
	strcpy(p->v1[V1_CPUSET], "/sys/fs/cgroup/cpuset");
	p->v1_mount[V1_CPUSET] = strlen("/sys/fs/cgroup/cpuset");
	seq_of(&page, &before);
	assert_int_equal(reader_v1_memo_get(&m, 42, &before, q), 0);
	assert_int_equal(reader_v1_memo_put(&m, 42, &before, p), 0);
	strcpy(q->v1[V1_CPU], "stale");
	assert_int_equal(reader_v1_memo_get(&m, 42, &before, q), 1);
	assert_string_equal(q->v1[V1_MEMORY], "/sys/fs/cgroup/memory/a/b");
	assert_int_equal(q->v1_mount[V1_MEMORY], strlen("/sys/fs/cgroup/memory"));
	assert_string_equal(q->v1[V1_CPUSET], "/sys/fs/cgroup/cpuset");
	assert_string_equal(q->v1[V1_CPU], "");	/* none: cleared, as container_paths_v1() does */
	assert_string_equal(q->v1[V1_BLKIO], "");
	page.moves++;		/* a v1 move alone */
	seq_of(&page, &now);
	assert_int_equal(reader_v1_memo_get(&m, 42, &now, q), 0);
	assert_int_equal(reader_v1_memo_get(&m, 41, &before, q), 0);
	reader_v1_memo_clear(&m);
	assert_int_equal(reader_v1_memo_get(&m, 42, &before, q), 0);
	free(p);
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kept_while_counts_stand),
		cmocka_unit_test(any_count_that_moved_is_stale),
		cmocka_unit_test(only_a_task_at_its_pid_is_stale),
		cmocka_unit_test(reads_the_mapped_entry_of_the_pid),
		cmocka_unit_test(host_reader_and_unread_slot),
		cmocka_unit_test(no_counts_no_memo),
		cmocka_unit_test(v1_directories_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
