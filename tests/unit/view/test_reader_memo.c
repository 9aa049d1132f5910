// SPDX-License-Identifier: GPL-2.0
/*
 * A reader's kept resolution (src/view/reader_memo.c): used again for the
 * same pid only while every count of kava_seq is what it was before the
 * resolution began; any count that moved, another pid, or no counts at
 * all (kava_seq not mapped) resolve again.
 */
#include "../../common/unit.h"
#include "view/reader_memo.h"

static const struct kava_seq page0 = { .moves = 7, .tasks = 100, .registry = 3 };

static void seq_of(const struct kava_seq *page, struct reader_seq *out)
{
	reader_seq_read(page, out);
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
	for (i = 0; i < 3; i++) {
		page = page0;
		if (i == 0)
			page.moves++;		/* a move in any hierarchy */
		else if (i == 1)
			page.tasks++;		/* a task made: the pid may name it */
		else
			page.registry++;	/* an enable or disable */
		seq_of(&page, &now);
		assert_int_equal(reader_memo_get(&m, 42, &now, &got, &gs, &identity), 0);
	}
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
		cmocka_unit_test(host_reader_and_unread_slot),
		cmocka_unit_test(no_counts_no_memo),
		cmocka_unit_test(v1_directories_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
