/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's malloc, set up so that memory freed after a burst (a container
 * holding thousands of view files, then closing them) goes back to the
 * system: see heap.c for what glibc does otherwise and what was measured.
 */
#ifndef KAVA_HEAP_H
#define KAVA_HEAP_H

#include <stddef.h>

/*
 * Called once, before any thread starts and before anything large is
 * allocated (libbpf's copy of the kernel's BTF): malloc's arenas and
 * thresholds, and no transparent huge pages for the process. 0, or -1 if a
 * setting was refused (the agent runs on, and may keep memory after bursts).
 */
int heap_setup(void);

/*
 * Give malloc's free memory back to the system (malloc_trim) when it holds at
 * least MIN_FREE bytes free in its arenas. 1 if it tried, 0 if there was
 * too little to bother.
 */
int heap_give_back(size_t min_free);

#endif /* KAVA_HEAP_H */
