/* mem.h -- allocation wrappers that abort on out-of-memory.
 *
 * As in Redis's zmalloc: running out of memory is not an error any caller can
 * handle usefully, so it is handled once, here, and no caller writes an OOM
 * path. Everything else in lib/ returns errors and never exits. */
#ifndef WW_MEM_H
#define WW_MEM_H
#include <stddef.h>

void *ww_malloc(size_t n);
void *ww_calloc(size_t count, size_t size);
void *ww_realloc(void *p, size_t n);
char *ww_strdup(const char *s);
void ww_free(void *p);
/* A hint that [p, p + n) is looked up at random: the 2 MiB pages wholly
 * inside it are asked to be huge (madvise), so look-ups spread over tens of
 * MiB miss the TLB less. Before the pages are first touched; failing, or a
 * system without it, is fine. */
void ww_mem_huge(void *p, size_t n);

#endif
