// SPDX-License-Identifier: GPL-2.0
/*
 * The tmpfs view's reader table (src/view/tmpfs_notify.c), fed events by
 * hand: which containers a period renders, which opens wait for a render,
 * the agent's own opens never counted, merged closes, forgotten slots, the
 * ignore marks' bookkeeping. A reader's open of a file without an ignore
 * mark comes as FAN_OPEN_PERM, then (allowed, and opened) FAN_OPEN; of a
 * marked file as FAN_OPEN alone.
 */
#include <sys/fanotify.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../common/unit.h"
#include "common/util.h"
#include "kava.h"
#include "view/files.h"
#include "view/tmpfs_notify.h"

#define PERIOD 1000000000ull   /* 1 s */
#define T0     (100 * PERIOD)
#define OTHER  ((pid_t)1)      /* a reader: init, never the test itself */

static void an_unread_container_is_not_rendered(void **state)
{
	struct tmpfs_notify *n = tmpfs_notify_new(PERIOD);

	(void)state;
	assert_non_null(n);
	tmpfs_notify_track(n, 1000, 3, VF_MEMINFO);
	tmpfs_notify_rendered(n, 3, T0, 0);
	assert_false(tmpfs_notify_wanted(n, 3, T0 + 5 * PERIOD));
	tmpfs_notify_stop(n);
}

/* Open: rendered every period; closed: one period more, then not. */
static void an_open_file_keeps_its_container_rendered(void **state)
{
	struct tmpfs_notify *n = tmpfs_notify_new(PERIOD);

	(void)state;
	assert_non_null(n);
	tmpfs_notify_track(n, 1000, 3, VF_MEMINFO);
	tmpfs_notify_rendered(n, 3, T0, 0);
	/* fresh (rendered half a period ago): answered at once */
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN_PERM, OTHER, 1000, -1, T0 + PERIOD / 2), 0);
	/* asked about, not yet open: nothing counted */
	assert_false(tmpfs_notify_wanted(n, 3, T0 + 5 * PERIOD));
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN, OTHER, 1000, -1, T0 + PERIOD / 2), 0);
	assert_true(tmpfs_notify_wanted(n, 3, T0 + 50 * PERIOD));
	assert_int_equal(tmpfs_notify_event(n, FAN_CLOSE_NOWRITE, OTHER, 1000, -1, T0 + 60 * PERIOD),
			 0);
	assert_true(tmpfs_notify_wanted(n, 3, T0 + 60 * PERIOD + PERIOD / 2));
	assert_false(tmpfs_notify_wanted(n, 3, T0 + 61 * PERIOD));
	tmpfs_notify_stop(n);
}

/* Older than a period: held until rendered (or its deadline), once pending. */
static void an_open_of_an_old_file_waits_for_a_render(void **state)
{
	struct tmpfs_notify *n = tmpfs_notify_new(PERIOD);
	struct tmpfs_notify_stats st;
	uint32_t slots[4];

	(void)state;
	assert_non_null(n);
	tmpfs_notify_track(n, 1000, 3, VF_MEMINFO);
	tmpfs_notify_track(n, 1001, 3, VF_STAT);
	tmpfs_notify_rendered(n, 3, T0, 0);
	assert_int_equal(tmpfs_notify_pending(n, slots, 4), 0);
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN_PERM, OTHER, 1000, -1, T0 + 2 * PERIOD), 1);
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN_PERM, OTHER, 1001, -1, T0 + 2 * PERIOD), 1);
	assert_int_equal(tmpfs_notify_pending(n, slots, 4), 1);
	assert_int_equal(slots[0], 3);
	tmpfs_notify_rendered(n, 3, T0 + 2 * PERIOD, 1);
	tmpfs_notify_event(n, FAN_OPEN, OTHER, 1000, -1, T0 + 2 * PERIOD);
	tmpfs_notify_event(n, FAN_OPEN, OTHER, 1001, -1, T0 + 2 * PERIOD);
	assert_int_equal(tmpfs_notify_pending(n, slots, 4), 0);
	/* answered by the render: nothing left for the deadline */
	assert_int_equal(tmpfs_notify_expire(n, T0 + 3 * PERIOD), 0);
	/* a second open now is fresh */
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN_PERM, OTHER, 1000, -1, T0 + 2 * PERIOD + 1),
			 0);
	tmpfs_notify_event(n, FAN_OPEN, OTHER, 1000, -1, T0 + 2 * PERIOD + 1);
	/* never rendered again: the deadline answers it */
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN_PERM, OTHER, 1000, -1, T0 + 9 * PERIOD), 1);
	assert_int_equal(tmpfs_notify_expire(n, T0 + 9 * PERIOD + TMPFS_HOLD_NS - 1), 0);
	assert_int_equal(tmpfs_notify_expire(n, T0 + 9 * PERIOD + TMPFS_HOLD_NS), 1);
	tmpfs_notify_event(n, FAN_OPEN, OTHER, 1000, -1, T0 + 9 * PERIOD + TMPFS_HOLD_NS);
	/* a marked file's open: FAN_OPEN alone */
	tmpfs_notify_event(n, FAN_OPEN, OTHER, 1001, -1, T0 + 9 * PERIOD + TMPFS_HOLD_NS);
	tmpfs_notify_get_stats(n, &st);
	assert_int_equal(st.opens, 5);
	assert_int_equal(st.checks, 4);
	assert_int_equal(st.held, 3);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.renders_on_open, 1);
	assert_int_equal(st.active, 1);
	tmpfs_notify_stop(n);
}

/* The agent's own opens (its writes) and files it never wrote count for nothing. */
static void own_opens_and_unknown_files_are_not_counted(void **state)
{
	struct tmpfs_notify *n = tmpfs_notify_new(PERIOD);

	(void)state;
	assert_non_null(n);
	tmpfs_notify_track(n, 1000, 3, VF_MEMINFO);
	tmpfs_notify_rendered(n, 3, T0, 0);
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN_PERM, getpid(), 1000, -1, T0 + 5 * PERIOD), 0);
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN, getpid(), 1000, -1, T0 + 5 * PERIOD), 0);
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN_PERM, OTHER, 2000, -1, T0 + 5 * PERIOD), 0);
	assert_int_equal(tmpfs_notify_event(n, FAN_OPEN, OTHER, 2000, -1, T0 + 5 * PERIOD), 0);
	assert_false(tmpfs_notify_wanted(n, 3, T0 + 7 * PERIOD));
	tmpfs_notify_stop(n);
}

/* Two closes merged in one event (both bits) close two opens. */
static void merged_closes_count_twice(void **state)
{
	struct tmpfs_notify *n = tmpfs_notify_new(PERIOD);

	(void)state;
	assert_non_null(n);
	tmpfs_notify_track(n, 1000, 3, VF_MEMINFO);
	tmpfs_notify_rendered(n, 3, T0, 0);
	tmpfs_notify_event(n, FAN_OPEN, OTHER, 1000, -1, T0 + 1);
	tmpfs_notify_event(n, FAN_OPEN, OTHER, 1000, -1, T0 + 2);
	tmpfs_notify_event(n, FAN_CLOSE_NOWRITE | FAN_CLOSE_WRITE, OTHER, 1000, -1, T0 + 3);
	assert_false(tmpfs_notify_wanted(n, 3, T0 + 3 + PERIOD));
	/* a close without an open (opened before the agent listened): never below 0 */
	tmpfs_notify_event(n, FAN_CLOSE_NOWRITE, OTHER, 1000, -1, T0 + 4);
	tmpfs_notify_event(n, FAN_OPEN, OTHER, 1000, -1, T0 + 5);
	assert_true(tmpfs_notify_wanted(n, 3, T0 + 10 * PERIOD));
	tmpfs_notify_stop(n);
}

/*
 * Many containers' inodes, half of them forgotten: every other inode is
 * still found (the table's deletion keeps probe chains whole), the
 * forgotten ones count for nothing.
 */
static void forgotten_slots_leave_the_others_found(void **state)
{
	struct tmpfs_notify *n = tmpfs_notify_new(PERIOD);
	uint32_t s;
	int f;

	(void)state;
	assert_non_null(n);
	for (s = 0; s < KAVA_MAX_CONTAINERS; s++)
		for (f = 0; f < VF_COUNT; f++)
			tmpfs_notify_track(n, 7 + s * 131 + (uint64_t)f * 977 * KAVA_MAX_CONTAINERS, s, f);
	for (s = 0; s < KAVA_MAX_CONTAINERS; s += 2)
		tmpfs_notify_forget(n, s);
	for (s = 0; s < KAVA_MAX_CONTAINERS; s++) {
		tmpfs_notify_rendered(n, s, T0, 0);
		tmpfs_notify_event(n, FAN_OPEN, OTHER,
				   7 + s * 131 + (uint64_t)(VF_COUNT - 1) * 977 * KAVA_MAX_CONTAINERS, -1,
				   T0 + 1);
	}
	for (s = 0; s < KAVA_MAX_CONTAINERS; s++)
		assert_int_equal(tmpfs_notify_wanted(n, s, T0 + 10 * PERIOD), s % 2);
	tmpfs_notify_stop(n);
}

/*
 * A table whose slot 3 has meminfo (inode 1000) rendered at T0, and an
 * empty folder in the scratch directory to stand for /proc (in `proc`).
 */
static struct tmpfs_notify *read_once_with_empty_proc(void **state, char *proc, size_t size)
{
	struct tmpfs_notify *n = tmpfs_notify_new(PERIOD);

	assert_non_null(n);
	unit_path(proc, size, *state, "proc");
	assert_int_equal(mkdir(proc, 0755), 0);
	tmpfs_notify_track(n, 1000, 3, VF_MEMINFO);
	tmpfs_notify_rendered(n, 3, T0, 0);
	return n;
}

/*
 * Lost events: every container is rendered until an audit rebuilds the
 * counts (here of a /proc with no process: nothing open anywhere).
 */
static void an_overflow_makes_every_container_read_until_an_audit(void **state)
{
	struct tmpfs_notify_stats st;
	char proc[PATH_MAX];
	struct tmpfs_notify *n = read_once_with_empty_proc(state, proc, sizeof(proc));
	uint64_t now;

	assert_false(tmpfs_notify_wanted(n, 7, T0 + 5 * PERIOD));
	assert_false(tmpfs_notify_audit_due(n));
	tmpfs_notify_overflow(n);
	assert_true(tmpfs_notify_wanted(n, 3, T0 + 5 * PERIOD));
	assert_true(tmpfs_notify_wanted(n, 7, T0 + 5 * PERIOD));
	assert_true(tmpfs_notify_audit_due(n));
	assert_int_equal(tmpfs_notify_audit(n, proc), 0);
	now = monotonic_ns();
	assert_false(tmpfs_notify_audit_due(n));
	assert_false(tmpfs_notify_wanted(n, 3, now + PERIOD));
	assert_false(tmpfs_notify_wanted(n, 7, now + PERIOD));
	tmpfs_notify_get_stats(n, &st);
	assert_int_equal(st.overflows, 1);
	assert_int_equal(st.audits, 1);
	tmpfs_notify_stop(n);
}

/*
 * Marks follow renders: a rendered container's tracked files are marked
 * once; stale takes them off; a file given a new inode (the container's
 * files made anew) is marked again at the next render.
 */
static void marks_follow_renders(void **state)
{
	struct tmpfs_notify *n = tmpfs_notify_new(PERIOD);
	struct tmpfs_notify_stats st;

	(void)state;
	assert_non_null(n);
	assert_false(tmpfs_notify_marked(n, 3));
	tmpfs_notify_track(n, 1000, 3, VF_MEMINFO);
	tmpfs_notify_track(n, 1001, 3, VF_STAT);
	tmpfs_notify_fresh(n, 3, "/nowhere");
	tmpfs_notify_fresh(n, 3, "/nowhere");	/* marked already: nothing to do */
	assert_true(tmpfs_notify_marked(n, 3));
	assert_false(tmpfs_notify_marked(n, 4));
	tmpfs_notify_get_stats(n, &st);
	assert_int_equal(st.marks, 2);
	tmpfs_notify_stale(n, 3, "/nowhere");
	assert_false(tmpfs_notify_marked(n, 3));
	tmpfs_notify_fresh(n, 3, "/nowhere");
	/* both files made anew: their old marks went with their inodes */
	tmpfs_notify_track(n, 2000, 3, VF_MEMINFO);
	tmpfs_notify_track(n, 2001, 3, VF_STAT);
	assert_false(tmpfs_notify_marked(n, 3));
	tmpfs_notify_fresh(n, 3, "/nowhere");
	assert_true(tmpfs_notify_marked(n, 3));
	tmpfs_notify_get_stats(n, &st);
	assert_int_equal(st.marks, 6);
	tmpfs_notify_forget(n, 3);
	assert_false(tmpfs_notify_marked(n, 3));
	tmpfs_notify_stop(n);
}

/* n children that sleep until killed (20 s at most) */
static void spawn(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			alarm(20);	/* gone by itself if the test fails before reap() */
			pause();
			_exit(0);
		}
	}
}

static void reap(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

/*
 * Before a container goes cold, the processes that opened its files are
 * asked. Ones that exited make room for others; more live openers than
 * the table keeps cannot be asked: the container stays read and an audit
 * is due. (Here /proc is an empty folder: the live openers hold nothing.)
 */
static void openers_are_asked_before_a_container_goes_cold(void **state)
{
	char proc[PATH_MAX];
	struct tmpfs_notify *n = read_once_with_empty_proc(state, proc, sizeof(proc));
	pid_t kids[5];
	int i;

	spawn(kids, 5);
	for (i = 0; i < 4; i++)
		tmpfs_notify_event(n, FAN_OPEN, kids[i], 1000, -1, T0 + 1);
	assert_int_equal(tmpfs_notify_held_by_openers(n, 3, proc), 0);
	/* four exited: the fifth finds room */
	reap(kids, 4);
	tmpfs_notify_event(n, FAN_OPEN, kids[4], 1000, -1, T0 + 2);
	assert_int_equal(tmpfs_notify_held_by_openers(n, 3, proc), 0);
	assert_false(tmpfs_notify_audit_due(n));
	/* five live openers: more than kept */
	spawn(kids, 4);
	for (i = 0; i < 4; i++)
		tmpfs_notify_event(n, FAN_OPEN, kids[i], 1000, -1, T0 + 3);
	assert_int_equal(tmpfs_notify_held_by_openers(n, 3, proc), 1);
	assert_true(tmpfs_notify_audit_due(n));
	/* gone cold: the list starts afresh */
	tmpfs_notify_stale(n, 3, "/nowhere");
	assert_int_equal(tmpfs_notify_held_by_openers(n, 3, proc), 0);
	reap(kids, 5);
	tmpfs_notify_stop(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_unread_container_is_not_rendered),
		cmocka_unit_test(an_open_file_keeps_its_container_rendered),
		cmocka_unit_test(an_open_of_an_old_file_waits_for_a_render),
		cmocka_unit_test(own_opens_and_unknown_files_are_not_counted),
		cmocka_unit_test(merged_closes_count_twice),
		cmocka_unit_test(forgotten_slots_leave_the_others_found),
		cmocka_unit_test(marks_follow_renders),
		cmocka_unit_test_setup_teardown(openers_are_asked_before_a_container_goes_cold,
						unit_scratch_setup, unit_scratch_teardown),
		cmocka_unit_test_setup_teardown(an_overflow_makes_every_container_read_until_an_audit,
						unit_scratch_setup, unit_scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
