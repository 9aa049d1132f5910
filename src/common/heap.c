// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's malloc settings (see heap.h). What glibc (2.36) does that
 * kept a burst's memory after its files were closed, measured in the agent
 * (gdb on glibc's mp_, smaps per mapping) and in tests/unit/common/test_heap.c:
 *
 * - Its thresholds move: freeing a block that was mmap'ed raises the mmap
 *   threshold to that block's size and the trim threshold to twice it.
 *   libbpf reads the kernel's BTF whole (5.5 MB here) and frees it at
 *   start, so the agent ran with an 11 MB trim threshold.
 * - malloc_trim() gives back whole free pages inside every arena and the
 *   free top of the main arena, but never the top of a thread's arena: that
 *   shrinks only on free(), once it exceeds the trim threshold. A burst of
 *   snapshots made by FUSE worker threads in the second arena and freed in
 *   order ends in that arena's top: under 11 MB it stayed resident
 *   (tests/unit: the whole 10.9 MB burst; the 6.1 VM: 7 MB of it).
 *
 * - Transparent huge pages (Debian's kernels: enabled "always"; this host:
 *   "madvise"): the heap is faulted in 2 MiB at a time, and khugepaged
 *   collapses a 2 MiB range back into a huge page when a single one of its
 *   pages is still in use (max_ptes_none 511), undoing what malloc_trim()
 *   gave back: in the 6.12 VM a burst's 11 MB stayed, and grew by 1 MB more
 *   after the closes.
 *
 * So: two arenas, not 8 per CPU (the FUSE workers share them); both
 * thresholds set (which fixes them: glibc moves only unset ones) to glibc's
 * own initial 128 KiB: a thread's arena keeps at most that much free at its
 * top, and blocks of 128 KiB or more come from mmap and go back when freed;
 * and no transparent huge pages for the agent (PR_SET_THP_DISABLE: a ~10 MB
 * daemon gains nothing from them; inherited by attach.c's forked child,
 * which execs nothing).
 */
#include <malloc.h>
#include <sys/prctl.h>

#include "common/heap.h"

#define HEAP_ARENAS     2
#define HEAP_THRESHOLD  (128 * 1024)

int heap_setup(void)
{
	int ok = mallopt(M_ARENA_MAX, HEAP_ARENAS) == 1;

	ok &= mallopt(M_MMAP_THRESHOLD, HEAP_THRESHOLD) == 1;
	ok &= mallopt(M_TRIM_THRESHOLD, HEAP_THRESHOLD) == 1;
	ok &= prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0;
	return ok ? 0 : -1;
}

int heap_give_back(size_t min_free)
{
	struct mallinfo2 mi = mallinfo2();

	if (mi.fordblks < min_free)
		return 0;
	(void)malloc_trim(0);
	return 1;
}
