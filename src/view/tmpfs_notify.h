/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tmpfs view's readers, as fanotify reports them: which containers have
 * a view file open (so the period rewrites theirs only), and opens of files
 * older than a period held until the agent's main thread has rendered the
 * container again (tmpfs.c), or a deadline.
 *
 * Two fanotify groups, each with a filesystem mark on the view's tmpfs (it
 * covers every bind mount of it, in every mount namespace):
 * - FAN_OPEN_PERM (FAN_CLASS_CONTENT), read by a listener thread. It
 *   answers the agent's own opens at once and never waits for the main
 *   thread (which opens view files to write them), so neither waits for the
 *   other. A container's files just rendered carry an ignore mark for it
 *   (tmpfs_notify_fresh()), so their opens never reach the agent; the marks
 *   go when a period passes without a render (tmpfs_notify_stale()). When
 *   the agent dies, the kernel allows every pending open (fanotify_release()).
 * - FAN_OPEN and FAN_CLOSE_*, a notification group nobody polls: queuing an
 *   event wakes no thread. The main thread drains it each period.
 *
 * Counts are per inode: +1 for each FAN_OPEN of another process, -1 for
 * each FAN_CLOSE_* (once per open file description, at its last fput).
 * Events of one process on one file merge while queued (fanotify_merge()),
 * so a count can be too high or too low: it is a hint. Too high, a
 * container is rewritten for nothing until an audit (/proc/PID/fd of every
 * process) rebuilds the counts: at start, after a queue overflow, and every
 * TMPFS_AUDIT_PERIODS periods while some count is above zero. Too low
 * never makes a file stale: before a container's marks go, the processes
 * that opened its files are asked (tmpfs_notify_held_by_openers()).
 */
#ifndef KAVA_VIEW_TMPFS_NOTIFY_H
#define KAVA_VIEW_TMPFS_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TMPFS_HOLD_NS       (100ull * 1000000)   /* an open waits for a render at most this */
#define TMPFS_AUDIT_PERIODS 60

struct tmpfs_notify;

struct tmpfs_notify_stats {
	uint64_t opens;            /* opens by readers seen (FAN_OPEN of others) */
	uint64_t checks;           /* opens asked about (FAN_OPEN_PERM: files without an ignore mark) */
	uint64_t held;             /* of them, held for a render */
	uint64_t late;             /* held ones answered at the deadline, not by a render */
	uint64_t renders_on_open;  /* renders made for held opens */
	uint64_t audits;           /* /proc scans that rebuilt the counts */
	uint64_t overflows;        /* FAN_Q_OVERFLOW seen */
	uint64_t marks;            /* ignore marks set on fresh files */
	unsigned int active;       /* containers with a view file open now */
};

/*
 * A table without a fanotify group (unit tests feed it events with
 * tmpfs_notify_event()); every container starts inactive (no audit due).
 */
struct tmpfs_notify *tmpfs_notify_new(uint64_t period_ns);

/*
 * fanotify on the filesystem of `dir` and the listener thread. Every
 * container counts as active until the first audit. -errno with the reason
 * in `why` (no CONFIG_FANOTIFY_ACCESS_PERMISSIONS, not root, ...).
 */
int tmpfs_notify_start(const char *dir, uint64_t period_ns, struct tmpfs_notify **out,
		       char *why, size_t why_size);

/* Stop the listener (held opens are allowed), close the group, free. NULL: nothing. */
void tmpfs_notify_stop(struct tmpfs_notify *n);

/* Readable (an eventfd) when opens wait for a render: tmpfs_notify_pending(). */
int tmpfs_notify_fd(const struct tmpfs_notify *n);

/* Inode `ino` is file `file` (< VF_COUNT) of the container in `slot`. */
void tmpfs_notify_track(struct tmpfs_notify *n, uint64_t ino, uint32_t slot, int file);

/* The container in `slot` is gone: its inodes and counts go. */
void tmpfs_notify_forget(struct tmpfs_notify *n, uint32_t slot);

/*
 * Should the period render the container in `slot`: a view file of it is
 * open, was closed less than a period ago, or counts are not known.
 */
int tmpfs_notify_wanted(struct tmpfs_notify *n, uint32_t slot, uint64_t now_ns);

/* The container's render that started at `started_ns` is done: its held opens are allowed. */
void tmpfs_notify_rendered(struct tmpfs_notify *n, uint32_t slot, uint64_t started_ns,
			   int on_open);

/*
 * The container in `slot` was just rendered in full into `cdir`: its files
 * get an ignore mark for FAN_OPEN_PERM, so their opens go through without
 * asking the agent (FAN_OPEN still counts them) until tmpfs_notify_stale().
 * Main thread only, as tmpfs_notify_track().
 */
void tmpfs_notify_fresh(struct tmpfs_notify *n, uint32_t slot, const char *cdir);

/*
 * The container in `slot` was not rendered this period: its marks go, so an
 * open of a file older than a period waits for a render again.
 */
void tmpfs_notify_stale(struct tmpfs_notify *n, uint32_t slot, const char *cdir);

/*
 * A file that never waits for a render (it changes with the CPU set only:
 * cpuN/topology/ *): an ignore mark for good. 0 or -errno.
 */
int tmpfs_notify_ignore(struct tmpfs_notify *n, const char *path);

/*
 * Does a process that opened one of the container's files since it was last
 * cold still hold one (its /proc/PID/fd under `proc`)? The counts cannot
 * tell: two opens of one process on one file merge while queued. 1 also
 * when more processes opened than the table keeps (an audit is then due).
 */
int tmpfs_notify_held_by_openers(struct tmpfs_notify *n, uint32_t slot, const char *proc);

/* Do the container's files carry ignore marks now? */
int tmpfs_notify_marked(const struct tmpfs_notify *n, uint32_t slot);

/*
 * Slots with opens waiting for a render (at most max; the eventfd is
 * drained). Each is listed once until rendered or its opens time out.
 */
int tmpfs_notify_pending(struct tmpfs_notify *n, uint32_t *slots, int max);

/* Read the opens and closes queued since the last call (main thread, each period). */
void tmpfs_notify_drain(struct tmpfs_notify *n);

/* Is an audit due (start, overflow, or counts above zero for a while)? Once per period. */
int tmpfs_notify_audit_due(struct tmpfs_notify *n);

/* Rebuild the counts from /proc/PID/fd of every process but the agent. */
int tmpfs_notify_audit(struct tmpfs_notify *n, const char *proc);

void tmpfs_notify_get_stats(struct tmpfs_notify *n, struct tmpfs_notify_stats *out);

/*
 * One event as the listener sees it (the unit tests' entry): `mask` of
 * FAN_OPEN_PERM / FAN_CLOSE_*, from `pid`, on `ino`, at `now_ns`. Returns 1
 * when an open must wait for a render (fd is then held, answered by
 * tmpfs_notify_rendered() or at the deadline), else 0.
 */
int tmpfs_notify_event(struct tmpfs_notify *n, uint64_t mask, pid_t pid, uint64_t ino, int fd,
		       uint64_t now_ns);

/*
 * Events were lost (FAN_Q_OVERFLOW): every container counts as read, and an
 * audit is due, until tmpfs_notify_audit() has rebuilt the counts.
 */
void tmpfs_notify_overflow(struct tmpfs_notify *n);

/* Held opens past their deadline at `now_ns` are answered; how many. */
int tmpfs_notify_expire(struct tmpfs_notify *n, uint64_t now_ns);

#endif
