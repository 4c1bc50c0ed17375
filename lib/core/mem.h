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

#endif
