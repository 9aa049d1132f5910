/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading kernel pseudo-files (procfs, sysfs, cgroupfs) through descriptors
 * kept open: a read from offset 0 of such a file makes its text afresh
 * (seq_read_iter() restarts at position 0, as top's pread() of /proc/stat
 * relies on), so the text is the same as an open/read/close would give, for
 * one or two system calls instead of four and no path walk. Every view file
 * the agent renders reads several of them; on a VM where a system call
 * costs a few microseconds this is most of a render.
 *
 * Only for files whose path names the same kernel object until that object
 * is removed (procfs, sysfs, cgroupfs: their names are never renamed over):
 * a removed object's descriptor answers ENODEV (kernfs) or ESRCH (a dead
 * task's /proc/PID files), and the path is then opened anew, once. Files on
 * any other file system (a regular file could be replaced by rename) are
 * read once and closed, as read_file() does.
 *
 * Thread-safe. The number of descriptors kept is bounded by a quarter of
 * RLIMIT_NOFILE's soft limit (at most FDCACHE_MAX); the least recently
 * read go first. FDCACHE_MAX holds what a scrape of the metrics reads at
 * 1,024 containers (about four cgroup files each, and the shared parents');
 * at 1,024 descriptors they were opened again at every cold scrape.
 */
#ifndef KAVA_FDCACHE_H
#define KAVA_FDCACHE_H

#include <stddef.h>

#define FDCACHE_MAX 8192

/*
 * The kernel makes the whole text in one read when the buffer is large
 * enough: single_open() files (/proc/meminfo, /proc/stat, /proc/PID/cgroup,
 * /proc/PID/schedstat) and kernfs attribute files (every cgroup and sysfs
 * file kava reads) show one record. Other seq_files (/proc/cpuinfo,
 * /proc/diskstats) may answer short before their end: read until 0.
 */
#define FDCACHE_ONE_RECORD 1

/*
 * Read the whole text of `path` into a NUL-terminated heap buffer, as
 * read_file() does (same errors: -ENOENT when it is not there).
 */
int fdcache_read(const char *path, int flags, char **out, size_t *len);

/*
 * As fdcache_read() (flags 0), but stop before the end once `enough(text,
 * len, arg)` says the text read so far (NUL-terminated) holds what the
 * caller needs: a multi-record seq_file answers at most a page or so a
 * read (seq_read_iter() stops at a record that would overflow its
 * buffer), and a caller that can tell its records are in spares the reads
 * of the rest and the read that finds the end. Inside a pass, reads the
 * whole text (the pass keeps whole texts for the next reader).
 */
typedef int (*fdcache_enough_fn)(const char *text, size_t len, void *arg);
int fdcache_read_until(const char *path, fdcache_enough_fn enough, void *arg, char **out,
		       size_t *len);

/*
 * Raise RLIMIT_NOFILE's soft limit to room for FDCACHE_MAX kept descriptors
 * (4 x FDCACHE_MAX: the cache takes a quarter), within the hard limit; never
 * lowers it. systemd starts services at a soft 1,024 (for select()'s sake;
 * kava uses poll and epoll only), which left the cache 256. Returns the
 * soft limit now, or a negative errno.
 */
long fdcache_raise_nofile(void);

/*
 * A pass: one thread's sweep over many containers that read the same files
 * (the tmpfs view's period reads the host's /proc/meminfo, /proc/stat and
 * the CPU list, and the shared ancestors' cgroup files, for each of up to
 * 1,024 containers; one container's files read its memory.stat for
 * meminfo, swaps and kava/metrics). While a pass is open on the calling
 * thread, fdcache_read() answers a path read before in the pass with the
 * text it read then, without a system call: every file rendered in the
 * pass is made from its inputs as they were at most one pass ago. Other
 * threads (the FUSE view, a metrics scrape) are not affected. A pass keeps
 * at most 1 MiB of texts; past that, files are read as without one.
 */
void fdcache_pass_begin(void);
/* End the pass: forget every text it kept. */
void fdcache_pass_end(void);
/*
 * Forget the pass's texts of paths under `dir` (one container's own cgroup
 * files, read by nobody else), keeping what the next containers share.
 */
void fdcache_pass_forget_under(const char *dir);
/*
 * The calling thread's open pass, as a number no other pass of the thread
 * had; 0 when none is open. Lets a caller remember an answer for the pass.
 */
unsigned long long fdcache_pass_id(void);
/* Texts the calling thread's pass keeps now; for tests. */
unsigned int fdcache_pass_count(void);

/* Close the descriptors of every path under directory `dir` (a removed cgroup). */
void fdcache_forget_under(const char *dir);

/* Close every descriptor and set the bound (0: from RLIMIT_NOFILE); for tests. */
void fdcache_reset(unsigned int capacity);

/* Descriptors kept now; for tests. */
unsigned int fdcache_count(void);

#endif /* KAVA_FDCACHE_H */
